import { sendJson } from './http-fake.js';
import {
  REPO_ID_PATTERN,
  REPO_TYPE_PATTERN,
  branchOf,
  canWrite,
  discussionUrl,
  newDiscussion,
  pagePrefix,
  parseBody,
  parseCardData,
  readRepo,
  sendError,
  sha,
  singular,
  splitRevision,
  type FakeBranch,
  type FakeDiscussion,
  type FakeRepo,
  type FakeRepoType,
  type FakeRoute,
  type RouteContext,
} from './fake-hub-state.js';

function info(repo: FakeRepo) {
  const main = repo.branches.get('main');
  const seed = repo.seed;
  const cardData = seed.cardData ?? parseCardData(main?.files.get('README.md')?.toString('utf8'));
  return {
    _id: sha(seed.id).slice(0, 24),
    id: seed.id,
    author: seed.id.split('/')[0],
    private: repo.settings.private,
    gated: repo.settings.gated,
    disabled: false,
    downloads: seed.downloads ?? 0,
    likes: seed.likes ?? 0,
    lastModified: seed.lastModified ?? repo.createdAt,
    createdAt: repo.createdAt,
    // Like the Hub, card `tags:` show up among the repo's tags.
    tags: [...new Set([...(seed.tags ?? []), ...(Array.isArray(cardData?.tags) ? (cardData.tags as unknown[]).map(String) : [])])],
    ...(seed.pipeline_tag ? { pipeline_tag: seed.pipeline_tag } : {}),
    ...(seed.library_name ? { library_name: seed.library_name } : {}),
    ...(seed.description ? { description: seed.description } : {}),
    ...(seed.sdk ? { sdk: seed.sdk } : {}),
    trendingScore: seed.trendingScore ?? 0,
    ...(cardData ? { cardData } : {}),
    sha: main?.commit,
    siblings: [...(main?.files.keys() ?? [])].map((rfilename) => ({ rfilename })),
  };
}

/** `sort` values the Hub accepts on listings (the fake sorts by those it has data for). */
const SORT_KEYS = new Set(['createdAt', 'downloads', 'likes', 'lastModified', 'likes30d', 'trendingScore', 'id', 'mainSize']);

/** Tags a `filter` matches: the repo's tags plus its task, library and SDK (the Hub lists those as tags too). */
function tagsOf(repo: FakeRepo): string[] {
  const seed = repo.seed;
  return [...(seed.tags ?? []), ...[seed.pipeline_tag, seed.library_name, seed.sdk].filter((tag): tag is string => typeof tag === 'string')];
}

/** With `expand`, the Hub answers `_id`, `id` and only the expanded fields. */
function project(record: Record<string, unknown>, expand: string[]): Record<string, unknown> {
  if (expand.length === 0) return record;
  const result: Record<string, unknown> = { _id: record._id, id: record.id };
  for (const key of expand) if (key in record) result[key] = record[key];
  return result;
}

function applyCommit(context: RouteContext, branch: FakeBranch, lines: string[]): { summary: string } | undefined {
  let summary = 'Commit';
  for (const line of lines) {
    const { key, value } = JSON.parse(line) as { key: string; value: Record<string, string> };
    if (key === 'header') summary = value.summary ?? summary;
    else if (key === 'file') branch.files.set(value.path as string, Buffer.from(value.content ?? '', value.encoding === 'base64' ? 'base64' : 'utf8'));
    else if (key === 'deletedFile') {
      if (!branch.files.delete(value.path as string)) {
        sendError(context.response, 404, `File not found: ${value.path}`, 'EntryNotFound');
        return undefined;
      }
    } else if (key === 'deletedFolder') {
      for (const path of [...branch.files.keys()]) if (path.startsWith(`${value.path}/`)) branch.files.delete(path);
    } else {
      sendError(context.response, 422, `The fake Hub does not support "${key}" commit operations (LFS); keep test files small.`);
      return undefined;
    }
  }
  branch.commit = sha(`${branch.commit}:${lines.join('\n')}:${Date.now()}:${Math.random()}`);
  return { summary };
}

