import { ToolExecutionError } from '@ml-intern/core';

/**
 * Settle with `run()`, or reject as soon as `signal` aborts. The file tools wrap their sandbox
 * calls in it: a call the sandbox never answers (a host stopped or wedged) must not keep a turn,
 * Ctrl-C or SIGTERM waiting. What the sandbox was doing is ended when the sandbox closes.
 */
export function untilAborted<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  if (!signal) return run();
  if (signal.aborted) return Promise.reject(new ToolExecutionError('interrupted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ToolExecutionError('interrupted before the sandbox answered'));
    signal.addEventListener('abort', onAbort, { once: true });
    run().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
