import type { JobView, MetricPoint } from '../state/jobs.js';
import { trackioUrl } from '../state/jobs.js';

function Sparkline({ points, label, unit, max }: { points: { t: number; v: number }[]; label: string; unit: string; max: number }) {
  const width = 160;
  const height = 40;
  const last = points[points.length - 1];
  if (!last) return null;
  const first = points.length === 1 ? { t: last.t - 1 } : (points[0] as { t: number });
  const span = Math.max(1, last.t - first.t);
  // One sample is drawn as a level line across the chart.
  const drawn = points.length === 1 ? [{ t: last.t - 1, v: last.v }, last] : points;
  const path = drawn
    .map((point, index) => {
      const x = ((point.t - first.t) / span) * width;
      const y = height - (Math.min(point.v, max) / max) * (height - 2) - 1;
      return `${index === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return (
    <figure className="spark" aria-label={`${label}: ${Math.round(last.v)}${unit}`}>
      <figcaption>
        <span>{label}</span>
        <strong>
          {Math.round(last.v)}
          {unit}
        </strong>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img">
        <path d={`${path} L${width},${height} L0,${height} Z`} className="spark-fill" />
        <path d={path} className="spark-line" />
      </svg>
    </figure>
  );
}

function series(metrics: MetricPoint[], pick: (point: MetricPoint) => number | undefined): { t: number; v: number }[] {
  return metrics.flatMap((point) => {
    const value = pick(point);
    return value === undefined ? [] : [{ t: point.t, v: value }];
  });
}

export function JobPanel({ job }: { job: JobView }) {
  const util = series(job.metrics, (point) => point.gpuUtil);
  const memTotal = [...job.metrics].reverse().find((point) => point.gpuMemTotalMiB)?.gpuMemTotalMiB;
  const mem = series(job.metrics, (point) => (point.gpuMemMiB === undefined ? undefined : memTotal ? (point.gpuMemMiB / memTotal) * 100 : point.gpuMemMiB / 1024));
  const dashboard = job.trackio ? trackioUrl(job.trackio.spaceId, job.trackio.project) : undefined;
  const stage = (job.stage ?? 'RUNNING').toLowerCase();
  return (
    <div className="job">
      <div className="job-head">
        <span className={`badge stage-${stage}`}>{stage}</span>
        {job.id && <code className="job-id">{job.id}</code>}
        {job.hardware && <span className="muted">{job.hardware}</span>}
        {job.url && (
          <a href={job.url} target="_blank" rel="noopener noreferrer">
            job page ↗
          </a>
        )}
      </div>
      {(util.length > 0 || mem.length > 0) && (
        <div className="job-charts">
          {util.length > 0 && <Sparkline points={util} label="GPU util" unit="%" max={100} />}
          {mem.length > 0 && <Sparkline points={mem} label="GPU memory" unit={memTotal ? '%' : ' GiB'} max={memTotal ? 100 : Math.max(...mem.map((point) => point.v), 1)} />}
        </div>
      )}
      {dashboard && job.trackio && (
        <details className="trackio" open>
          <summary>
            Trackio · {job.trackio.spaceId}
            {job.trackio.project ? ` · ${job.trackio.project}` : ''}{' '}
            <a href={dashboard} target="_blank" rel="noopener noreferrer">
              open ↗
            </a>
          </summary>
          <iframe title="Trackio dashboard" src={dashboard} loading="lazy" sandbox="allow-scripts allow-same-origin allow-popups" />
        </details>
      )}
    </div>
  );
}
