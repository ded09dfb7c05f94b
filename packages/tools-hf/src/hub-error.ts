import type { HubApiError } from '@huggingface/hub';
import { HubNetworkError, type HubFailureRecord } from './hub-fetch.js';

/** A non-2xx answer from a Hub or dataset-viewer endpoint called with plain fetch. */
export class HubHttpError extends Error {
  readonly status: number;
  readonly url: string;
  readonly errorCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly serverMessage: string | undefined;

  constructor(options: { status: number; url: string; errorCode?: string; retryAfterSeconds?: number; serverMessage?: string }) {
    super(`HTTP ${options.status} from ${options.url}${options.serverMessage ? `: ${options.serverMessage}` : ''}`);
    this.name = 'HubHttpError';
    this.status = options.status;
    this.url = options.url;
    this.errorCode = options.errorCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.serverMessage = options.serverMessage;
  }
}

/** What a failing call was about, so the message names it and points at the right page. */
export interface FailureSubject {
  /** Shown in messages, e.g. `dataset "org/name"`. */
  label: string;
  /** Page where the user can see the resource or accept its terms. */
  pageUrl?: string;
  /** `repo` ids get "check the repo id" advice; `file` paths get "check the path". */
  kind?: 'repo' | 'file' | 'job' | 'paper' | 'page' | 'other';
}

export interface DescribeContext {
  subject?: FailureSubject | undefined;
  hasToken: boolean;
  hubUrl: string;
  /** Failure headers recorded by the hub fetch, looked up by URL. */
  failureFor?: (url: string) => HubFailureRecord | undefined;
}

/** Extract the server's own message from a Hub error body (`{"error": …}` or `{"message": …}`). */
export function serverMessageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body.trim() ? body.trim().slice(0, 300) : undefined;
  const record = body as Record<string, unknown>;
  const message = record.error ?? record.message ?? record.detail;
  if (typeof message === 'string') return message.slice(0, 300);
  if (message && typeof message === 'object') return JSON.stringify(message).slice(0, 300);
  return undefined;
}

/**
 * An error thrown by an `@huggingface/hub` function for a non-2xx answer. Checked by shape so that
 * recognising one does not load the library.
 */
export function isHubApiError(error: unknown): error is HubApiError {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<HubApiError>;
  return typeof candidate.statusCode === 'number' && typeof candidate.url === 'string';
}

function normalise(error: unknown, context: DescribeContext): HubHttpError | undefined {
  if (error instanceof HubHttpError) return error;
  if (isHubApiError(error)) {
    const recorded = context.failureFor?.(error.url);
    const serverMessage = serverMessageOf(error.data) ?? error.message.replace(/\. URL: .*$/s, '');
    return new HubHttpError({
      status: error.statusCode,
      url: error.url,
      ...(recorded?.errorCode ? { errorCode: recorded.errorCode } : {}),
      ...(recorded?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: recorded.retryAfterSeconds }),
      serverMessage,
    });
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

/**
 * Turn a failure into a message the model can act on: which resource, why, and what to do next.
 * 401/403/404/429 get specific advice; the caller redacts the result.
 */
export function describeHubFailure(error: unknown, context: DescribeContext): string {
  if (error instanceof HubNetworkError) {
    return `${error.message}; check the network connection or the configured URL, then retry.`;
  }
  if (error instanceof TypeError && /access token must start with/i.test(error.message)) {
    return 'the configured HF token is malformed (Hugging Face tokens start with "hf_"); fix HF_TOKEN and retry.';
  }
  const http = normalise(error, context);
  if (!http) return error instanceof Error ? error.message : String(error);
  const subject = context.subject;
  const what = subject?.label ?? `the requested resource (${hostOf(http.url)})`;
  const detail = http.serverMessage ? ` Server said: ${http.serverMessage}` : '';
  const tokenAdvice = context.hasToken
    ? 'the configured HF token does not grant access to it'
    : `no HF token is configured; set HF_TOKEN (create one at ${context.hubUrl}/settings/tokens)`;

  if (http.errorCode === 'GatedRepo') {
    const page = subject?.pageUrl ?? context.hubUrl;
    return context.hasToken
      ? `${what} is gated: accept its terms at ${page} with the account of your HF token, then retry.`
      : `${what} is gated: accept its terms at ${page}, configure HF_TOKEN for that account, then retry.`;
  }
  switch (http.status) {
    case 401:
      if (http.errorCode === 'RepoNotFound') return `not found: ${what}; check the repo id and repo_type (if it is private, ${tokenAdvice}).`;
      return `${what} requires authentication: ${context.hasToken ? 'the configured HF token was rejected (expired, revoked or without the needed scope)' : tokenAdvice}.${detail}`;
    case 402:
      return `payment required for ${what}: the namespace has no credits for this. Add credits at ${context.hubUrl}/settings/billing and retry.${detail}`;
    case 403:
      return `permission denied for ${what}: ${context.hasToken ? 'the HF token lacks the needed permission (writes need a token with write access to this namespace)' : tokenAdvice}.${detail}`;
    case 404:
      if (http.errorCode === 'EntryNotFound') return `file not found in ${what}; check the path and revision (list the files first).`;
      if (http.errorCode === 'RevisionNotFound') return `revision not found in ${what}; check the branch, tag or commit name.`;
      if (subject?.kind === 'repo' || http.errorCode === 'RepoNotFound') {
        return `not found: ${what}; check the repo id ("owner/name") and repo_type (private repos also need a token with access).${detail}`;
      }
      return `not found: ${what}; check the id.${detail}`;
    case 409:
      return `conflict on ${what}: it already exists or was changed concurrently.${detail}`;
    case 429: {
      const wait = http.retryAfterSeconds === undefined ? 'a minute' : `${http.retryAfterSeconds} s`;
      return `rate limited by ${hostOf(http.url)} while accessing ${what}: retry after ${wait}.`;
    }
    default:
      if (http.status >= 500) return `${hostOf(http.url)} had a server error (HTTP ${http.status}) for ${what}; try again later.${detail}`;
      return `${hostOf(http.url)} rejected the request for ${what} (HTTP ${http.status}).${detail}`;
  }
}
