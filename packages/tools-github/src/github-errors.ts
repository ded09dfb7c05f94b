import { ToolExecutionError, isAbortError, parseRetryAfter } from '@ml-intern/core';
import type { GraphqlResponseError } from '@octokit/graphql';

type Headers = Record<string, string | number | undefined>;

/** What a failed octokit call carries (`RequestError` from @octokit/request, duck-typed). */
interface HttpFailure {
  status: number;
  message: string;
  response?: { headers?: Headers; data?: unknown };
  cause?: unknown;
}

function isHttpFailure(error: unknown): error is HttpFailure {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

function header(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return value === undefined ? undefined : String(value);
}

function describeWait(resetAtMs: number, now: number): string {
  const minutes = Math.max(0, Math.ceil((resetAtMs - now) / 60_000));
  const relative = minutes <= 1 ? 'in about a minute' : minutes < 120 ? `in ${minutes} minutes` : `in ${Math.round(minutes / 60)} hours`;
  return `${new Date(resetAtMs).toISOString()} (${relative})`;
}

/**
 * The message for a rate-limited response: which limit, and when it resets (from
 * `x-ratelimit-reset`, or `retry-after` for GitHub's secondary limits).
 */
export function describeRateLimit(headers: Headers | undefined, now: number = Date.now()): string {
  const resource = header(headers, 'x-ratelimit-resource');
  const limit = header(headers, 'x-ratelimit-limit');
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  const retryAfterMs = headers === undefined ? undefined : parseRetryAfter(headers, now);
  const which = `GitHub API rate limit exceeded${resource ? ` for the "${resource}" resource` : ''}${limit ? ` (limit ${limit})` : ''}.`;
  if (Number.isFinite(reset) && reset > 0) {
    return `${which} It resets at ${describeWait(reset * 1000, now)}. Wait until then or use another tool meanwhile; an authenticated token has higher limits.`;
  }
  if (retryAfterMs !== undefined && retryAfterMs > 0) {
    return `${which} GitHub asks to retry after ${Math.ceil(retryAfterMs / 1000)} seconds, at ${describeWait(now + retryAfterMs, now)}.`;
  }
  return `${which} Try again later.`;
}

function isRateLimited(failure: HttpFailure): boolean {
  if (failure.status !== 403 && failure.status !== 429) return false;
  const headers = failure.response?.headers;
  return header(headers, 'x-ratelimit-remaining') === '0' || header(headers, 'retry-after') !== undefined || failure.status === 429;
}

function detailOf(failure: HttpFailure): string {
  const data = failure.response?.data as { message?: unknown; errors?: { message?: unknown }[] } | undefined;
  const details = (data?.errors ?? []).map((entry) => entry.message).filter((message) => typeof message === 'string');
  const message = typeof data?.message === 'string' ? data.message : failure.message;
  return details.length > 0 ? `${message}: ${details.join('; ')}` : message;
}

/** A GraphQL answer with `errors` (octokit's GraphqlResponseError, recognised without loading octokit). */
export function isGraphqlResponseError(error: unknown): error is GraphqlResponseError<unknown> {
  return error instanceof Error && error.name === 'GraphqlResponseError' && 'errors' in error;
}

/** True when every error of a GraphQL answer is NOT_FOUND (a missing repository, owner or object). */
export function isOnlyNotFound(error: GraphqlResponseError<unknown>): boolean {
  return (error.errors ?? []).length > 0 && (error.errors ?? []).every((entry) => (entry as { type?: string }).type === 'NOT_FOUND');
}

/**
 * Turn an octokit failure into the error the model sees: rate limits with their reset time, a
 * rejected token, an unreachable API, or GitHub's own message. Abort errors pass through.
 */
export function toGitHubToolError(error: unknown, action: string, apiUrl: string): Error {
  if (isAbortError(error) || ToolExecutionError.isInstance(error)) return error as Error;
  if (isGraphqlResponseError(error)) {
    const errors = (error.errors ?? []) as { type?: string; message?: string }[];
    if (errors.some((entry) => entry.type === 'RATE_LIMITED')) return new ToolExecutionError(describeRateLimit(error.headers as Headers), { cause: error });
    return new ToolExecutionError(`GitHub GraphQL error while ${action}: ${errors.map((entry) => entry.message).join('; ')}`, { cause: error });
  }
  if (isHttpFailure(error)) {
    if (isRateLimited(error)) return new ToolExecutionError(describeRateLimit(error.response?.headers), { cause: error });
    if (error.status === 401) {
      return new ToolExecutionError(`GitHub rejected the token (401 ${detailOf(error)}). Check that GITHUB_TOKEN is a valid, unexpired token.`, { cause: error });
    }
    if (error.status === 500 && !error.response) {
      return new ToolExecutionError(`Could not reach the GitHub API at ${apiUrl} while ${action}: ${error.message}`, { cause: error });
    }
    if (error.status === 422) return new ToolExecutionError(`GitHub rejected the request while ${action}: ${detailOf(error)}`, { cause: error });
    return new ToolExecutionError(`GitHub API error ${error.status} while ${action}: ${detailOf(error)}`, { cause: error });
  }
  return new ToolExecutionError(`GitHub request failed while ${action}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** True for an error produced by `toGitHubToolError` from an HTTP 404. */
export function isNotFoundError(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return ToolExecutionError.isInstance(error) && isHttpFailure(cause) && cause.status === 404;
}
