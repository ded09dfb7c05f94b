import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { OutputCollector } from './output-collector.js';

export interface RunProcessOptions {
  argv: readonly string[];
  cwd: string;
  environment: Record<string, string>;
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
 * Spawn `argv` as the leader of a new process group (stdin closed, stdout and stderr piped into
 * the collector) and kill the whole group with SIGKILL on timeout, on abort, and after the
 * leader exits, so no background child outlives the call.
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  const started = performance.now();
  const { signal } = options;
  if (signal?.aborted) return Promise.resolve({ exitCode: null, durationMs: 0, timedOut: false, aborted: true });
  const [file, ...args] = options.argv;
  if (!file) return Promise.reject(new Error('empty command line'));

  return new Promise<ProcessOutcome>((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.environment, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
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

    child.stdout.on('data', (chunk: Buffer) => options.collector.write('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => options.collector.write('stderr', chunk));
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
        child.stdout.destroy();
        child.stderr.destroy();
        const killed = timedOut || aborted;
        const bySignal = exitSignal ? 128 + (constants.signals[exitSignal] ?? 0) : null;
        resolve({ exitCode: killed ? null : (code ?? bySignal), durationMs: Math.round(performance.now() - started), timedOut, aborted });
      };
      if (child.stdout.readableEnded && child.stderr.readableEnded) return finish();
      const grace = setTimeout(finish, DRAIN_GRACE_MS);
      let open = 2;
      const onEnd = () => {
        open -= 1;
        if (open === 0) {
          clearTimeout(grace);
          finish();
        }
      };
      for (const stream of [child.stdout, child.stderr]) {
        if (stream.readableEnded) onEnd();
        else stream.once('close', onEnd);
      }
    });
  });
}
