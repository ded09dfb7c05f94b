import { isAbortError } from '@ml-intern/core';
import type { HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { stripAnsi } from '../text-limits.js';

export interface CollectLogsOptions {
  namespace: string;
  jobId: string;
  /** Stop after this long in total. */
  maxWaitMs: number;
  /** Stop when no line arrived for this long (snapshot of a running job). */
  idleMs?: number;
  /** Keep the last this many lines. */
  keep: number;
  /** Called for every line as it arrives (→ `tool_log`). */
  onLine?: (line: string) => void;
  /**
   * Lines stamped before this time (ms) are the replay of earlier output: they are kept for the
   * result but not passed to `onLine`, so following a long job does not re-stream its history.
   */
  liveSince?: number;
}

export interface CollectedLogs {
  /** The last `keep` lines. */
  lines: string[];
  /** Lines received in total. */
  total: number;
  /** The server closed the stream (the job has finished or has no more output). */
  ended: boolean;
  /** A connection problem cut the stream short. */
  interruptedBy?: string;
  /** Why reading stopped: the stream ended, went quiet, hit `maxWaitMs`, or failed. */
  stoppedBy: 'end' | 'idle' | 'deadline' | 'error';
  /** Timestamp of the last line received (the Hub stamps each line). */
  lastTimestamp?: Date;
  /** Lines of earlier output that were replayed without going to `onLine`. */
  replayed: number;
}

const TIMEOUT = Symbol('timeout');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Read a job's log stream (SSE) for at most `maxWaitMs`, or until it ends or goes quiet for
 * `idleMs`, keeping the last `keep` lines. The logs endpoint replays from the start and keeps
 * running jobs' streams open, so every read is bounded; a replay still under way at the deadline
 * is reported (`stoppedBy: 'deadline'`) so nobody takes its last lines for the latest.
 */
export async function collectJobLogs(call: HubCall, options: CollectLogsOptions): Promise<CollectedLogs> {
  const { streamJobLogs } = await loadHub();
  const controller = new AbortController();
  const boundFetch = ((input: RequestInfo | URL, init: RequestInit = {}) =>
    call.fetch(input, { ...init, signal: init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal })) as typeof fetch;
  const iterator = streamJobLogs({ ...call.library, fetch: boundFetch, namespace: options.namespace, jobId: options.jobId })[Symbol.asyncIterator]();
  const lines: string[] = [];
  let total = 0;
  let ended = false;
  let interruptedBy: string | undefined;
  let stoppedBy: CollectedLogs['stoppedBy'] = 'deadline';
  let lastTimestamp: Date | undefined;
  let replayed = 0;
  const deadline = Date.now() + options.maxWaitMs;
  try {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const pending = iterator.next();
      pending.catch(() => {});
      const idle = options.idleMs !== undefined && options.idleMs < remaining;
      const next = await withTimeout(pending, idle ? (options.idleMs as number) : remaining);
      if (next === TIMEOUT) {
        if (idle) stoppedBy = 'idle';
        break;
      }
      if (next.done) {
        ended = true;
        stoppedBy = 'end';
        break;
      }
      const stamp = next.value.timestamp instanceof Date && !Number.isNaN(next.value.timestamp.getTime()) ? next.value.timestamp : undefined;
      if (stamp) lastTimestamp = stamp;
      const live = options.liveSince === undefined || stamp === undefined || stamp.getTime() >= options.liveSince;
      for (const raw of String(next.value.message ?? '').split(/\r?\n/)) {
        const line = stripAnsi(raw).replace(/\s+$/, '');
        if (line === '' && raw === '') continue;
        total += 1;
        lines.push(line);
        if (lines.length > options.keep) lines.shift();
        if (live) options.onLine?.(line);
        else replayed += 1;
      }
    }
  } catch (error) {
    if (isAbortError(error) && !controller.signal.aborted) throw error;
    if (total === 0 && !isAbortError(error)) throw error;
    if (!isAbortError(error)) {
      interruptedBy = error instanceof Error ? error.message : String(error);
      stoppedBy = 'error';
    }
  } finally {
    controller.abort();
  }
  return { lines, total, ended, stoppedBy, replayed, ...(lastTimestamp ? { lastTimestamp } : {}), ...(interruptedBy ? { interruptedBy: call.redact(interruptedBy) } : {}) };
}

const INSTALLED = /^\s*Installed \d+ packages? in [\d.]+\s*(ms|s)\s*$/;

/** Replace uv's dependency-installation chatter (before "Installed N packages in …") with one line. */
export function collapseInstallNoise(lines: readonly string[]): string[] {
  const installed = lines.findIndex((line) => INSTALLED.test(line));
  if (installed <= 0) return [...lines];
  return [`[${installed} lines of dependency installation hidden]`, ...lines.slice(installed)];
}
