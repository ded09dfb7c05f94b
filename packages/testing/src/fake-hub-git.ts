import { sendJson } from './http-fake.js';
import {
  REPO_ID_PATTERN,
  REPO_TYPE_PATTERN,
  branchOf,
  canWrite,
  createRepo,
  discussionUrl,
  newDiscussion,
  pagePrefix,
  parseBody,
  readRepo,
  repoKey,
  sendError,
  sha,
  singular,
  type FakeBranch,
  type FakeRepo,
  type FakeRepoType,
  type FakeRoute,
  type RouteContext,
} from './fake-hub-state.js';

/** Branches, tags, discussions and pull requests, repo creation and settings. */
export function gitRoutes(repos: Map<string, FakeRepo>): FakeRoute[] {
  const route = (method: string, pattern: string, handle: FakeRoute['handle']): FakeRoute => ({ method, pattern: new RegExp(`^${pattern}$`), handle });
  const writable = (context: RouteContext) => readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string, { write: true });
  return [
    route('POST', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/branch/(.+)`, (context) => {
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
    route('DELETE', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/branch/(.+)`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const name = decodeURIComponent(context.match[3] as string);
      if (name === 'main') return sendError(context.response, 403, 'Cannot delete the default branch');
      if (!repo.branches.delete(name)) return sendError(context.response, 404, `Branch not found: ${name}`, 'RevisionNotFound');
      sendJson(context.response, 200, {});
    }),
    route('POST', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/tag/(.+)`, (context) => {
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
    route('DELETE', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/tag/(.+)`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const tag = decodeURIComponent(context.match[3] as string);
      if (!repo.tags.delete(tag)) return sendError(context.response, 404, `Tag not found: ${tag}`, 'RevisionNotFound');
      sendJson(context.response, 200, {});
    }),
    route('GET', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/discussions`, (context) => {
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
    route('POST', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/discussions`, (context) => {
      const repo = readRepo(context, repos, singular(context.match[1] as string), context.match[2] as string);
      if (!repo) return;
      if (!context.auth.valid) return sendError(context.response, 401, 'You must be authenticated to open a discussion');
      const body = parseBody(context);
      const discussion = newDiscussion(repo, context.auth.user?.name ?? 'anonymous', String(body.title ?? ''), String(body.description ?? ''), body.pullRequest === true);
      sendJson(context.response, 200, { num: discussion.num, pullRequest: discussion.isPullRequest, url: discussionUrl(context, repo, discussion.num) });
    }),
    route('GET', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/discussions/(\\d+)`, (context) => {
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
    route('POST', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/discussions/(\\d+)/(comment|status|merge)`, (context) => {
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
    route('PUT', `/api/${REPO_TYPE_PATTERN}/${REPO_ID_PATTERN}/settings`, (context) => {
      const repo = writable(context);
      if (!repo) return;
      const body = parseBody(context);
      if (typeof body.private === 'boolean') repo.settings.private = body.private;
      if (body.gated !== undefined) repo.settings.gated = body.gated as false | 'auto' | 'manual';
      sendJson(context.response, 200, { ...repo.settings });
    }),
  ];
}
