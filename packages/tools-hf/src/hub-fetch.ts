import { AbortError, httpFetch, parseRetryAfter, proxyForUrl, sleep } from '@ml-intern/core';

/** Details of a failed response that the Hub library's errors do not keep (headers). */
export interface HubFailureRecord {
  url: string;
  status: number;
  /** `X-Error-Code` (`GatedRepo`, `RepoNotFound`, `EntryNotFound`, …). */
  errorCode?: string;
  /** From `Retry-After` (seconds or HTTP date). */
  retryAfterSeconds?: number;
}

/** A request that never got a response (after retries). */
export class HubNetworkError extends Error {
  readonly host: string;
  readonly code: string | undefined;
  readonly attempts: number;
  constructor(host: string, code: string | undefined, attempts: number, cause: unknown) {
    super(`could not reach ${host}${code ? ` (${code})` : ''} after ${attempts} attempt${attempts === 1 ? '' : 's'}`, { cause });
    this.name = 'HubNetworkError';
    this.host = host;
    this.code = code;
    this.attempts = attempts;
  }
}

export interface HubFetchOptions {
  fetch: typeof fetch;
  /** The HF token; an `Authorization` header carrying it is stripped for any origin not in `tokenOrigins`. */
  token?: string | undefined;
  /** Origins allowed to receive the HF token. */
  tokenOrigins: ReadonlySet<string>;
  signal?: AbortSignal;
  attempts: number;
  baseDelayMs: number;
  onFailure?: (failure: HubFailureRecord) => void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
const RETRY_STATUS = new Set([502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const MAX_REDIRECTS = 5;

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || errorCode(error) !== undefined;
}

/** A response's `Retry-After` (delay-seconds or an HTTP date) in whole seconds, as the Hub's error messages show it. */
export function readRetryAfterSeconds(headers: Headers): number | undefined {
  const milliseconds = parseRetryAfter(headers.get('retry-after'));
  return milliseconds === undefined ? undefined : Math.ceil(milliseconds / 1000);
}

function combineSignals(first: AbortSignal | null | undefined, second: AbortSignal | undefined): AbortSignal | undefined {
  if (first && second) return AbortSignal.any([first, second]);
  return first ?? second;
}

function requestUrl(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

/**
 * A fetch for the Hub: strips the HF token from requests to any other origin (redirects are followed
 * by hand so every hop is checked; without a configured token every `Authorization` header is stripped), retries connection failures and 502/503/504 with a small
 * bounded backoff, honours the tool call's abort signal, and records failure headers.
 */
export function createHubFetch(options: HubFetchOptions): typeof fetch {
  const carriesToken = (value: string | null) => value !== null && (options.token === undefined || value.includes(options.token));
  const hubFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const signal = combineSignals(init.signal, options.signal);
    const baseHeaders = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    let url = new URL(requestUrl(input));
    let method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let body = init.body;
    for (let hop = 0; ; hop += 1) {
      const headers = new Headers(baseHeaders);
      // Other credentials (e.g. the short-lived Xet tokens the Hub library sends to its storage) pass.
      if (!options.tokenOrigins.has(url.origin) && carriesToken(headers.get('authorization'))) headers.delete('authorization');
      const response = await sendWithRetry(url, { ...init, method, body, headers, signal, redirect: 'manual' }, signal);
      const location = response.headers.get('location');
      if (!REDIRECT_STATUS.has(response.status) || !location || hop >= MAX_REDIRECTS) {
        if (!response.ok && !REDIRECT_STATUS.has(response.status)) {
          const retryAfter = readRetryAfterSeconds(response.headers);
          options.onFailure?.({
            url: url.href,
            status: response.status,
            ...(response.headers.get('x-error-code') ? { errorCode: response.headers.get('x-error-code') as string } : {}),
            ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
          });
        }
        return response;
      }
      await response.body?.cancel().catch(() => {});
      url = new URL(location, url);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        baseHeaders.delete('content-type');
      }
    }
  };

  async function sendWithRetry(url: URL, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const idempotent = IDEMPOTENT.has(init.method ?? 'GET');
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await transportFor(url)(url, init);
      } catch (error) {
        if (signal?.aborted) throw new AbortError();
        const code = errorCode(error);
        const retryable = isNetworkError(error) && (idempotent || (code !== undefined && CONNECT_CODES.has(code)));
        if (!retryable) throw error;
        if (attempt >= options.attempts) throw new HubNetworkError(url.host, code, attempt, error);
        await sleep(backoff(attempt), signal);
        continue;
      }
      if (idempotent && RETRY_STATUS.has(response.status) && attempt < options.attempts) {
        await response.body?.cancel().catch(() => {});
        await sleep(backoff(attempt), signal);
        continue;
      }
      return response;
    }
  }

  /**
   * Node 20's own fetch ignores HTTPS_PROXY/HTTP_PROXY: behind a proxy the default transport is
   * core's httpFetch, which honours them (it reads upload bodies into memory, so very large uploads
   * through a proxy cost their size in memory). A fetch the caller chose is always used as is.
   */
  function transportFor(url: URL): typeof fetch {
    return options.fetch === globalThis.fetch && proxyForUrl(url) ? httpFetch : options.fetch;
  }

  function backoff(attempt: number): number {
    const exponential = options.baseDelayMs * 2 ** (attempt - 1);
    return exponential + exponential * 0.25 * Math.random();
  }

  return hubFetch as typeof fetch;
}
