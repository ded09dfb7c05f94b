import type http from 'node:http';
import { answerGraphql } from './fake-github-graphql.js';
import {
  type FakeGitHubRepository,
  type StoredRepository,
  directoryEntries,
  fullName,
  languageOfPath,
  parseSearchQuery,
  resolvesRef,
  storeRepository,
} from './fake-github-repositories.js';
import { type HttpFake, type RecordedRequest, sendJson, startHttpFake } from './http-fake.js';

export type { FakeGitHubRepository } from './fake-github-repositories.js';

export interface FakeGitHubOptions {
  repositories?: FakeGitHubRepository[];
  /** The only token accepted; another one gets 401 "Bad credentials". Default: any token. */
  token?: string;
  /** Base of the `url`/`html_url` fields (default https://github.com). */
  htmlUrl?: string;
  /** GraphQL `Blob.text` is cut after this many bytes and `isTruncated` set (default 512 KiB). */
  blobTextLimit?: number;
  /** Answer recursive tree requests with `truncated: true`, like GitHub for huge repositories. */
  truncateTrees?: boolean;
}

/** How the fake answers while rate-limited. */
export interface FakeGitHubRateLimit {
  /** When the limit resets (Unix seconds or a Date). */
  resetAt: number | Date;
  /** HTTP status for REST (and GraphQL with `graphqlStyle: 'http'`): 403 (default) or 429. */
  status?: 403 | 429;
  /** GraphQL: `errors` answers 200 with a RATE_LIMITED error (default), `http` answers the status. */
  graphqlStyle?: 'errors' | 'http';
}

/**
 * A GitHub API fake: GraphQL at `/graphql` (top-level fields `repository` with `object(expression:)`,
 * `repositoryOwner` with `repositories`, `search` of repositories, `rateLimit`, `viewer`; every
 * document is validated against GitHub's schema for those types first, and rejected with
 * GitHub's errors: a misspelt field fails as it would on GitHub) and REST
 * `git/trees`, `contents`, `repos/{owner}/{repo}` and `search/code`. GitHub Enterprise paths
 * (`/api/v3/…`, `/api/graphql`) work too.
 */
export interface FakeGitHub extends HttpFake {
  /** `<url>/api/v3`, the GitHub Enterprise Server form of the API URL. */
  readonly enterpriseApiUrl: string;
  /** Rate-limit every API request from now on (undefined lifts it). */
  setRateLimit(rateLimit: FakeGitHubRateLimit | undefined): void;
  /** GraphQL documents received, in order. */
  graphqlQueries(): string[];
}

const DOCS = 'https://docs.github.com/rest';

type AuthState = 'none' | 'valid' | 'invalid';

function authState(raw: http.IncomingMessage, token: string | undefined): AuthState {
  const header = raw.headers.authorization;
  if (!header) return 'none';
  const value = header.replace(/^(bearer|token)\s+/i, '');
  return token === undefined || value === token ? 'valid' : 'invalid';
}

function rateHeaders(resetAt: number, remaining: number, resource: string): Record<string, string> {
  return {
    'x-ratelimit-limit': resource === 'search' || resource === 'code_search' ? '10' : '5000',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(resetAt),
    'x-ratelimit-resource': resource,
    'x-github-request-id': 'FAKE:0001',
  };
}

