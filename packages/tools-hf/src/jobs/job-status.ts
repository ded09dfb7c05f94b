import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { isTerminal } from './job-format.js';
import { billedSeconds } from './job-tracker.js';

/** What `ml-intern jobs` shows of one job. */
export interface HfJobStatus {
  id: string;
  namespace: string;
  stage: string;
  message?: string;
  flavor: string;
  /** The job has reached a final stage. */
  finished: boolean;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Seconds it ran (finished jobs) or has run so far. */
  runtimeSeconds?: number;
  url: string;
}

export interface FetchHfJobOptions extends HfToolsOptions {
  namespace: string;
  jobId: string;
  signal?: AbortSignal;
  /** "Now" for the runtime of a running job (tests). */
  now?: number;
}

function iso(value: string | Date | null | undefined): string | undefined {
  if (!value) return undefined;
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * The status of one HF job, for tools outside a session (the CLI's job list). Errors carry the
 * Hub's explanation, with the token redacted.
 */
export async function fetchHfJobStatus(options: FetchHfJobOptions): Promise<HfJobStatus> {
  const config = resolveHfConfig(options);
  const call = createHubCall(config, options.signal);
  try {
    const { getJob } = await loadHub();
    const job = await getJob({ ...call.library, namespace: options.namespace, jobId: options.jobId });
    const finished = isTerminal(job);
    const startedAt = iso(job.startedAt) ?? iso(job.createdAt);
    const runtimeSeconds = finished ? billedSeconds(job) : startedAt ? Math.max(0, ((options.now ?? Date.now()) - Date.parse(startedAt)) / 1000) : undefined;
    return {
      id: job.id,
      namespace: options.namespace,
      stage: String(job.status?.stage ?? 'UNKNOWN'),
      ...(job.status?.message ? { message: call.redact(job.status.message) } : {}),
      flavor: String(job.flavor ?? '?'),
      finished,
      ...(iso(job.createdAt) ? { createdAt: iso(job.createdAt) } : {}),
      ...(startedAt ? { startedAt } : {}),
      ...(iso(job.finishedAt) ? { finishedAt: iso(job.finishedAt) } : {}),
      ...(runtimeSeconds === undefined ? {} : { runtimeSeconds }),
      url: `${config.hubUrl}/jobs/${options.namespace}/${job.id}`,
    };
  } catch (error) {
    throw call.toToolError(error, { label: `job ${options.jobId}`, kind: 'job' });
  }
}
