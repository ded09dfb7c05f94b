import { ToolExecutionError, isAbortError } from '@ml-intern/core';
import type { HfConfig } from './hf-config.js';
import { describeHubFailure, HubHttpError, serverMessageOf, type FailureSubject } from './hub-error.js';
import { createHubFetch, readRetryAfterSeconds, type HubFailureRecord } from './hub-fetch.js';

/** Parameters spread into every `@huggingface/hub` call. */
export interface HubLibraryParams {
  hubUrl: string;
  fetch: typeof fetch;
  accessToken: string;
}

/** Everything one tool execution needs to talk to the Hub safely. */
export interface HubCall {
  readonly config: HfConfig;
  /** The guarded, retrying fetch bound to this call's abort signal. */
  readonly fetch: typeof fetch;
  readonly hasToken: boolean;
  /** For `@huggingface/hub` functions. Without a token `accessToken` is absent at runtime. */
  readonly library: HubLibraryParams;
  /** GET (or `init`) a URL and parse JSON; non-2xx throws {@link HubHttpError}. */
  json<T>(url: string, init?: RequestInit): Promise<T>;
  /** Like {@link json} but returns the successful response itself. */
  send(url: string, init?: RequestInit): Promise<Response>;
  /** Remove the token (and anything token-shaped) from text shown to the model or the user. */
  redact(text: string): string;
  /** A model-visible error for a failure; aborts pass through untouched. */
  toToolError(error: unknown, subject?: FailureSubject): unknown;
  /** The (redacted) message {@link toToolError} would use. */
  describe(error: unknown, subject?: FailureSubject): string;
}

const TOKEN_SHAPE = /hf_[A-Za-z0-9]{20,}/g;

/** Create the per-execution Hub helper: token only to allowed origins, retries, abort, error mapping. */
export function createHubCall(config: HfConfig, signal?: AbortSignal): HubCall {
  const failures = new Map<string, HubFailureRecord>();
  let lastFailure: HubFailureRecord | undefined;
  const guardedFetch = createHubFetch({
    fetch: config.fetch,
    token: config.token,
    tokenOrigins: config.tokenOrigins,
    ...(signal ? { signal } : {}),
    attempts: config.retry.attempts,
    baseDelayMs: config.retry.baseDelayMs,
    onFailure(failure) {
      failures.set(failure.url, failure);
      lastFailure = failure;
    },
  });
  const token = config.token;
  const redact = (text: string): string => {
    let result = token ? text.split(token).join('hf_***') : text;
    result = result.replace(TOKEN_SHAPE, 'hf_***');
    return result;
  };

  async function send(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    const response = await guardedFetch(url, { ...init, headers });
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let body: unknown = (response.headers.get('content-type') ?? '').startsWith('text/plain') ? text : undefined;
    try {
      body = JSON.parse(text);
    } catch {
      // HTML error pages say nothing useful to the model
    }
    const serverMessage = serverMessageOf(body);
    const errorCode = response.headers.get('x-error-code') ?? undefined;
    const retryAfterSeconds = readRetryAfterSeconds(response.headers);
    throw new HubHttpError({
      status: response.status,
      url: response.url || url,
      ...(errorCode ? { errorCode } : {}),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      ...(serverMessage ? { serverMessage: redact(serverMessage) } : {}),
    });
  }

  return {
    config,
    fetch: guardedFetch,
    hasToken: token !== undefined,
    library: { hubUrl: config.hubUrl, fetch: guardedFetch, ...(token ? { accessToken: token } : {}) } as HubLibraryParams,
    send,
    async json<T>(url: string, init?: RequestInit): Promise<T> {
      const response = await send(url, init);
      return (await response.json()) as T;
    },
    redact,
    describe(error: unknown, subject?: FailureSubject): string {
      if (ToolExecutionError.isInstance(error)) return redact(error.message);
      return redact(
        describeHubFailure(error, {
          subject,
          hasToken: token !== undefined,
          hubUrl: config.hubUrl,
          failureFor: (url) => failures.get(url) ?? lastFailure,
        }),
      );
    },
    toToolError(error: unknown, subject?: FailureSubject): unknown {
      if (isAbortError(error) || signal?.aborted) return error;
      return new ToolExecutionError(this.describe(error, subject));
    },
  };
}
