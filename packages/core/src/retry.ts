import { ProviderError, isAbortError } from './errors.js';
import type { LanguageModel, ModelRequest, ModelStreamPart } from './model.js';
import { sleep } from './sleep.js';

export interface RetryOptions {
  /** Total attempts including the first (default 4). */
  maxAttempts?: number;
  /** First backoff delay in ms (default 1000); doubles each attempt, with jitter. */
  baseDelayMs?: number;
  /** Upper bound for one wait, `retry-after` included (default 60 000). */
  maxDelayMs?: number;
}

export interface RetryNotice {
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  error: ProviderError;
  /** True when output had already streamed and is being discarded. */
  midStream: boolean;
}

function isRetryable(error: unknown): error is ProviderError {
  return ProviderError.isInstance(error) && error.isRetryable;
}

export function backoffDelay(attempt: number, error: ProviderError, options: RetryOptions): number {
  const max = options.maxDelayMs ?? 60_000;
  if (error.retryAfterMs !== undefined) return Math.min(max, Math.max(0, error.retryAfterMs));
  const base = options.baseDelayMs ?? 1_000;
  const exponential = base * 2 ** (attempt - 1);
  const jitter = exponential * 0.25 * Math.random();
  return Math.min(max, exponential + jitter);
}

/**
 * Stream a model call, retrying retryable provider errors (classified by the provider by status and
 * error type). A call that fails after output started is retried from the start: a `reset` part
 * tells the consumer to discard what it received.
 */
export async function* streamWithRetry(
  model: LanguageModel,
  request: ModelRequest,
  options: RetryOptions & { signal?: AbortSignal; onRetry?: (notice: RetryNotice) => void } = {},
): AsyncGenerator<ModelStreamPart> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  for (let attempt = 1; ; attempt += 1) {
    let streamed = false;
    try {
      for await (const part of model.stream(request, { signal: options.signal })) {
        streamed = true;
        yield part;
      }
      return;
    } catch (error) {
      if (options.signal?.aborted || isAbortError(error)) throw error;
      if (!isRetryable(error) || attempt >= maxAttempts) throw error;
      const delayMs = backoffDelay(attempt, error, options);
      options.onRetry?.({ attempt: attempt + 1, maxAttempts, delayMs, error, midStream: streamed });
      if (streamed) yield { type: 'reset', reason: error.message };
      await sleep(delayMs, options.signal);
    }
  }
}
