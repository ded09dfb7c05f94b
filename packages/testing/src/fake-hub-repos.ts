import { sendJson } from './http-fake.js';
import {
  canWrite,
  createRepo,
  readRepo,
  repoKey,
  sendError,
  sha,
  splitRevision,
  type FakeBranch,
  type FakeDiscussion,
  type FakeRepo,
  type FakeRepoType,
  type FakeRoute,
  type RouteContext,
} from './fake-hub-state.js';

const TYPE = '(models|datasets|spaces)';
const ID = '([^/]+/[^/]+)';

function singular(plural: string): FakeRepoType {
  return plural.slice(0, -1) as FakeRepoType;
}

function pagePrefix(type: FakeRepoType): string {
  return type === 'model' ? '' : `${type}s/`;
}

function info(repo: FakeRepo) {
  const main = repo.branches.get('main');
  const seed = repo.seed;
  return {
    _id: sha(seed.id).slice(0, 24),
    id: seed.id,
    author: seed.id.split('/')[0],
    private: repo.settings.private,
    gated: repo.settings.gated,
    disabled: false,
    downloads: seed.downloads ?? 0,
    likes: seed.likes ?? 0,
    lastModified: repo.createdAt,
    createdAt: repo.createdAt,
    tags: seed.tags ?? [],
    ...(seed.pipeline_tag ? { pipeline_tag: seed.pipeline_tag } : {}),
    ...(seed.library_name ? { library_name: seed.library_name } : {}),
    ...(seed.description ? { description: seed.description } : {}),
    ...(seed.sdk ? { sdk: seed.sdk } : {}),
    sha: main?.commit,
    siblings: [...(main?.files.keys() ?? [])].map((rfilename) => ({ rfilename })),
  };
}

function branchOf(context: RouteContext, repo: FakeRepo, revision: string): FakeBranch | undefined {
  const tag = repo.tags.get(revision);
  const branch = repo.branches.get(tag ? tag.target : revision) ?? [...repo.branches.values()].find((one) => one.commit === revision);
  if (!branch) sendError(context.response, 404, `Invalid rev id: ${revision}`, 'RevisionNotFound');
  return branch;
}

