import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { RecordedRequest } from './http-fake.js';
import { sendJson } from './http-fake.js';

export type FakeRepoType = 'model' | 'dataset' | 'space';

/** Route pattern pieces shared by the fake Hub's repository routes: the plural type and `owner/name`, each one capture group. */
export const REPO_TYPE_PATTERN = '(models|datasets|spaces)';
export const REPO_ID_PATTERN = '([^/]+/[^/]+)';

/** A repository to seed the fake Hub with; `files` maps paths to text content. */
export interface FakeRepoSeed {
  type: FakeRepoType;
  id: string;
  private?: boolean;
  gated?: false | 'auto' | 'manual';
  /** For gated repos: whether the caller has accepted the terms (default false). */
  accessGranted?: boolean;
  downloads?: number;
  likes?: number;
  tags?: string[];
  pipeline_tag?: string;
  library_name?: string;
  description?: string;
  sdk?: string;
  /** Sort key of `sort=trendingScore` (default 0). */
  trendingScore?: number;
  /** ISO date of the last change (default the creation date); `sort=lastModified` uses it. */
  lastModified?: string;
  /** Card metadata; by default parsed from the YAML front matter of `README.md`. */
  cardData?: Record<string, unknown>;
  files: Record<string, string>;
}

export interface FakeBranch {
  files: Map<string, Buffer>;
  commit: string;
}

export interface FakeDiscussion {
  num: number;
  title: string;
  description: string;
  isPullRequest: boolean;
  status: 'open' | 'closed' | 'merged' | 'draft';
  author: string;
  createdAt: string;
  events: { type: string; author: { name: string }; createdAt: string; data: Record<string, unknown> }[];
  base: string;
}

export interface FakeRepo {
  seed: FakeRepoSeed;
  branches: Map<string, FakeBranch>;
  tags: Map<string, { target: string; message?: string }>;
  discussions: FakeDiscussion[];
  settings: { private: boolean; gated: false | 'auto' | 'manual' };
  createdAt: string;
}

export interface FakeUser {
  name: string;
  fullname?: string;
  orgs?: string[];
}

/** Who is calling: the bearer token (if any) and whether the fake accepts it. */
export interface FakeAuth {
  token: string | undefined;
  valid: boolean;
  user: FakeUser | undefined;
}

export interface RouteContext {
  request: RecordedRequest;
  response: ServerResponse;
  raw: IncomingMessage;
  match: RegExpMatchArray;
  query: URLSearchParams;
  auth: FakeAuth;
  /** Base URL of the fake (for URLs in answers). */
  baseUrl: string;
}

export interface FakeRoute {
  method: string;
  pattern: RegExp;
  handle(context: RouteContext): void | Promise<void>;
}

export function sha(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Hub-style error: JSON `{ error }` plus `X-Error-Code` when given. */
export function sendError(response: ServerResponse, status: number, message: string, errorCode?: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { error: message }, { ...(errorCode ? { 'x-error-code': errorCode } : {}), ...headers });
}

export function repoKey(type: string, id: string): string {
  return `${type}:${id}`;
}

export function createRepo(seed: FakeRepoSeed): FakeRepo {
  const files = new Map(Object.entries(seed.files).map(([path, content]) => [path, Buffer.from(content, 'utf8')]));
  return {
    seed,
    branches: new Map([['main', { files, commit: sha(`${seed.id}:init`) }]]),
    tags: new Map(),
    discussions: [],
    settings: { private: seed.private === true, gated: seed.gated ?? false },
    createdAt: '2024-01-01T00:00:00.000Z',
  };
}

