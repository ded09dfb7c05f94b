import { AnthropicError, APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { AbortError, ContextOverflowError, ProviderError, isAbortError, parseRetryAfter } from '@ml-intern/core';

/** Statuses worth another attempt: timeout, lock conflict, rate limit, every 5xx (529 overloaded included). */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Error types a mid-stream `event: error` carries that clear up on their own. */
const RETRYABLE_STREAM_TYPES = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/** `error.details.error_code` values that mean the prompt does not fit (current and announced). */
const OVERFLOW_CODES = new Set(['prompt_too_long', 'context_window_exceeded', 'model_context_window_exceeded']);

/**
 * Anthropic reports a context overflow as a plain 400 `invalid_request_error` whose only distinctive
 * signal is its message ("prompt is too long: N tokens > M maximum"); it has no error code of its
 * own. So, for that one status and type only, the message is matched; a structured
 * `details.error_code` wins when the API sends one. A 413 (request body too large) is an overflow
 * too: compaction is what makes it fit.
 */
function isContextOverflow(error: APIError): boolean {
  if (error.status === 413) return true;
  if (error.errorCode && OVERFLOW_CODES.has(error.errorCode)) return true;
  if (error.status !== 400 || error.type !== 'invalid_request_error') return false;
  return /prompt is too long|input is too long|exceeds? the (?:model's )?context window/i.test(error.apiMessage ?? '');
}

function describe(error: APIError, fallbackType: string): string {
  const detail = error.apiMessage ?? error.message;
  const status = error.status === undefined ? 'stream error' : `HTTP ${error.status}`;
  const request = error.requestID ? ` (request ${error.requestID})` : '';
  return `Anthropic ${status} ${error.type ?? fallbackType}: ${detail}${request}`;
}

/**
 * A mid-stream `event: error` frame (`{"type":"error","error":{"type":"overloaded_error",…}}`):
 * no HTTP status of its own, so its error type decides.
 */
export function fromStreamErrorEvent(data: string, requestId?: string): ProviderError {
  let body: { error?: { type?: unknown; message?: unknown } } | undefined;
  try {
    body = JSON.parse(data) as typeof body;
  } catch {
    body = undefined;
  }
  const errorType = typeof body?.error?.type === 'string' ? body.error.type : 'api_error';
  const detail = typeof body?.error?.message === 'string' ? body.error.message : data;
  const request = requestId ? ` (request ${requestId})` : '';
  return new ProviderError(`Anthropic stream error ${errorType}: ${detail}${request}`, {
    errorType,
    isRetryable: RETRYABLE_STREAM_TYPES.has(errorType),
    ...(requestId ? { requestId } : {}),
  });
}

function fromApiError(error: APIError): ProviderError {
  const base = {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.requestID ? { requestId: error.requestID } : {}),
    cause: error,
  };
  if (error.status === undefined) {
    // A mid-stream `event: error`: no HTTP status of its own, only the error type.
    const errorType = error.type ?? 'api_error';
    return new ProviderError(describe(error, errorType), { ...base, errorType, isRetryable: RETRYABLE_STREAM_TYPES.has(errorType) });
  }
  const errorType = error.type ?? `http_${error.status}`;
  if (isContextOverflow(error)) return new ContextOverflowError(describe(error, errorType), { ...base, errorType });
  const shouldRetry = error.headers?.get('x-should-retry');
  const isRetryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : isRetryableStatus(error.status);
  const delay = parseRetryAfter(error.headers);
  return new ProviderError(describe(error, errorType), {
    ...base,
    errorType,
    isRetryable,
    ...(delay === undefined ? {} : { retryAfterMs: delay }),
  });
}

/** The first `code` (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…) along an error's cause chain. */
function socketErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Where a failure happened: sending the request (until response headers) or reading the stream body. */
export type FailurePhase = 'request' | 'stream';

/**
 * Map anything the SDK or the transport throws to core's error model. Classification uses the
 * HTTP status, the API's error type, the error class and the phase, never the message (see
 * {@link isContextOverflow} for the single documented exception). In the request phase the SDK
 * wraps every transport failure in `APIConnectionError`, so anything else there is a client-side
 * problem (no credentials, bad options); in the stream phase the only other errors are the
 * transport's own (undici's `terminated`, socket resets), which a new attempt can cure.
 */
export function toProviderError(error: unknown, phase: FailurePhase, signal?: AbortSignal, baseURL?: string): Error {
  if (signal?.aborted || isAbortError(error)) return new AbortError();
  if (ProviderError.isInstance(error)) return error;
  if (error instanceof APIConnectionError) {
    const timedOut = error instanceof APIConnectionTimeoutError;
    const errorType = timedOut ? 'timeout' : 'connection_error';
    // The SDK's own message is just "Connection error."; the socket's code says what happened.
    const code = socketErrorCode(error.cause);
    const what = timedOut ? 'the request timed out' : `connection failed${code ? ` (${code})` : `: ${error.message}`}`;
    const where = baseURL ? ` at ${baseURL}` : '';
    return new ProviderError(`Anthropic${where}: ${what}. Check the network${baseURL ? ' and ANTHROPIC_BASE_URL' : ''}.`, { errorType, isRetryable: true, cause: error });
  }
  if (error instanceof APIError) return fromApiError(error);
  const message = error instanceof Error ? error.message : String(error);
  if (phase === 'request' || error instanceof AnthropicError) {
    return new ProviderError(`Anthropic client error: ${message}`, { errorType: 'client_error', isRetryable: false, cause: error });
  }
  if (error instanceof SyntaxError) {
    return new ProviderError(`Anthropic sent an unreadable stream event: ${message}`, { errorType: 'invalid_response', isRetryable: true, cause: error });
  }
  return new ProviderError(`Anthropic connection failed mid-stream: ${message}`, { errorType: 'connection_error', isRetryable: true, cause: error });
}
