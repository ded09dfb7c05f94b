import { appendFileSync, readFileSync } from 'node:fs';
import { JsonlSessionStore, SessionLockedError, defaultSessionDir, readSessionLog, type SessionRecord } from '@ml-intern/context';
import { httpFetch } from '@ml-intern/core';
import type { AgentEvent } from '@ml-intern/events';
import { FALLBACK_HOURLY_PRICES, fetchHfJobStatus, type HfJobStatus } from '@ml-intern/tools-hf';
import { readStoredHfToken } from '../interactive/hf-token.js';

type Env = Record<string, string | undefined>;

/** A reservation of a job's cost, as its session's log last left it. */
interface JobReservation {
  toolCallId: string;
  tool: string;
  state: 'reserved' | 'running' | 'reconciled';
  reservedUsd: number;
  actualUsd: number | null;
  resource: Record<string, unknown> & { kind: string; id: string };
}

/** A job one of this machine's sessions launched. */
export interface LaunchedJob {
  namespace: string;
  id: string;
  sessionId: string;
  sessionFile: string;
  hourlyUsd?: number;
  reservation?: JobReservation;
}

const JOB_URL = /\/jobs\/([^/]+)\/([^/?#]+)$/;

/** The jobs a session log records: reservations of `hf_jobs` runs, and job URLs its tools reported. */
export function jobsOfSession(records: readonly SessionRecord[], sessionId: string, sessionFile: string): LaunchedJob[] {
  const jobs = new Map<string, LaunchedJob>();
  const add = (namespace: string, id: string): LaunchedJob => {
    const key = `${namespace}/${id}`;
    const job = jobs.get(key) ?? { namespace, id, sessionId, sessionFile };
    jobs.set(key, job);
    return job;
  };
  for (const record of records) {
    if (record.kind !== 'event') continue;
    const event = record.event;
    if (event.type === 'cost_reservation' && event.resource?.kind === 'hf_job' && typeof event.resource.namespace === 'string') {
      const job = add(event.resource.namespace, event.resource.id);
      if (typeof event.resource.hourly_usd === 'number') job.hourlyUsd = event.resource.hourly_usd;
      job.reservation = { toolCallId: event.tool_call_id, tool: event.tool, state: event.state, reservedUsd: event.reserved_usd, actualUsd: event.actual_usd, resource: event.resource as JobReservation['resource'] };
    } else if (event.type === 'tool_state_change' && event.jobUrl) {
      const match = JOB_URL.exec(event.jobUrl);
      if (match) add(decodeURIComponent(match[1] as string), decodeURIComponent(match[2] as string));
    }
  }
  return [...jobs.values()];
}

function roundUsd(value: number): number {
  return Math.round(value * 100) / 100;
}

function formatRuntime(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function lastSeq(file: string): number {
  let seq = -1;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /"seq":(\d+)/.exec(line);
    if (match) seq = Math.max(seq, Number(match[1]));
  }
  return seq;
}

/**
 * Close a reservation a run left open, in that session's own log (the same `cost_reservation`
 * event a live run writes), so resuming it does not count the job again. Refused while a live run
 * holds the log: that run reconciles its own jobs.
 */
function writeReconciliation(store: JsonlSessionStore, job: LaunchedJob, actualUsd: number): 'written' | 'locked' {
  const reservation = job.reservation as JobReservation;
  let lock;
  try {
    lock = store.lock(job.sessionId);
  } catch (error) {
    if (error instanceof SessionLockedError || (error as { code?: unknown }).code === 'session_locked') return 'locked';
    throw error;
  }
  try {
    const event: AgentEvent = {
      type: 'cost_reservation',
      session_id: job.sessionId,
      seq: lastSeq(job.sessionFile) + 1,
      ts: new Date().toISOString(),
      tool_call_id: reservation.toolCallId,
      tool: reservation.tool,
      state: 'reconciled',
      reserved_usd: reservation.reservedUsd,
      actual_usd: actualUsd,
      resource: reservation.resource,
    };
    const text = readFileSync(job.sessionFile, 'utf8');
    appendFileSync(job.sessionFile, `${text.length > 0 && !text.endsWith('\n') ? '\n' : ''}${JSON.stringify({ kind: 'event', event })}\n`);
    return 'written';
  } finally {
    lock.release();
  }
}

export interface JobsCommandOptions {
  env?: Env;
  json?: boolean;
  write?: (text: string) => void;
  writeError?: (text: string) => void;
}

interface JobRow {
  job: LaunchedJob;
  status?: HfJobStatus;
  error?: string;
  costUsd?: number;
  costNote: string;
}

function costOf(job: LaunchedJob, status: HfJobStatus): { usd?: number; note: string } {
  const hourly = job.hourlyUsd ?? FALLBACK_HOURLY_PRICES[status.flavor];
  if (job.reservation?.state === 'reconciled' && job.reservation.actualUsd !== null) return { usd: job.reservation.actualUsd, note: 'reconciled' };
  if (hourly === undefined || status.runtimeSeconds === undefined) return { note: 'unknown price' };
  const usd = roundUsd(hourly * (status.runtimeSeconds / 3600));
  return status.finished ? { usd, note: 'runtime × price' } : { usd, note: 'so far' };
}

/**
 * `ml-intern jobs`: the HF jobs this machine's sessions launched, with status, hardware, runtime
 * and cost; reservations left open by runs that ended before their job are reconciled in the
 * session's log at runtime × price.
 */
export async function runJobsCommand(options: JobsCommandOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
  const store = new JsonlSessionStore(defaultSessionDir(env));
  const jobs = store.list().flatMap((session) => {
    try {
      return jobsOfSession(readSessionLog(session.file).records, session.id, session.file);
    } catch {
      return [];
    }
  });
  if (jobs.length === 0) {
    write(`No HF jobs launched by the sessions in ${store.dir}.\n`);
    return 0;
  }
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || readStoredHfToken(env);
  if (!token) {
    writeError('ml-intern: reading job status needs your Hugging Face token: set HF_TOKEN (or run `ml-intern` once and paste a token)\n');
    return 2;
  }
  const rows: JobRow[] = await Promise.all(
    jobs.map(async (job): Promise<JobRow> => {
      try {
        const status = await fetchHfJobStatus({ token, fetch: httpFetch, ...(env.HF_ENDPOINT ? { hubUrl: env.HF_ENDPOINT } : {}), namespace: job.namespace, jobId: job.id });
        const cost = costOf(job, status);
        return { job, status, ...(cost.usd === undefined ? {} : { costUsd: cost.usd }), costNote: cost.note };
      } catch (error) {
        return { job, error: (error as Error).message, costNote: '' };
      }
    }),
  );
  const reconciled: string[] = [];
  for (const row of rows) {
    const reservation = row.job.reservation;
    if (reservation?.state !== 'running' || !row.status?.finished || row.costUsd === undefined) continue;
    if (writeReconciliation(store, row.job, row.costUsd) === 'locked') {
      reconciled.push(`- ${row.job.id}: session ${row.job.sessionId.slice(0, 8)} is running; it reconciles the job itself.`);
      continue;
    }
    reservation.state = 'reconciled';
    row.costNote = `reconciled now (reserved $${reservation.reservedUsd.toFixed(2)})`;
    reconciled.push(`- ${row.job.id}: $${row.costUsd.toFixed(2)} instead of the $${reservation.reservedUsd.toFixed(2)} reserved (session ${row.job.sessionId.slice(0, 8)})`);
  }
  if (options.json) {
    write(`${JSON.stringify(rows.map((row) => ({ id: row.job.id, namespace: row.job.namespace, session: row.job.sessionId, status: row.status?.stage ?? null, hardware: row.status?.flavor ?? null, runtime_seconds: row.status?.runtimeSeconds ?? null, cost_usd: row.costUsd ?? null, cost: row.costNote, url: row.status?.url ?? null, error: row.error ?? null })), null, 2)}\n`);
    return 0;
  }
  const table = rows.map((row) => [
    `${row.job.namespace}/${row.job.id}`,
    row.status ? row.status.stage : `? (${row.error ?? 'unknown'})`,
    row.status?.flavor ?? '?',
    formatRuntime(row.status?.runtimeSeconds),
    row.costUsd === undefined ? '?' : `$${row.costUsd.toFixed(2)} ${row.costNote}`,
    row.job.sessionId.slice(0, 8),
  ]);
  const header = ['JOB', 'STATUS', 'HARDWARE', 'RUNTIME', 'COST', 'SESSION'];
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => (cells[column] as string).length)));
  for (const cells of [header, ...table]) write(`${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd()}\n`);
  if (reconciled.length) write(`\nReservations left open by runs that ended before their job:\n${reconciled.join('\n')}\n`);
  return 0;
}
