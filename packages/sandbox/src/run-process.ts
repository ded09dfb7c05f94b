import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { OutputCollector } from './output-collector.js';

export interface RunProcessOptions {
  /** The started command: leader of its own process group, stdout and stderr piped. */
  child: ChildProcess;
  collector: OutputCollector;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ProcessOutcome {
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
}

/** How long to wait for output still buffered in the pipes after the process group is gone. */
const DRAIN_GRACE_MS = 250;

/**
 * Wait for a started command (the leader of its own process group), feeding stdout and stderr
 * into the collector, and kill the whole group with SIGKILL on timeout, on abort, and after the
 * leader exits, so no background child outlives the call.
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  const started = performance.now();
  const { signal, child } = options;
  const stdout = child.stdout;
  const stderr = child.stderr;
  if (!stdout || !stderr) return Promise.reject(new Error('the command needs piped stdout and stderr'));
  if (signal?.aborted) {
    killProcessGroup(child);
    return Promise.resolve({ exitCode: null, durationMs: 0, timedOut: false, aborted: true });
  }

  return new Promise<ProcessOutcome>((resolve, reject) => {
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const killGroup = () => killProcessGroup(child);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };

    stdout.on('data', (chunk: Buffer) => options.collector.write('stdout', chunk));
    stderr.on('data', (chunk: Buffer) => options.collector.write('stderr', chunk));
    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(error);
    });
    child.once('exit', (code, exitSignal) => {
      cleanup();
      killGroup();
      const finish = () => {
        if (settled) return;
        settled = true;
        stdout.destroy();
        stderr.destroy();
        const killed = timedOut || aborted;
        const bySignal = exitSignal ? 128 + (constants.signals[exitSignal] ?? 0) : null;
        resolve({ exitCode: killed ? null : (code ?? bySignal), durationMs: Math.round(performance.now() - started), timedOut, aborted });
      };
      if (stdout.readableEnded && stderr.readableEnded) return finish();
      const grace = setTimeout(finish, DRAIN_GRACE_MS);
      let open = 2;
      const onEnd = () => {
        open -= 1;
        if (open === 0) {
          clearTimeout(grace);
          finish();
        }
      };
      for (const stream of [stdout, stderr]) {
        if (stream.readableEnded) onEnd();
        else stream.once('close', onEnd);
      }
    });
  });
}

function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
