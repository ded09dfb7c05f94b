import { isAbortError } from '@ml-intern/core';

/**
 * A request whose failure is reported next to the others rather than failing the whole call
 * (several Hub requests in parallel); an abort still propagates.
 */
export function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => {
      if (isAbortError(error)) throw error;
      return { error };
    },
  );
}
