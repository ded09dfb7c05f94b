/** How a server that failed to start is tried again. */
export interface StartupRetryOptions {
  /** How many more tries (0: none). */
  attempts: number;
  /** Wait before the first retry in ms (default 2,000); each later wait doubles it. */
  initialDelayMs?: number;
  /** Longest wait between tries in ms (default 60,000). */
  maxDelayMs?: number;
}

/** The waits before each retry: exponential backoff from `initialDelayMs`, capped at `maxDelayMs`. */
export function startupRetryDelays(options: StartupRetryOptions | undefined): number[] {
  if (!options || options.attempts <= 0) return [];
  const initial = options.initialDelayMs ?? 2_000;
  const max = options.maxDelayMs ?? 60_000;
  return Array.from({ length: options.attempts }, (_, index) => Math.min(max, initial * 2 ** index));
}
