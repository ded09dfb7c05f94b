import { mkdirSync, mkdtempSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { readSessionLog, replayHistory } from '@ml-intern/context';
import { parseOperation } from '@ml-intern/events';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { replayStart, streamSessionEvents, type StreamRegistry } from './event-stream.js';
import { problem } from './problem.js';
import type { GuardVariables } from './request-guard.js';
import type { SessionHub } from './session-hub.js';
import type { SignedInUser } from './server-types.js';
import { turnRoutes } from './turn-routes.js';

export interface SessionRoutesOptions {
  hub: SessionHub;
  workspaceRoot: string;
  keepAliveMs: number;
  registry: StreamRegistry;
}

type Env = { Variables: GuardVariables };

/** A folder name that is safe for any user id. */
function folderName(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'user';
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The root a user's workspaces live under: the workspace root, or their own folder in it with `hf_oauth`. */
function userRoot(root: string, user: SignedInUser | undefined): string {
  if (!user) return root;
  const dir = path.join(root, folderName(user.id));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The workspace a session asked for (an existing folder under the root), or a new one there. */
function resolveWorkspace(root: string, user: SignedInUser | undefined, requested: string | undefined): { ok: true; dir: string } | { ok: false; message: string } {
  const base = realpathSync(userRoot(root, user));
  if (requested === undefined) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return { ok: true, dir: mkdtempSync(path.join(base, `session-${stamp}-`)) };
  }
  let dir: string;
  try {
    dir = realpathSync(path.resolve(base, requested));
    if (!statSync(dir).isDirectory()) return { ok: false, message: `workspace: ${requested} is not a directory` };
  } catch {
    return { ok: false, message: `workspace: ${requested} does not exist under ${base}; create it first or leave workspace out for a new one` };
  }
  if (!isInside(dir, base)) return { ok: false, message: `workspace: ${requested} lies outside the workspace root ${base} (serve --workspace-root sets it)` };
  return { ok: true, dir };
}

async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const text = await c.req.text();
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, response: problem(c, 400, 'invalid_json', 'the body is not valid JSON') };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The last turn's totals in a saved log, for a closed session's usage and cost. */
function savedTotals(file: string) {
  const { header, records } = readSessionLog(file);
  const complete = records.flatMap((record) => (record.kind === 'event' && record.event.type === 'turn_complete' ? [record.event] : [])).at(-1);
  const lastSeq = records.reduce((max, record) => (record.kind === 'event' ? Math.max(max, record.event.seq) : max), -1);
  return { header, messages: replayHistory(records), usage: complete?.usage ?? null, cost_usd: complete?.cost_usd ?? 0, last_seq: lastSeq };
}

/** `POST /api/sessions`'s body, checked field by field. */
function parseCreateBody(value: unknown): { ok: true; model?: string; resume?: string; workspace?: string } | { ok: false; message: string } {
  if (!isRecord(value)) return { ok: false, message: 'the body must be a JSON object: {model?, resume?, workspace?}' };
  const fields: { model?: string; resume?: string; workspace?: string } = {};
  for (const name of ['model', 'resume', 'workspace'] as const) {
    const field = value[name];
    if (field === undefined) continue;
    if (typeof field !== 'string' || field === '' || field.length > 4096) return { ok: false, message: `${name}: expected a non-empty string` };
    fields[name] = field;
  }
  return { ok: true, ...fields };
}

/** `GET /api/sessions/{id}`: a live session from memory, a closed one from its log. */
function sessionDetails(hub: SessionHub, id: string, user: SignedInUser | undefined): Record<string, unknown> | undefined {
  const live = hub.live(id, user);
  if (live) {
    const { session } = live;
    const totals = session.usage;
    return {
      id,
      model: session.model.id,
      status: hub.status(id),
      live: true,
      workspace: session.cwd,
      usage: totals.usage,
      cost_usd: totals.costUsd,
      unpriced: totals.unpriced,
      approval_mode: session.policy.mode,
      budget_usd: session.budgetUsd ?? null,
      context: session.context,
      plan: session.plan,
      pending_approvals: hub.pendingApprovals(id),
      last_seq: session.nextSeq - 1,
      messages: session.history.messages,
    };
  }
  const file = hub.logFile(id, user);
  if (!file) return undefined;
  const saved = savedTotals(file);
  return {
    id,
    model: saved.header.model,
    status: 'closed',
    live: false,
    workspace: saved.header.cwd,
    usage: saved.usage,
    cost_usd: saved.cost_usd,
    pending_approvals: [],
    last_seq: saved.last_seq,
    messages: saved.messages,
  };
}

/** `/api/sessions…`: create, list, inspect, operate, stream, shut down. */
export function sessionRoutes(options: SessionRoutesOptions): Hono<Env> {
  const { hub } = options;
  const app = new Hono<Env>();
  const workspaceOf = (user: SignedInUser | undefined) => (cwd: string) => {
    const resolved = resolveWorkspace(options.workspaceRoot, user, cwd);
    if (!resolved.ok) throw new Error(resolved.message);
    return resolved.dir;
  };
  // A session this user may not see is one that does not exist.
  const known: MiddlewareHandler<Env> = async (c, next) => {
    const id = c.req.param('id') ?? '';
    if (!hub.knows(id, c.get('user'))) return problem(c, 404, 'no_session', `no session ${id.slice(0, 80)} (GET /api/sessions lists them)`);
    return next();
  };
  app.use('/:id', known);
  app.use('/:id/*', known);

  app.post('/', async (c) => {
    const user = c.get('user');
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const request = parseCreateBody(body.value);
    if (!request.ok) return problem(c, 400, 'invalid_body', request.message);
    const { model, resume, workspace } = request;
    if (resume !== undefined && !hub.knows(resume, user)) return problem(c, 404, 'no_session', `resume: no saved session ${resume.slice(0, 80)} (GET /api/sessions lists them)`);
    if (resume !== undefined && hub.live(resume, user)) return c.json({ id: resume }, 200);
    const resolved = resolveWorkspace(options.workspaceRoot, user, workspace);
    if (!resolved.ok) return problem(c, 400, 'invalid_workspace', resolved.message);
    try {
      const id = await hub.create({ workspace: resolved.dir, ...(model ? { model } : {}), ...(resume ? { resume } : {}), ...(user ? { user } : {}) });
      return c.json({ id }, 201);
    } catch (error) {
      return problem(c, 400, 'session_not_started', (error as Error).message);
    }
  });

  app.get('/', (c) => c.json({ sessions: hub.list(c.get('user')) }));

  app.get('/:id', (c) => {
    const details = sessionDetails(hub, c.req.param('id'), c.get('user'));
    return details ? c.json(details) : problem(c, 404, 'no_session', `no session ${c.req.param('id').slice(0, 80)}`);
  });

  app.delete('/:id', async (c) => {
    await hub.close(c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/:id/operations', async (c) => {
    const user = c.get('user');
    const id = c.req.param('id');
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const parsed = parseOperation(body.value);
    if (!parsed.ok) return problem(c, 400, 'invalid_operation', parsed.error);
    const operation = parsed.value;
    if (operation.type === 'new' || operation.type === 'resume') {
      return problem(c, 400, 'invalid_operation', `type: "${operation.type}" is not available over HTTP: start or resume a session with POST /api/sessions`);
    }
    if (operation.type === 'shutdown') {
      await hub.close(id);
      return c.json({ id }, 202);
    }
    let hosted;
    try {
      hosted = await hub.open(id, user, workspaceOf(user));
    } catch (error) {
      return problem(c, 409, 'session_not_reopened', `session ${id} could not be reopened: ${(error as Error).message}`);
    }
    hub.touch(hosted.session.id);
    hosted.session.submit(operation);
    return c.json({ id: hosted.session.id }, 202);
  });

  app.route('/', turnRoutes(hub));

  app.get('/:id/events', (c) =>
    streamSessionEvents(c, { hub, id: c.req.param('id'), user: c.get('user'), after: replayStart(c), keepAliveMs: options.keepAliveMs, registry: options.registry }),
  );

  return app;
}
