import { httpFetch } from '@ml-intern/core';
import { isGraphqlResponseError, isOnlyNotFound, toGitHubToolError } from './github-errors.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** Options shared by every GitHub tool. Tools never read the environment; the apps pass these in. */
export interface GitHubToolsOptions {
  /** Personal access token (the apps pass `GITHUB_TOKEN`). Without it the tools explain how to set one. */
  token?: string;
  /**
   * REST API root (the apps pass `GITHUB_API_URL`; default https://api.github.com). GraphQL is
   * `<apiUrl>/graphql`, or `<host>/api/graphql` for a GitHub Enterprise Server `…/api/v3` URL.
   */
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
  userAgent?: string;
  /** Wall-clock limit of one tool call in ms (default 60 s). */
  timeoutMs?: number;
}

/** A thin wrapper over octokit that every GitHub tool shares. */
export interface GitHubClient {
  readonly hasToken: boolean;
  readonly apiUrl: string;
  /**
   * Run a GraphQL query. An answer whose only errors are NOT_FOUND resolves with its partial data
   * (the missing node is null); every other failure becomes a model-readable ToolExecutionError.
   */
  graphql<Data>(query: string, variables: Record<string, unknown>, signal: AbortSignal, action: string): Promise<Data>;
  /** Call a REST route (`GET /search/code`); failures as for `graphql`, with the HTTP status kept on `cause`. */
  rest<Data>(route: string, parameters: Record<string, unknown>, signal: AbortSignal, action: string): Promise<{ data: Data; headers: Record<string, unknown> }>;
}

export const GITHUB_API_VERSION = '2022-11-28';

interface Octokit {
  request: typeof import('@octokit/request').request;
  graphql: typeof import('@octokit/graphql').graphql;
}

export function createGitHubClient(options: GitHubToolsOptions = {}): GitHubClient {
  const apiUrl = (options.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  const headers: Record<string, string> = {
    'user-agent': options.userAgent ?? 'ml-intern-tools-github/0.1',
    'x-github-api-version': GITHUB_API_VERSION,
  };
  if (options.token) headers.authorization = `bearer ${options.token}`;
  // octokit loads on the first call: most sessions never call a GitHub tool.
  let clients: Promise<Octokit> | undefined;
  const octokit = () =>
    (clients ??= Promise.all([import('@octokit/request'), import('@octokit/graphql')]).then(([{ request: octokitRequest }, { withCustomRequest }]) => {
      const request = octokitRequest.defaults({
        baseUrl: apiUrl,
        headers,
        // core's httpFetch honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY (Node 20's own fetch does not).
        request: { fetch: options.fetch ?? httpFetch },
      });
      return { request, graphql: withCustomRequest(request) };
    }));
  return {
    hasToken: Boolean(options.token),
    apiUrl,
    async graphql<Data>(query: string, variables: Record<string, unknown>, signal: AbortSignal, action: string): Promise<Data> {
      try {
        const { graphql } = await octokit();
        return (await graphql<Data>(query, { ...variables, request: { signal } })) as Data;
      } catch (error) {
        if (isGraphqlResponseError(error) && isOnlyNotFound(error) && error.data) return error.data as Data;
        throw toGitHubToolError(error, action, apiUrl);
      }
    },
    async rest<Data>(route: string, parameters: Record<string, unknown>, signal: AbortSignal, action: string) {
      try {
        const { request } = await octokit();
        const response = await request(route, { ...parameters, request: { signal } });
        return { data: response.data as Data, headers: response.headers as Record<string, unknown> };
      } catch (error) {
        throw toGitHubToolError(error, action, apiUrl);
      }
    },
  };
}

/** The result a GitHub tool gives when no token is configured. */
export function missingTokenResult(toolName: string): { output: string; isError: true } {
  return {
    output:
      `${toolName} needs a GitHub token and none is configured. ` +
      'Set the GITHUB_TOKEN environment variable (or pass `token` to githubTools()) to a personal access token ' +
      'from https://github.com/settings/tokens — a fine-grained token with read-only access to public repositories is enough — and start a new session. ' +
      'For GitHub Enterprise Server also set GITHUB_API_URL (e.g. https://github.example.com/api/v3).',
    isError: true,
  };
}