function yamlScalar(text: string): unknown {
  const value = text.trim();
  if (/^(['"]).*\1$/.test(value)) return value.slice(1, -1);
  if (value === 'true' || value === 'false') return value === 'true';
  if (value !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (value.startsWith('[') && value.endsWith(']')) return value.slice(1, -1).split(',').map((item) => yamlScalar(item)).filter((item) => item !== '');
  return value;
}

/**
 * Card metadata from a README's YAML front matter, as the Hub exposes it in `cardData`. The fake
 * reads the subset cards use at top level: `key: value`, `key: [a, b]` and `key:` + `- item` lists.
 */
export function parseCardData(readme: string | undefined): Record<string, unknown> | undefined {
  const match = readme?.match(/^---\r?\n([\s\S]*?)\r?\n---/);
  if (!match) return undefined;
  const data: Record<string, unknown> = {};
  let listKey: string | undefined;
  for (const line of (match[1] as string).split(/\r?\n/)) {
    const item = line.match(/^\s*-\s+(.*)$/);
    if (item && listKey) {
      (data[listKey] as unknown[]).push(yamlScalar(item[1] as string));
      continue;
    }
    const pair = line.match(/^([\w-]+):\s*(.*)$/);
    if (!pair) continue;
    const key = pair[1] as string;
    if ((pair[2] as string).trim() === '') {
      data[key] = [];
      listKey = key;
    } else {
      data[key] = yamlScalar(pair[2] as string);
      listKey = undefined;
    }
  }
  return data;
}

/** Can the caller write to `namespace` (its own name or one of its orgs)? */
export function canWrite(auth: FakeAuth, namespace: string): boolean {
  return auth.valid && auth.user !== undefined && (auth.user.name === namespace || (auth.user.orgs ?? []).includes(namespace));
}

/**
 * Resolve a repo the way the Hub does for reads: unknown or private-without-access answer
 * 401 (anonymous) or 404 with `RepoNotFound`; with `files`, gated repos without accepted terms
 * answer `GatedRepo`. Sends the error and returns undefined on refusal.
 */
export function readRepo(context: RouteContext, repos: Map<string, FakeRepo>, type: string, id: string, options: { files?: boolean; write?: boolean } = {}): FakeRepo | undefined {
  const repo = repos.get(repoKey(type, id));
  const anonymous = !context.auth.valid;
  if (!repo || (repo.settings.private && anonymous)) {
    sendError(context.response, anonymous ? 401 : 404, 'Repository not found', 'RepoNotFound');
    return undefined;
  }
  if (options.write && !canWrite(context.auth, id.split('/')[0] ?? '')) {
    sendError(context.response, anonymous ? 401 : 403, `You don't have the rights to write to ${id}`);
    return undefined;
  }
  if (options.files && repo.settings.gated && !repo.seed.accessGranted) {
    sendError(context.response, anonymous ? 401 : 403, `Access to ${type} ${id} is restricted. You must have access to it and be authenticated to access it.`, 'GatedRepo');
    return undefined;
  }
  return repo;
}

/** Split `<revision>/<path>`: `refs/pr/3` (encoded or not) is one revision; anything else is one segment. */
export function splitRevision(rest: string): { revision: string; path: string } {
  const segments = rest.split('/');
  const decode = (parts: string[]) => parts.map((part) => decodeURIComponent(part)).join('/');
  if (segments[0] === 'refs') return { revision: segments.slice(0, 3).join('/'), path: decode(segments.slice(3)) };
  return { revision: decodeURIComponent(segments[0] ?? ''), path: decode(segments.slice(1)) };
}

export function singular(plural: string): FakeRepoType {
  return plural.slice(0, -1) as FakeRepoType;
}

export function pagePrefix(type: FakeRepoType): string {
  return type === 'model' ? '' : `${type}s/`;
}

export function branchOf(context: RouteContext, repo: FakeRepo, revision: string): FakeBranch | undefined {
  const tag = repo.tags.get(revision);
  const branch = repo.branches.get(tag ? tag.target : revision) ?? [...repo.branches.values()].find((one) => one.commit === revision);
  if (!branch) sendError(context.response, 404, `Invalid rev id: ${revision}`, 'RevisionNotFound');
  return branch;
}

export function parseBody(context: RouteContext): Record<string, unknown> {
  if (context.request.json && typeof context.request.json === 'object') return context.request.json as Record<string, unknown>;
  try {
    return JSON.parse(context.request.body || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function discussionUrl(context: RouteContext, repo: FakeRepo, num: number): string {
  return `${context.baseUrl}/${pagePrefix(repo.seed.type)}${repo.seed.id}/discussions/${num}`;
}

export function newDiscussion(repo: FakeRepo, author: string, title: string, description: string, isPullRequest: boolean, base = 'main'): FakeDiscussion {
  const num = repo.discussions.length + 1;
  const now = new Date().toISOString();
  const discussion: FakeDiscussion = { num, title, description, isPullRequest, status: 'open', author, createdAt: now, events: [], base };
  if (description) discussion.events.push({ type: 'comment', author: { name: author }, createdAt: now, data: { latest: { raw: description } } });
  if (isPullRequest) {
    const from = repo.branches.get(base) as FakeBranch;
    repo.branches.set(`refs/pr/${num}`, { files: new Map(from.files), commit: from.commit });
  }
  repo.discussions.push(discussion);
  return discussion;
}
