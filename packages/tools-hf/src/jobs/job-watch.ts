import type { HubCall } from '../hub-call.js';
import { collectJobLogs, type CollectedLogs } from './job-logs.js';
import { followJobMetrics, formatMetricsSample, metricsAdvice, readMetricsSnapshot, type JobMetricsSample } from './job-metrics.js';

export interface WatchJobOptions {
  namespace: string;
  jobId: string;
  maxWaitMs: number;
  /** Snapshot: stop after this much silence. */
  idleMs?: number;
  keep: number;
  /** Follow: every log line and a metrics line every `metricsEveryMs` go to `log` (→ `tool_log`). */
  log?: (message: string, level?: 'info' | 'warn') => void;
  /** Follow: at most one metrics line per this many ms (default 30 s; the first sample at once). */
  metricsEveryMs?: number;
  /** Snapshot: wait this long for one metrics sample (default 3 s). */
  metricsWaitMs?: number;
  /** Follow: lines stamped before this (ms) are replayed history, kept for the result but not streamed. */
  liveSince?: number;
}

export interface WatchedJob {
  logs: CollectedLogs;
  /** The latest metrics sample, if the job reported any. */
  metrics?: JobMetricsSample;
}

/**
 * Read a job's logs and metrics together. Following (`log` given), log lines and periodic
 * metrics lines (GPU utilisation and memory) stream to the user while the tool waits; a warning
 * is logged once when GPU memory is nearly full. A snapshot takes one metrics sample beside the
 * logs.
 */
export async function watchJob(call: HubCall, options: WatchJobOptions): Promise<WatchedJob> {
  const { namespace, jobId, log } = options;
  let latest: JobMetricsSample | undefined;
  const metricsStop = new AbortController();
  let metricsDone: Promise<unknown>;
  if (log) {
    const every = options.metricsEveryMs ?? 30_000;
    let lastShown = -Infinity;
    let warned = false;
    metricsDone = followJobMetrics(call, {
      namespace,
      jobId,
      onSample(sample) {
        latest = sample;
        const now = Date.now();
        if (now - lastShown >= every) {
          lastShown = now;
          log(`[metrics] ${formatMetricsSample(sample)}`);
        }
        const advice = metricsAdvice(sample);
        if (advice && !warned) {
          warned = true;
          log(`[metrics] ${advice}`, 'warn');
        }
      },
    }, metricsStop.signal);
  } else {
    metricsDone = readMetricsSnapshot(call, namespace, jobId, options.metricsWaitMs ?? 3_000).then((sample) => {
      latest = sample;
    });
  }
  try {
    const logs = await collectJobLogs(call, {
      namespace,
      jobId,
      maxWaitMs: options.maxWaitMs,
      ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
      keep: options.keep,
      ...(log ? { onLine: (line: string) => log(line) } : {}),
      ...(options.liveSince === undefined ? {} : { liveSince: options.liveSince }),
    });
    if (log && logs.replayed > 0) log(`(${logs.replayed} earlier log lines were replayed without streaming them; the last ones are in the result.)`);
    if (!log) await metricsDone;
    return { logs, ...(latest ? { metrics: latest } : {}) };
  } finally {
    metricsStop.abort();
    await metricsDone.catch(() => undefined);
  }
}

/** The metrics line of a tool result, with advice when the GPU is nearly out of memory. */
export function metricsBlock(sample: JobMetricsSample | undefined): string[] {
  if (!sample) return [];
  const advice = metricsAdvice(sample);
  return [`Metrics: ${formatMetricsSample(sample)}`, ...(advice ? [`Warning: ${advice}`] : [])];
}