function parseBody(context: RouteContext): Record<string, unknown> {
  if (context.request.json && typeof context.request.json === 'object') return context.request.json as Record<string, unknown>;
  try {
    return JSON.parse(context.request.body || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

function discussionUrl(context: RouteContext, repo: FakeRepo, num: number): string {
  return `${context.baseUrl}/${pagePrefix(repo.seed.type)}${repo.seed.id}/discussions/${num}`;
}

function newDiscussion(repo: FakeRepo, author: string, title: string, description: string, isPullRequest: boolean, base = 'main'): FakeDiscussion {
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
    route('GET', `/api/${TYPE}`, (context) => {
      const type = singular(context.match[1] as string);
      const search = context.query.get('search')?.toLowerCase();
      const filters = context.query.getAll('filter');
      const author = context.query.get('author');
      const sort = context.query.get('sort');
      const limit = Number(context.query.get('limit') ?? 50);
      let items = [...repos.values()].filter((repo) => repo.seed.type === type && (!repo.settings.private || context.auth.valid));
      if (search) items = items.filter((repo) => repo.seed.id.toLowerCase().includes(search));
      if (author) items = items.filter((repo) => repo.seed.id.startsWith(`${author}/`));
      for (const filter of filters) items = items.filter((repo) => (repo.seed.tags ?? []).includes(filter));
      if (sort === 'downloads' || sort === 'likes') items.sort((left, right) => (right.seed[sort] ?? 0) - (left.seed[sort] ?? 0));
      sendJson(context.response, 200, items.slice(0, limit).map(info));
    }),
    route('GET', `/api/${TYPE}/${ID}(?:/revision/([^/]+))?`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (repo) sendJson(context.response, 200, info(repo));
    }),
    route('GET', `/api/${TYPE}/${ID}/tree/(.+)`, (context) => {
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
    route('GET', `/(datasets/|spaces/)?${ID}/resolve/(.+)`, (context) => {
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
    route('POST', `/api/${TYPE}/${ID}/preupload/(.+)`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string, { write: true });
      if (!repo) return;
      const files = (parseBody(context).files as { path: string }[] | undefined) ?? [];
      sendJson(context.response, 200, { files: files.map((file) => ({ path: file.path, uploadMode: 'regular', shouldIgnore: false })) });
    }),
    route('POST', `/api/${TYPE}/${ID}/commit/(.+)`, (context) => {
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
    route('GET', `/api/${TYPE}/${ID}/refs`, (context) => {
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
    ...branchTagAndDiscussionRoutes(repos, route),
  ];
}

function branchTagAndDiscussionRoutes(repos: Map<string, FakeRepo>, route: (method: string, pattern: string, handle: FakeRoute['handle']) => FakeRoute): FakeRoute[] {
  const writable = (context: RouteContext) => readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string, { write: true });
  return [
    route('POST', `/api/${TYPE}/${ID}/branch/(.+)`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const name = decodeURIComponent(context.match[3] as string);
      const body = parseBody(context);
      if (repo.branches.has(name) && !body.overwrite) return sendError(context.response, 409, `Reference already exists: refs/heads/${name}`);
      const from = branchOf(context, repo, (body.startingPoint as string | undefined) ?? 'main');
      if (!from) return;
      repo.branches.set(name, { files: new Map(from.files), commit: from.commit });
      sendJson(context.response, 200, {});
    }),
    route('DELETE', `/api/${TYPE}/${ID}/branch/(.+)`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const name = decodeURIComponent(context.match[3] as string);
      if (name === 'main') return sendError(context.response, 403, 'Cannot delete the default branch');
      if (!repo.branches.delete(name)) return sendError(context.response, 404, `Branch not found: ${name}`, 'RevisionNotFound');
      sendJson(context.response, 200, {});
    }),
    route('POST', `/api/${TYPE}/${ID}/tag/(.+)`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const revision = decodeURIComponent(context.match[3] as string);
      const body = parseBody(context);
      const tag = String(body.tag ?? '');
      if (!tag) return sendError(context.response, 400, 'tag is required');
      if (repo.tags.has(tag)) return sendError(context.response, 409, `Tag already exists: ${tag}`);
      if (!branchOf(context, repo, revision)) return;
      repo.tags.set(tag, { target: revision, ...(body.message ? { message: String(body.message) } : {}) });
      sendJson(context.response, 200, {});
    }),
    route('DELETE', `/api/${TYPE}/${ID}/tag/(.+)`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const tag = decodeURIComponent(context.match[3] as string);
      if (!repo.tags.delete(tag)) return sendError(context.response, 404, `Tag not found: ${tag}`, 'RevisionNotFound');
      sendJson(context.response, 200, {});
    }),
    route('GET', `/api/${TYPE}/${ID}/discussions`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (!repo) return;
      const type = context.query.get('type') ?? 'all';
      const status = context.query.get('status') ?? 'all';
      const items = repo.discussions.filter(
        (one) => (type === 'all' || (type === 'pull_request') === one.isPullRequest) && (status === 'all' || (status === 'open' ? one.status === 'open' : one.status !== 'open')),
      );
      sendJson(context.response, 200, {
        discussions: items.map((one) => ({ num: one.num, title: one.title, status: one.status, isPullRequest: one.isPullRequest, author: { name: one.author }, createdAt: one.createdAt, numComments: one.events.filter((event) => event.type === 'comment').length })),
        count: items.length,
        start: 0,
        numClosedDiscussions: repo.discussions.filter((one) => one.status !== 'open').length,
      });
    }),
    route('POST', `/api/${TYPE}/${ID}/discussions`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (!repo) return;
      if (!context.auth.valid) return sendError(context.response, 401, 'You must be authenticated to open a discussion');
      const body = parseBody(context);
      const discussion = newDiscussion(repo, context.auth.user?.name ?? 'anonymous', String(body.title ?? ''), String(body.description ?? ''), body.pullRequest === true);
      sendJson(context.response, 200, { num: discussion.num, pullRequest: discussion.isPullRequest, url: discussionUrl(context, repo, discussion.num) });
    }),
    route('GET', `/api/${TYPE}/${ID}/discussions/(\\d+)`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (!repo) return;
      const discussion = repo.discussions[Number(context.match[3]) - 1];
      if (!discussion) return sendError(context.response, 404, 'Discussion not found');
      const head = repo.branches.get(`refs/pr/${discussion.num}`);
      const base = repo.branches.get(discussion.base);
      const changed = head && base ? [...new Set([...head.files.keys(), ...base.files.keys()])].filter((path) => !head.files.get(path)?.equals(base.files.get(path) ?? Buffer.alloc(0)) || !base.files.has(path)) : [];
      sendJson(context.response, 200, {
        num: discussion.num,
        title: discussion.title,
        status: discussion.status,
        isPullRequest: discussion.isPullRequest,
        author: { name: discussion.author },
        createdAt: discussion.createdAt,
        events: discussion.events,
        ...(discussion.isPullRequest ? { changes: { base: `refs/heads/${discussion.base}` }, diff: changed.map((path) => `diff --git a/${path} b/${path}`).join('\n'), conflictingFiles: [] } : {}),
      });
    }),
    route('POST', `/api/${TYPE}/${ID}/discussions/(\\d+)/(comment|status|merge)`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (!repo) return;
      const discussion = repo.discussions[Number(context.match[3]) - 1];
      if (!discussion) return sendError(context.response, 404, 'Discussion not found');
      const action = context.match[4];
      const body = parseBody(context);
      const author = { name: context.auth.user?.name ?? 'anonymous' };
      const now = new Date().toISOString();
      if (action !== 'comment' && !canWrite(context.auth, repo.seed.id.split('/')[0] ?? '')) return sendError(context.response, 403, 'You need write access');
      if (body.comment) discussion.events.push({ type: 'comment', author, createdAt: now, data: { latest: { raw: String(body.comment) } } });
      if (action === 'status') {
        discussion.status = body.status === 'closed' ? 'closed' : 'open';
        discussion.events.push({ type: 'status-change', author, createdAt: now, data: { status: discussion.status } });
      }
      if (action === 'merge') {
        if (!discussion.isPullRequest || discussion.status !== 'open') return sendError(context.response, 409, 'Only open pull requests can be merged');
        const head = repo.branches.get(`refs/pr/${discussion.num}`) as FakeBranch;
        repo.branches.set(discussion.base, { files: new Map(head.files), commit: sha(`merge:${head.commit}`) });
        discussion.status = 'merged';
      }
      sendJson(context.response, 200, action === 'comment' ? { newMessage: { id: sha(now) } } : {});
    }),
    route('POST', '/api/repos/create', (context) => {
      const body = parseBody(context);
      const namespace = String(body.organization ?? context.auth.user?.name ?? '');
      const id = `${namespace}/${String(body.name ?? '')}`;
      const type = (String(body.type ?? 'model') as FakeRepoType) || 'model';
      if (!canWrite(context.auth, namespace)) return sendError(context.response, context.auth.valid ? 403 : 401, `You don't have the rights to create a repo under ${namespace}`);
      if (repos.has(repoKey(type, id))) return sendError(context.response, 409, 'You already created this repo');
      const isPrivate = body.visibility ? body.visibility !== 'public' : body.private === true;
      repos.set(repoKey(type, id), createRepo({ type, id, private: isPrivate, files: { '.gitattributes': '*.bin filter=lfs\n' }, ...(body.sdk ? { sdk: String(body.sdk) } : {}) }));
      sendJson(context.response, 200, { url: `${context.baseUrl}/${pagePrefix(type)}${id}`, id });
    }),
    route('PUT', `/api/${TYPE}/${ID}/settings`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const body = parseBody(context);
      if (typeof body.private === 'boolean') repo.settings.private = body.private;
      if (body.gated !== undefined) repo.settings.gated = body.gated as false | 'auto' | 'manual';
      sendJson(context.response, 200, { ...repo.settings });
    }),
  ];
}