function resourceOf(path: string): string {
  if (path === '/graphql') return 'graphql';
  if (path === '/search/code') return 'code_search';
  if (path.startsWith('/search/')) return 'search';
  return 'core';
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const repositories: StoredRepository[] = (options.repositories ?? []).map(storeRepository);
  const htmlUrl = options.htmlUrl ?? 'https://github.com';
  let rateLimit: FakeGitHubRateLimit | undefined;
  let baseUrl = '';

  const findRepository = (owner: string, name: string, auth: AuthState) =>
    repositories.find((repository) => fullName(repository).toLowerCase() === `${owner}/${name}`.toLowerCase() && (!repository.isPrivate || auth === 'valid'));

  const notFound = (response: http.ServerResponse, headers: Record<string, string>) =>
    sendJson(response, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, headers);

  function restRepository(repository: StoredRepository): Record<string, unknown> {
    return {
      full_name: fullName(repository),
      name: repository.name,
      owner: { login: repository.owner },
      html_url: `${htmlUrl}/${fullName(repository)}`,
      description: repository.description ?? null,
      stargazers_count: repository.stars,
      forks_count: repository.forks,
      language: repository.language ?? null,
      default_branch: repository.defaultBranch,
      private: repository.isPrivate,
      fork: repository.isFork,
      archived: repository.isArchived,
    };
  }

  function contentsEntry(repository: StoredRepository, path: string, type: 'file' | 'dir'): Record<string, unknown> {
    const file = repository.files.get(path);
    const links = `${fullName(repository)}/${type === 'dir' ? 'tree' : 'blob'}/${repository.defaultBranch}/${path}`;
    return {
      type,
      name: path.split('/').pop(),
      path,
      sha: file?.sha ?? '0'.repeat(40),
      size: file?.bytes.length ?? 0,
      url: `${baseUrl}/repos/${fullName(repository)}/contents/${path}`,
      html_url: `${htmlUrl}/${links}`,
      download_url: file ? `${baseUrl}/raw/${fullName(repository)}/${repository.defaultBranch}/${path}` : null,
    };
  }

  function handleRest(request: RecordedRequest, response: http.ServerResponse, path: string, auth: AuthState, headers: Record<string, string>): void {
    const query = new URL(request.url, 'http://fake').searchParams;
    const accept = request.headers.accept ?? '';
    const repoRoute = /^\/repos\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (repoRoute) {
      const repository = findRepository(decodeURIComponent(repoRoute[1]!), decodeURIComponent(repoRoute[2]!), auth);
      if (!repository) return notFound(response, headers);
      const rest = repoRoute[3] ?? '';
      if (rest === '') return sendJson(response, 200, restRepository(repository), headers);
      const tree = /^git\/trees\/(.+)$/.exec(rest);
      if (tree) {
        const ref = decodeURIComponent(tree[1]!);
        if (repository.files.size === 0) return sendJson(response, 409, { message: 'Git Repository is empty.', documentation_url: DOCS, status: '409' }, headers);
        if (!resolvesRef(repository, ref)) return notFound(response, headers);
        const recursive = query.has('recursive');
        const entries = [
          ...[...repository.directories].filter((directory) => directory !== '').map((directory) => ({ path: directory, mode: '040000', type: 'tree', sha: '0'.repeat(40) })),
          ...[...repository.files.values()].map((file) => ({ path: file.path, mode: '100644', type: 'blob', sha: file.sha, size: file.bytes.length })),
        ]
          .filter((entry) => recursive || !entry.path.includes('/'))
          .sort((left, right) => left.path.localeCompare(right.path));
        return sendJson(response, 200, { sha: '1'.repeat(40), url: `${baseUrl}${request.path}`, tree: entries, truncated: options.truncateTrees === true }, headers);
      }
      const contents = /^contents(?:\/(.*))?$/.exec(rest);
      if (contents) {
        const filePath = decodeURIComponent(contents[1] ?? '').replace(/\/+$/, '');
        if (!resolvesRef(repository, query.get('ref') ?? repository.defaultBranch)) return notFound(response, headers);
        const file = repository.files.get(filePath);
        if (file && accept.includes('raw')) {
          response.writeHead(200, { ...headers, 'content-type': file.isBinary ? 'application/octet-stream' : 'application/vnd.github.raw; charset=utf-8' });
          response.end(file.bytes);
          return;
        }
        if (file) {
          const tooLarge = file.bytes.length > 1_000_000;
          return sendJson(response, 200, { ...contentsEntry(repository, filePath, 'file'), encoding: tooLarge ? 'none' : 'base64', content: tooLarge ? '' : file.bytes.toString('base64') }, headers);
        }
        if (repository.directories.has(filePath)) {
          return sendJson(response, 200, directoryEntries(repository, filePath).map((entry) => contentsEntry(repository, entry.path, entry.type === 'tree' ? 'dir' : 'file')), headers);
        }
        return notFound(response, headers);
      }
      return notFound(response, headers);
    }
    if (path === '/search/code') {
      if (auth !== 'valid') return sendJson(response, 401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' }, headers);
      return sendJson(response, 200, searchCode(query, accept.includes('text-match')), headers);
    }
    return notFound(response, headers);
  }

  function searchCode(query: URLSearchParams, withTextMatches: boolean): Record<string, unknown> {
    const { terms, qualifiers } = parseSearchQuery(query.get('q') ?? '');
    const repos = (qualifiers.get('repo') ?? []).map((value) => value.toLowerCase());
    const owners = [...(qualifiers.get('org') ?? []), ...(qualifiers.get('user') ?? [])].map((value) => value.toLowerCase());
    const languages = (qualifiers.get('language') ?? []).map((value) => value.toLowerCase());
    const paths = qualifiers.get('path') ?? [];
    const extensions = qualifiers.get('extension') ?? [];
    const items: Record<string, unknown>[] = [];
    for (const repository of repositories) {
      if (repository.isPrivate) continue;
      if (repos.length > 0 && !repos.includes(fullName(repository).toLowerCase())) continue;
      if (owners.length > 0 && !owners.includes(repository.owner.toLowerCase())) continue;
      for (const file of repository.files.values()) {
        if (file.isBinary) continue;
        if (languages.length > 0 && !languages.includes((languageOfPath(file.path) ?? '').toLowerCase())) continue;
        if (paths.length > 0 && !paths.some((prefix) => file.path.startsWith(prefix.replace(/^\//, '')))) continue;
        if (extensions.length > 0 && !extensions.some((extension) => file.path.endsWith(`.${extension}`))) continue;
        const text = file.bytes.toString('utf8');
        const lower = text.toLowerCase();
        if (terms.length === 0 || !terms.every((term) => lower.includes(term.toLowerCase()))) continue;
        const first = lower.indexOf(terms[0]!.toLowerCase());
        const fragmentStart = Math.max(0, text.lastIndexOf('\n', Math.max(0, first - 60)) + 1);
        const fragment = text.slice(fragmentStart, Math.min(text.length, first + 120));
        items.push({
          name: file.path.split('/').pop(),
          path: file.path,
          sha: file.sha,
          url: `${baseUrl}/repositories/1/contents/${file.path}`,
          html_url: `${htmlUrl}/${fullName(repository)}/blob/${repository.defaultBranch}/${file.path}`,
          repository: restRepository(repository),
          score: 1,
          ...(withTextMatches
            ? { text_matches: [{ object_type: 'FileContent', property: 'content', fragment, matches: [{ text: terms[0], indices: [first - fragmentStart, first - fragmentStart + terms[0]!.length] }] }] }
            : {}),
        });
      }
    }
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
    const page = Math.max(1, Number(query.get('page') ?? 1));
    return { total_count: items.length, incomplete_results: false, items: items.slice((page - 1) * perPage, page * perPage) };
  }

  const fake = await startHttpFake((request, response, raw) => {
    const path = request.path.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api\/graphql$/, '/graphql');
    const auth = authState(raw, options.token);
    const resource = resourceOf(path);
    const now = Math.floor(Date.now() / 1000);
    if (auth === 'invalid') return sendJson(response, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    if (rateLimit) {
      const resetAt = rateLimit.resetAt instanceof Date ? Math.floor(rateLimit.resetAt.getTime() / 1000) : rateLimit.resetAt;
      const headers = rateHeaders(resetAt, 0, resource);
      if (resource === 'graphql' && (rateLimit.graphqlStyle ?? 'errors') === 'errors') {
        return sendJson(response, 200, { errors: [{ type: 'RATE_LIMITED', code: 'graphql_rate_limit', message: 'API rate limit already exceeded for user ID 1.' }] }, headers);
      }
      return sendJson(response, rateLimit.status ?? 403, { message: 'API rate limit exceeded for user ID 1.', documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: String(rateLimit.status ?? 403) }, headers);
    }
    const headers = rateHeaders(now + 3600, 4999, resource);
    if (path === '/graphql') {
      if (request.method !== 'POST') return notFound(response, headers);
      if (auth !== 'valid') {
        return sendJson(response, 401, { message: 'This endpoint requires you to be authenticated.', documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql' }, headers);
      }
      const body = (request.json ?? {}) as { query?: unknown; variables?: Record<string, unknown> | null };
      if (typeof body.query !== 'string') return sendJson(response, 200, { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }, headers);
      const answer = answerGraphql(body.query, body.variables ?? {}, { repositories, authenticated: true, htmlUrl, blobTextLimit: options.blobTextLimit ?? 512 * 1024, resetAt: now + 3600 });
      return sendJson(response, 200, answer.errors.length > 0 ? answer : { data: answer.data }, headers);
    }
    if (request.method !== 'GET') return notFound(response, headers);
    handleRest(request, response, path, auth, headers);
  });
  baseUrl = fake.url;

  return Object.assign(fake, {
    enterpriseApiUrl: `${fake.url}/api/v3`,
    setRateLimit(next: FakeGitHubRateLimit | undefined) {
      rateLimit = next;
    },
    graphqlQueries() {
      return fake.requests.filter((request) => request.path.endsWith('/graphql')).map((request) => String((request.json as { query?: unknown } | undefined)?.query ?? ''));
    },
  });
}