/** Repo listing, info, tree, resolve (Range/ETag), commits, refs, branches, tags, discussions, create, settings. */
export function repoRoutes(repos: Map<string, FakeRepo>): FakeRoute[] {
  const route = (method: string, pattern: string, handle: FakeRoute['handle']): FakeRoute => ({ method, pattern: new RegExp(`^${pattern}$`), handle });
  return [
    route('GET', `/api/${REPO_TYPE_PATTERN}`, (context) => {
      const type = singular(context.match[1] as string);
      const { query } = context;
      const search = query.get('search')?.toLowerCase();
      const filters = query.getAll('filter').flatMap((value) => value.split(',')).filter(Boolean);
      const author = query.get('author');
      const pipelineTag = query.get('pipeline_tag');
      const gated = query.get('gated');
      const sort = query.get('sort');
      const limit = Math.min(Number(query.get('limit') ?? 1000) || 1000, 1000);
      const offset = Number(query.get('cursor') ? Buffer.from(query.get('cursor') as string, 'base64url').toString('utf8') : 0) || 0;
      if (sort && !SORT_KEYS.has(sort)) return sendError(context.response, 400, `Invalid sort parameter: ${sort}`);
      let items = [...repos.values()].filter((repo) => repo.seed.type === type && (!repo.settings.private || canWrite(context.auth, repo.seed.id.split('/')[0] ?? '')));
      if (search) items = items.filter((repo) => repo.seed.id.toLowerCase().includes(search));
      if (author) items = items.filter((repo) => repo.seed.id.startsWith(`${author}/`));
      if (pipelineTag) items = items.filter((repo) => repo.seed.pipeline_tag === pipelineTag);
      if (gated === 'true' || gated === 'false') items = items.filter((repo) => (repo.settings.gated !== false) === (gated === 'true'));
      for (const filter of filters) items = items.filter((repo) => tagsOf(repo).includes(filter));
      if (sort && sort !== 'id') {
        const key = (repo: FakeRepo): number | string => (info(repo) as Record<string, unknown>)[sort] as number | string;
        items.sort((left, right) => (key(left) < key(right) ? 1 : key(left) > key(right) ? -1 : 0));
      } else if (sort === 'id') items.sort((left, right) => left.seed.id.localeCompare(right.seed.id));
      const page = items.slice(offset, offset + limit);
      const headers: Record<string, string> = {};
      if (offset + limit < items.length) {
        const next = new URL(`${context.baseUrl}${context.request.path}`);
        for (const [name, value] of query) if (name !== 'cursor') next.searchParams.append(name, value);
        next.searchParams.set('cursor', Buffer.from(String(offset + limit)).toString('base64url'));
        headers.link = `<${next.href}>; rel="next"`;
      }
      sendJson(context.response, 200, page.map((repo) => project(info(repo), query.getAll('expand'))), headers);
    }),
    route('GET', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}(?:/revision/([^/]+))?`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (repo) sendJson(context.response, 200, project(info(repo), context.query.getAll('expand')));
    }),
    route('GET', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/tree/(.+)`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string, { files: true });
      if (!repo) return;
      const { revision, path } = splitRevision(context.match[3] as string);
      const branch = branchOf(context, repo, revision);
      if (!branch) return;
      const prefix = path ? `${path.replace(/\/+$/, '')}/` : '';
      const recursive = context.query.get('recursive') === 'true';
      const entries = new Map<string, { type: string; oid: string; size: number; path: string }>();
      for (const [file, content] of branch.files) {
        if (!file.startsWith(prefix)) continue;
        const rest = file.slice(prefix.length).split('/');
        rest.slice(0, -1).forEach((_, index) => {
          const directory = prefix + rest.slice(0, index + 1).join('/');
          if (recursive || index === 0) entries.set(directory, { type: 'directory', oid: sha(directory), size: 0, path: directory });
        });
        if (recursive || rest.length === 1) entries.set(file, { type: 'file', oid: sha(content), size: content.length, path: file });
      }
      if (path && entries.size === 0) return sendError(context.response, 404, `Entry not found: ${path}`, 'EntryNotFound');
      sendJson(context.response, 200, [...entries.values()]);
    }),
    route('GET', `/(datasets/|spaces/)?${REPO_ID_PATTERN}/resolve/(.+)`, (context) => {
      const type: FakeRepoType = context.match[1] === 'datasets/' ? 'dataset' : context.match[1] === 'spaces/' ? 'space' : 'model';
      const repo = readRepo(context, repos, type, context.match[2] as string, { files: true });
      if (!repo) return;
      const { revision, path } = splitRevision(context.match[3] as string);
      const branch = branchOf(context, repo, revision);
      if (!branch) return;
      const content = branch.files.get(path);
      if (!content) return sendError(context.response, 404, `Entry not found: ${path}`, 'EntryNotFound');
      const headers = { etag: `"${sha(content)}"`, 'x-repo-commit': branch.commit, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
      const range = /^bytes=(\d+)-(\d*)$/.exec(context.raw.headers.range ?? '');
      if (!range) {
        context.response.writeHead(200, { ...headers, 'content-length': String(content.length) });
        return void context.response.end(content);
      }
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : content.length - 1, content.length - 1);
      if (start >= content.length) return sendError(context.response, 416, 'Range not satisfiable', undefined, { 'content-range': `bytes */${content.length}` });
      context.response.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${content.length}`, 'content-length': String(end - start + 1) });
      context.response.end(content.subarray(start, end + 1));
    }),
    route('POST', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/preupload/(.+)`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string, { write: true });
      if (!repo) return;
      const files = (parseBody(context).files as { path: string }[] | undefined) ?? [];
      sendJson(context.response, 200, { files: files.map((file) => ({ path: file.path, uploadMode: 'regular', shouldIgnore: false })) });
    }),
    route('POST', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/commit/(.+)`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string, { write: true });
      if (!repo) return;
      const revision = decodeURIComponent(context.match[3] as string);
      const lines = context.request.body.split('\n').filter((line) => line.trim());
      let target = repo.branches.get(revision);
      if (!target) return sendError(context.response, 404, `Invalid rev id: ${revision}`, 'RevisionNotFound');
      let pullRequest: FakeDiscussion | undefined;
      if (context.query.get('create_pr') === '1') {
        const header = JSON.parse(lines[0] ?? '{}') as { value?: { summary?: string; description?: string } };
        pullRequest = newDiscussion(repo, context.auth.user?.name ?? 'anonymous', header.value?.summary ?? 'Upload', header.value?.description ?? '', true, revision);
        target = repo.branches.get(`refs/pr/${pullRequest.num}`) as FakeBranch;
      }
      const applied = applyCommit(context, target, lines);
      if (!applied) return;
      if (pullRequest) pullRequest.events.push({ type: 'commit', author: { name: context.auth.user?.name ?? 'anonymous' }, createdAt: new Date().toISOString(), data: { oid: target.commit, subject: applied.summary } });
      const base = `${context.baseUrl}/${pagePrefix(repo.seed.type)}${repo.seed.id}`;
      sendJson(context.response, 200, {
        success: true,
        commitOid: target.commit,
        commitUrl: `${base}/commit/${target.commit}`,
        hookOutput: '',
        ...(pullRequest ? { pullRequestUrl: discussionUrl(context, repo, pullRequest.num) } : {}),
      });
    }),
    route('GET', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/refs`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (!repo) return;
      const entries = [...repo.branches.entries()];
      const ref = (name: string, kind: string, commit: string) => ({ name, ref: `refs/${kind}/${name}`, targetCommit: commit });
      sendJson(context.response, 200, {
        branches: entries.filter(([name]) => !name.startsWith('refs/')).map(([name, branch]) => ref(name, 'heads', branch.commit)),
        tags: [...repo.tags.entries()].map(([name, tag]) => ref(name, 'tags', repo.branches.get(tag.target)?.commit ?? tag.target)),
        converts: [],
        ...(context.query.get('include_prs') ? { pullRequests: entries.filter(([name]) => name.startsWith('refs/pr/')).map(([name, branch]) => ({ name: name.slice('refs/pr/'.length), ref: name, targetCommit: branch.commit })) } : {}),
      });
    }),
  ];
}
