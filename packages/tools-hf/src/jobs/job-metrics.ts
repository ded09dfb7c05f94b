import { isAbortError } from '@ml-intern/core';
import type { HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';

/** One GPU of a metrics sample. */
export interface GpuSample {
  id: string;
  utilizationPct?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
}

/** One sample of the Jobs metrics stream (`/api/jobs/{namespace}/{id}/metrics`, SSE, one JSON object per frame). */
export interface JobMetricsSample {
  cpuUsagePct?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
  gpus: GpuSample[];
}

function numberOf(record: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, one]) => one !== undefined)) as T;
}

/** Parse one frame's data; undefined for anything that is not a metrics object. */
export function parseMetricsSample(data: string): JobMetricsSample | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const rawGpus = record.gpus;
  const entries: [string, unknown][] = Array.isArray(rawGpus) ? rawGpus.map((gpu, index) => [String(index), gpu]) : rawGpus && typeof rawGpus === 'object' ? Object.entries(rawGpus) : [];
  const gpus = entries
    .filter((entry): entry is [string, Record<string, unknown>] => entry[1] !== null && typeof entry[1] === 'object')
    .map(([id, gpu]) => defined<GpuSample>({ id, utilizationPct: numberOf(gpu, 'utilization', 'utilization_pct', 'gpu_utilization'), memoryUsedBytes: numberOf(gpu, 'memory_used_bytes'), memoryTotalBytes: numberOf(gpu, 'memory_total_bytes') }));
  return defined<JobMetricsSample>({ cpuUsagePct: numberOf(record, 'cpu_usage_pct'), memoryUsedBytes: numberOf(record, 'memory_used_bytes'), memoryTotalBytes: numberOf(record, 'memory_total_bytes'), gpus });
}

function gigabytes(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(1);
}

function memory(used: number | undefined, total: number | undefined): string | undefined {
  if (used === undefined) return undefined;
  return total ? `${gigabytes(used)}/${gigabytes(total)} GB (${Math.round((used / total) * 100)}%)` : `${gigabytes(used)} GB`;
}

/** One line for the user and the model: `GPU 0: 97% util, 18.2/24.0 GB (76%) | CPU 85% | RAM 12.0/32.0 GB (38%)`. */
export function formatMetricsSample(sample: JobMetricsSample): string {
  const parts = sample.gpus.map((gpu) => {
    const details = [gpu.utilizationPct === undefined ? undefined : `${Math.round(gpu.utilizationPct)}% util`, memory(gpu.memoryUsedBytes, gpu.memoryTotalBytes)].filter(Boolean);
    return `GPU ${gpu.id}: ${details.join(', ') || 'no data'}`;
  });
  if (sample.cpuUsagePct !== undefined) parts.push(`CPU ${Math.round(sample.cpuUsagePct)}%`);
  const ram = memory(sample.memoryUsedBytes, sample.memoryTotalBytes);
  if (ram) parts.push(`RAM ${ram}`);
  return parts.join(' | ') || 'no metrics';
}

/** A sign the job is wasting or about to exhaust its GPU, worth telling the model. */
export function metricsAdvice(sample: JobMetricsSample): string | undefined {
  for (const gpu of sample.gpus) {
    if (gpu.memoryUsedBytes !== undefined && gpu.memoryTotalBytes && gpu.memoryUsedBytes / gpu.memoryTotalBytes > 0.95) return `GPU ${gpu.id} memory is over 95% full: an out-of-memory error is likely (lower the batch size, enable gradient checkpointing or use LoRA/QLoRA).`;
  }
  return undefined;
}

export interface FollowMetricsOptions {
  namespace: string;
  jobId: string;
  /** Called with each parsed sample. */
  onSample(sample: JobMetricsSample): void;
}

/**
 * Follow a job's metrics stream until `signal` aborts or the stream ends. Best effort: a job
 * without metrics (CPU-only flavors on older backends, a finished job) or a failed stream just
 * yields nothing; logs and status never depend on it.
 */
export async function followJobMetrics(call: HubCall, options: FollowMetricsOptions, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const { streamJobMetrics } = await loadHub();
  const boundFetch = ((input: RequestInfo | URL, init: RequestInit = {}) => call.fetch(input, { ...init, signal: init.signal ? AbortSignal.any([init.signal, signal]) : signal })) as typeof fetch;
  try {
    for await (const data of streamJobMetrics({ ...call.library, fetch: boundFetch, namespace: options.namespace, jobId: options.jobId })) {
      if (signal.aborted) return;
      const sample = parseMetricsSample(data);
      if (sample) options.onSample(sample);
    }
  } catch (error) {
    // Metrics are an extra: a stream that fails or is stopped leaves logs and status untouched.
    if (!isAbortError(error) && !signal.aborted) return;
  }
}

/** The first sample of a running job's metrics, waiting at most `waitMs`. */
export async function readMetricsSnapshot(call: HubCall, namespace: string, jobId: string, waitMs: number): Promise<JobMetricsSample | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), waitMs);
  let first: JobMetricsSample | undefined;
  try {
    await followJobMetrics(call, {
      namespace,
      jobId,
      onSample(sample) {
        first = sample;
        controller.abort();
      },
    }, controller.signal);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return first;
}
