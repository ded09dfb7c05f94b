import { AbortError } from './errors.js';

/**
 * Wait `ms` milliseconds, or until `signal` aborts: then reject with {@link AbortError} (at once
 * when it is already aborted) and clear the timer. The timer keeps the process alive while it runs.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
