import type { getJob, getScheduledJob } from '@huggingface/hub';
import { truncateText } from '../text-limits.js';
import { formatDuration } from './job-spec.js';

/** A job as the Jobs API returns it. */
export type HubJob = Awaited<ReturnType<typeof getJob>>;
/** A scheduled job as the Jobs API returns it. */
export type HubScheduledJob = Awaited<ReturnType<typeof getScheduledJob>>;

/** Job stages after which nothing more happens. */
export const TERMINAL_STAGES: ReadonlySet<string> = new Set(['COMPLETED', 'ERROR', 'FAILED', 'CANCELED', 'CANCELLED', 'DELETED', 'STOPPED']);

export function isTerminal(job: Pick<HubJob, 'status'> | undefined): boolean {
  return job !== undefined && TERMINAL_STAGES.has(String(job.status?.stage ?? '').toUpperCase());
}

export function jobUrl(hubUrl: string, namespace: string, jobId: string): string {
  return `${hubUrl}/jobs/${namespace}/${jobId}`;
}

function commandText(command: readonly string[] | null | undefined): string {
  if (!command?.length) return '(image default)';
  // Inline scripts are base64 blobs; show the uv invocation, not the blob.
  const text = command.join(' ').replace(/printf %s [A-Za-z0-9+/=]+ \| base64 -d > (\S+) && exec /, '[inline script → $1] ');
  return truncateText(text, 300);
}

export function formatJob(job: HubJob, hubUrl: string, namespace: string): string {
  const lines = [
    `Job ${job.id}: ${job.status?.stage ?? 'UNKNOWN'}${job.status?.message ? ` (${truncateText(job.status.message, 300)})` : ''}`,
    `URL: ${jobUrl(hubUrl, namespace, job.id)}`,
    `Hardware: ${job.flavor}${job.timeoutSeconds ? ` | timeout ${formatDuration(job.timeoutSeconds)}` : ''}`,
    `Image: ${job.dockerImage ?? job.spaceId ?? '?'}`,
    `Command: ${commandText(job.command)}`,
    `Created: ${job.createdAt ?? '?'}${job.startedAt ? ` | started: ${job.startedAt}` : ''}${job.finishedAt ? ` | finished: ${job.finishedAt}` : ''}`,
  ];
  if (job.secrets?.length) lines.push(`Secrets: ${job.secrets.join(', ')} (values hidden)`);
  return lines.join('\n');
}

export function formatJobsTable(jobs: readonly HubJob[]): string {
  const lines = ['| id | status | hardware | image | created |', '|---|---|---|---|---|'];
  for (const job of jobs) lines.push(`| ${job.id} | ${job.status?.stage ?? '?'} | ${job.flavor} | ${truncateText(job.dockerImage ?? job.spaceId ?? '', 40)} | ${job.createdAt?.slice(0, 16) ?? ''} |`);
  return lines.join('\n');
}

export function formatScheduledJob(job: HubScheduledJob & { status?: { lastJob?: { id?: string; at?: string }; nextJobRunAt?: string } }): string {
  return [
    `Scheduled job ${job.id}: ${job.suspend ? 'SUSPENDED' : 'ACTIVE'} | schedule ${job.schedule}`,
    `Hardware: ${job.jobSpec?.flavor ?? '?'}${job.jobSpec?.timeoutSeconds ? ` | timeout ${formatDuration(job.jobSpec.timeoutSeconds)}` : ''}`,
    `Image: ${job.jobSpec?.dockerImage ?? job.jobSpec?.spaceId ?? '?'}`,
    `Command: ${commandText(job.jobSpec?.command)}`,
    `Created: ${job.createdAt ?? '?'}${job.status?.nextJobRunAt ? ` | next run: ${job.status.nextJobRunAt}` : ''}${job.status?.lastJob?.id ? ` | last job: ${job.status.lastJob.id}` : ''}`,
  ].join('\n');
}
