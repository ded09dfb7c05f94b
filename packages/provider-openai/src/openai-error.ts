import { AbortError, ContextOverflowError, MlInternError, ProviderError, isAbortError, parseRetryAfter } from '@ml-intern/core';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { readContextOverflow } from './context-overflow.js';

/** Who is being called, for error messages. */
export interface EndpointDescription {
  /** Display name: `OpenAI`, `Hugging Face router`, `Ollama`, … */
  label: string;
  baseURL: string;
  /** Extra advice for connection failures (e.g. which variable sets the address). */
  connectionHint?: string;
}

/** Statuses worth retrying: timeouts, conflicts, rate limits and server faults. */
const RETRYABLE_STATUSES = new Set([408, 409, 429]);
/** Error types and codes that mean "try again" when a stream fails midway. */
const RETRYABLE_ERROR_KINDS = new Set(['server_error', 'rate_limit_exceeded', 'overloaded_error', 'service_unavailable']);
/** 429 codes that retrying cannot fix. */
const PERMANENT_RATE_LIMIT_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);
/** Socket-level failure codes (Node and undici) that mean the connection broke. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function apiMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | string | undefined;
  if (typeof body === 'string') return body;
  return typeof body?.message === 'string' ? body.message : error.message;
}

function fromApiError(error: APIError, endpoint: EndpointDescription): ProviderError {
  const status = error.status;
  const code = typeof error.code === 'string' ? error.code : undefined;
  const type = typeof error.type === 'string' ? error.type : undefined;
  const errorType = code ?? type;
  const requestId = error.requestID ?? undefined;
  const where = status === undefined ? 'stream error' : `error ${status}`;
  const message = `${endpoint.label} ${where}${errorType ? ` (${errorType})` : ''}: ${apiMessage(error)}`;
  const options = { status, requestId, errorType, cause: error };
  const overflow = readContextOverflow({ status, code, type, message: apiMessage(error), body: error.error });
  if (overflow) return new ContextOverflowError(message, { ...options, ...overflow });
  let isRetryable: boolean;
  if (status === undefined) {
    isRetryable = RETRYABLE_ERROR_KINDS.has(code ?? '') || RETRYABLE_ERROR_KINDS.has(type ?? '');
  } else if (status === 429) {
    isRetryable = !PERMANENT_RATE_LIMIT_CODES.has(code ?? '') && !PERMANENT_RATE_LIMIT_CODES.has(type ?? '');
  } else {
    isRetryable = RETRYABLE_STATUSES.has(status) || status >= 500;
  }
  return new ProviderError(message, { ...options, isRetryable, retryAfterMs: parseRetryAfter(error.headers) });
}

function connectionFailure(endpoint: EndpointDescription, detail: string, errorType: string, cause: unknown, requestId?: string): ProviderError {
  const hint = endpoint.connectionHint ? ` ${endpoint.connectionHint}` : '';
  return new ProviderError(`${endpoint.label} at ${endpoint.baseURL}: ${detail}.${hint}`, { isRetryable: true, errorType, cause, requestId });
}

/**
 * Translate whatever the openai SDK (or the stream under it) threw into core's error classes.
 * Classification uses the HTTP status, the error's `code`/`type` and socket error codes; the
 * message text only for context overflows, which compatible servers report in words alone (see
 * `readContextOverflow`). `requestId` is the id of a response whose stream then failed.
 */
export function toProviderError(error: unknown, endpoint: EndpointDescription, requestId?: string): Error {
  if (MlInternError.isInstance(error)) return error;
  if (error instanceof APIUserAbortError || isAbortError(error)) return new AbortError();
  if (error instanceof APIConnectionTimeoutError) return connectionFailure(endpoint, 'the request timed out', 'timeout', error);
  if (error instanceof APIConnectionError) {
    const code = errorCodeOf(error.cause);
    return connectionFailure(endpoint, `connection failed${code ? ` (${code})` : ''}`, 'connection_error', error);
  }
  if (error instanceof APIError) return fromApiError(error, endpoint);
  const code = errorCodeOf(error);
  if (code) return connectionFailure(endpoint, `the connection broke during the answer (${code})`, 'connection_error', error, requestId);
  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError(`${endpoint.label} answered with something unreadable: ${detail}`, {
    isRetryable: false,
    errorType: 'invalid_response',
    cause: error,
    requestId,
  });
}

/** The stream sent nothing for too long: treated like a dropped connection. */
export function streamIdleError(endpoint: EndpointDescription, idleMs: number, requestId?: string): ProviderError {
  return new ProviderError(`${endpoint.label} sent nothing for ${Math.round(idleMs / 1000)} s; giving up on this answer`, {
    isRetryable: true,
    errorType: 'timeout',
    requestId,
  });
}

/** The stream ended before the model finished (no finish reason, no completion event). */
export function streamDroppedError(endpoint: EndpointDescription, requestId?: string): ProviderError {
  return new ProviderError(`${endpoint.label} stream ended before the answer was complete`, { isRetryable: true, errorType: 'stream_dropped', requestId });
}
