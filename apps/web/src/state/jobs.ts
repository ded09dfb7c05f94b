/** One GPU sample of a running job. */
export interface MetricPoint {
  t: number;
  /** Utilisation in percent. */
  gpuUtil?: number;
  /** Memory used in MiB. */
  gpuMemMiB?: number;
  /** Memory in total in MiB, when known. */
  gpuMemTotalMiB?: number;
}

/** What a job card shows: which job, where it lives, how it is doing. */
export interface JobView {
  id?: string;
  url?: string;
  hardware?: string;
  stage?: string;
  trackio?: { spaceId: string; project?: string };
  metrics: MetricPoint[];
}

export const MAX_METRIC_POINTS = 120;

export function emptyJob(): JobView {
  return { metrics: [] };
}

const STARTED = /Started HF job (\S+) on (\S+): (\S+)/;
const STAGE = /\b(?:status|stage)\b[:=\s]+(RUNNING|COMPLETED|ERROR|CANCELED|CANCELLED|DELETED|SCHEDULING|PENDING)\b/i;
const UTIL = /gpu[_ ]?util(?:i[sz]ation)?["'\s]*[:=]\s*(\d+(?:\.\d+)?)\s*%?/i;
const MEM = /(?:gpu[_ ]?)?mem(?:ory)?(?:[_ ]used)?(?:[_ ](mib|mb|gib|gb|bytes))?["'\s]*[:=]\s*(\d+(?:\.\d+)?)\s*(MiB|MB|GiB|GB|B)?(?:\s*\/\s*(\d+(?:\.\d+)?)\s*(MiB|MB|GiB|GB)?)?/i;

function toMiB(value: number, unit: string | undefined): number {
  switch ((unit ?? 'mib').toLowerCase()) {
    case 'gib':
    case 'gb':
      return value * 1024;
    case 'b':
    case 'bytes':
      return value / (1024 * 1024);
    default:
      return value;
  }
}

function isJobTool(tool: string): boolean {
  return tool === 'hf_jobs' || tool.endsWith('_jobs') || tool.includes('job');
}

const METRICS_GPU = /GPU (\S+): (?:(\d+(?:\.\d+)?)% util)?(?:,? ?(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))? GB)?/g;

/** The line the hf_jobs tool logs per metrics sample: `[metrics] GPU 0: 97% util, 18.2/24.0 GB (76%) | CPU 85% | …`. */
function parseMetricsSampleLine(message: string, t: number): MetricPoint | undefined {
  const utils: number[] = [];
  let used = 0;
  let total = 0;
  let withMemory = 0;
  for (const match of message.matchAll(METRICS_GPU)) {
    if (match[2] !== undefined) utils.push(Number(match[2]));
    if (match[3] !== undefined) {
      withMemory += 1;
      used += Number(match[3]) * 1024;
      if (match[4] !== undefined) total += Number(match[4]) * 1024;
    }
  }
  if (utils.length === 0 && withMemory === 0) return undefined;
  return {
    t,
    ...(utils.length ? { gpuUtil: utils.reduce((a, b) => a + b, 0) / utils.length } : {}),
    ...(withMemory ? { gpuMemMiB: used } : {}),
    ...(total ? { gpuMemTotalMiB: total } : {}),
  };
}

/** GPU numbers in a log line (the hf_jobs `[metrics]` line, `gpu_util=87% mem=30512/81559 MiB`, or a JSON sample), if it has any. */
export function parseMetricLine(message: string, t: number): MetricPoint | undefined {
  const trimmed = message.trim();
  if (trimmed.startsWith('[metrics] ')) return parseMetricsSampleLine(trimmed, t);
  if (trimmed.startsWith('{')) {
    try {
      const value = JSON.parse(trimmed) as Record<string, unknown>;
      return metricFromObject(value, t);
    } catch {
      // not JSON: fall through to the text forms
    }
  }
  const util = UTIL.exec(message);
  if (!util) return undefined;
  const point: MetricPoint = { t, gpuUtil: Number(util[1]) };
  const mem = MEM.exec(message.slice((util.index ?? 0) + util[0].length));
  if (mem?.[2]) {
    const unit = mem[3] ?? mem[1];
    point.gpuMemMiB = toMiB(Number(mem[2]), unit);
    if (mem[4]) point.gpuMemTotalMiB = toMiB(Number(mem[4]), mem[5] ?? unit);
  }
  return point;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function metricFromObject(value: Record<string, unknown>, t: number): MetricPoint | undefined {
  const gpus = Array.isArray(value.gpus) ? (value.gpus as Record<string, unknown>[]) : undefined;
  if (gpus && gpus.length > 0) {
    const utils = gpus.map((gpu) => num(gpu.utilization ?? gpu.util ?? gpu.gpu_util)).filter((item): item is number => item !== undefined);
    const used = gpus.map((gpu) => num(gpu.memory_used_mib ?? gpu.memory_used ?? gpu.mem_used)).filter((item): item is number => item !== undefined);
    const total = gpus.map((gpu) => num(gpu.memory_total_mib ?? gpu.memory_total ?? gpu.mem_total)).filter((item): item is number => item !== undefined);
    if (utils.length === 0) return undefined;
    return {
      t,
      gpuUtil: utils.reduce((a, b) => a + b, 0) / utils.length,
      ...(used.length ? { gpuMemMiB: used.reduce((a, b) => a + b, 0) } : {}),
      ...(total.length ? { gpuMemTotalMiB: total.reduce((a, b) => a + b, 0) } : {}),
    };
  }
  const util = num(value.gpu_util ?? value.gpu_utilization ?? value.gpuUtil);
  if (util === undefined) return undefined;
  const used = num(value.gpu_memory_used_mib ?? value.gpu_mem_mib ?? value.gpuMemMiB);
  const total = num(value.gpu_memory_total_mib ?? value.gpuMemTotalMiB);
  return { t, gpuUtil: util, ...(used !== undefined ? { gpuMemMiB: used } : {}), ...(total !== undefined ? { gpuMemTotalMiB: total } : {}) };
}

/** The job view after one log line of a job tool; undefined when the line says nothing about the job. */
export function jobFromLog(tool: string, current: JobView | undefined, message: string, t: number): JobView | undefined {
  if (!isJobTool(tool)) return undefined;
  const started = STARTED.exec(message);
  if (started) return { ...(current ?? emptyJob()), id: started[1], hardware: started[2], url: current?.url ?? started[3], stage: current?.stage ?? 'RUNNING' };
  const point = parseMetricLine(message, t);
  if (point) {
    const metrics = [...(current?.metrics ?? []), point];
    return { ...(current ?? emptyJob()), metrics: metrics.length > MAX_METRIC_POINTS ? metrics.slice(-MAX_METRIC_POINTS) : metrics };
  }
  const stage = STAGE.exec(message);
  if (stage?.[1] && current) return { ...current, stage: stage[1].toUpperCase() };
  return undefined;
}

/** The `Metrics: …` line of a job tool's result (the same form as the `[metrics]` log line). */
export function metricsFromOutput(output: string, t: number): MetricPoint | undefined {
  const line = /^Metrics: (.*)$/m.exec(output)?.[1];
  return line ? parseMetricsSampleLine(line, t) : undefined;
}

/** The stage a finished job tool's output reports (`Status after waiting: COMPLETED`, `Job x: ERROR`). */
export function stageFromOutput(output: string): string | undefined {
  const match = /(?:Status after waiting|Job \S+):\s*(RUNNING|COMPLETED|ERROR|CANCELED|DELETED|SCHEDULING|UNKNOWN)/.exec(output);
  return match?.[1];
}

/** Where a Trackio dashboard Space is served (`owner/name` → `https://owner-name.hf.space`), with the project selected. */
export function trackioUrl(spaceId: string, project?: string): string | undefined {
  const match = /^([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)$/.exec(spaceId);
  if (!match) return undefined;
  const host = `${match[1]}-${match[2]}`.toLowerCase().replace(/[._]/g, '-');
  const query = new URLSearchParams({ ...(project ? { project } : {}), sidebar: 'hidden' });
  return `https://${host}.hf.space/?${query.toString()}`;
}
