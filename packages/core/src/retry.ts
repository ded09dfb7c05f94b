import { ProviderError, isAbortError } from './errors.js';
import type { LanguageModel, ModelRequest, ModelStreamPart } from './model.js';
import { sleep } from './sleep.js';

/** Silence allowed between two parts of a model stream by default (config `model_idle_timeout_s`). */
export const DEFAULT_MODEL_IDLE_TIMEOUT_MS = 180_000;
/** Retries of one call stop once this long has passed since it started (at least twice the idle timeout). */
export const DEFAULT_MODEL_CALL_DEADLINE_MS = 600_000;

export interface RetryOptions {
  /** Total attempts including the first (default 4). */
  maxAttempts?: number;
  /** First backoff delay in ms (default 1000); doubles each attempt, with jitter. */
  baseDelayMs?: number;
  /** Upper bound for one wait, `retry-after` included (default 60 000). */
  maxDelayMs?: number;
  /**
   * Give up on an attempt (retryably) when the model sends nothing for this long: no text,
   * reasoning, tool-call or usage part, from the request on (default
   * {@link DEFAULT_MODEL_IDLE_TIMEOUT_MS}; 0 turns it off). An answer that keeps streaming,
   * reasoning included, is waited on as long as it keeps coming.
   */
  idleTimeoutMs?: number;
  /**
   * All attempts of one call together: past this many ms since the call began, no retry starts,
   * backoff waits are cut short and an attempt that has sent nothing yet is given up (default
   * the larger of {@link DEFAULT_MODEL_CALL_DEADLINE_MS} and twice `idleTimeoutMs`; 0 turns it
   * off). An answer that is streaming is never cut by it.
   */
  deadlineMs?: number;
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

/** The idle timeout and the deadline of one call, with their defaults applied (0 = off → Infinity). */
export function callLimits(options: RetryOptions): { idleMs: number; deadlineMs: number } {
  const idle = options.idleTimeoutMs ?? DEFAULT_MODEL_IDLE_TIMEOUT_MS;
  const idleMs = idle > 0 ? idle : Number.POSITIVE_INFINITY;
  const deadline = options.deadlineMs ?? Math.max(DEFAULT_MODEL_CALL_DEADLINE_MS, Number.isFinite(idleMs) ? 2 * idleMs : 0);
  return { idleMs, deadlineMs: deadline > 0 ? deadline : Number.POSITIVE_INFINITY };
}

function seconds(ms: number): string {
  return `${ms < 10_000 ? Number((ms / 1000).toFixed(1)) : Math.round(ms / 1000)} s`;
}

function idleError(model: LanguageModel, waitedMs: number, started: boolean): ProviderError {
  return new ProviderError(`${model.id} sent nothing for ${seconds(waitedMs)}${started ? ' in the middle of its answer' : ''}; giving up on this attempt`, {
    errorType: 'timeout',
    isRetryable: true,
  });
}

/** The next part of `iterator`, or an idle error after `waitMs`; the attempt is aborted on timeout. */
async function nextWithin(
  iterator: AsyncIterator<ModelStreamPart>,
  waitMs: number,
  onTimeout: () => Error,
): Promise<IteratorResult<ModelStreamPart>> {
  const next = iterator.next();
  if (!Number.isFinite(waitMs)) return next;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, waitMs));
  });
  try {
    return await Promise.race([next, timeout]);
  } catch (error) {
    // The abandoned read settles later (usually with an abort error); nobody waits for it.
    next.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stream a model call, retrying retryable provider errors (classified by the provider by status and
 * error type). A call that fails after output started is retried from the start: a `reset` part
 * tells the consumer to discard what it received. An attempt that stays silent for the idle
 * timeout is given up and retried; all attempts together are bounded by the call's deadline.
 */
export async function* streamWithRetry(
  model: LanguageModel,
  request: ModelRequest,
  options: RetryOptions & { signal?: AbortSignal; onRetry?: (notice: RetryNotice) => void } = {},
): AsyncGenerator<ModelStreamPart> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const { idleMs, deadlineMs } = callLimits(options);
  const deadline = performance.now() + deadlineMs;
  for (let attempt = 1; ; attempt += 1) {
    let streamed = false;
    // One controller per attempt: a given-up attempt is cancelled without touching the caller's signal.
    const controller = new AbortController();
    const forward = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    else options.signal?.addEventListener('abort', forward, { once: true });
    let iterator: AsyncIterator<ModelStreamPart> | undefined;
    let finished = false;
    /** A read was given up on and is still pending: closing the stream must not wait for it. */
    let abandoned = false;
    try {
      iterator = model.stream(request, { signal: controller.signal })[Symbol.asyncIterator]();
      for (;;) {
        // Before the first part, the deadline also bounds the wait; a streaming answer only the idle timeout.
        const waitMs = streamed ? idleMs : Math.min(idleMs, deadline - performance.now());
        const waited = Math.min(idleMs, Math.max(0, waitMs));
        const result = await nextWithin(iterator, waitMs, () => {
          abandoned = true;
          controller.abort(new Error('idle timeout'));
          return idleError(model, waited, streamed);
        });
        if (result.done) break;
        streamed = true;
        yield result.value;
      }
      finished = true;
      return;
    } catch (error) {
      finished = true;
      if (options.signal?.aborted || isAbortError(error)) throw error;
      if (!isRetryable(error) || attempt >= maxAttempts) throw error;
      const left = deadline - performance.now();
      const delayMs = backoffDelay(attempt, error, options);
      if (left <= 0 || delayMs >= left) {
        throw new ProviderError(`${error.message} (no more retries: this call has already taken ${seconds(deadlineMs - Math.max(0, left))}, the limit for all its attempts)`, {
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
          ...(error.errorType === undefined ? {} : { errorType: error.errorType }),
          isRetryable: false,
          cause: error,
        });
      }
      options.onRetry?.({ attempt: attempt + 1, maxAttempts, delayMs, error, midStream: streamed });
      if (streamed) yield { type: 'reset', reason: error.message };
      await sleep(delayMs, options.signal);
    } finally {
      options.signal?.removeEventListener('abort', forward);
      // The consumer stopped early (or an attempt was given up): close the provider's stream so it
      // cancels its request. A given-up read may never settle by itself, so that close is not awaited.
      if (iterator?.return && (!finished || abandoned)) {
        const closing = Promise.resolve(iterator.return(undefined)).catch(() => undefined);
        if (!abandoned) await closing;
      }
    }
  }
}
