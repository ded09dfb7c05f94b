import { existsSync } from 'node:fs';
import { JsonlSessionStore, readSessionLog } from '@ml-intern/context';
import type { AgentEvent, PendingApproval } from '@ml-intern/events';
import type { HostedSession, SessionFactory, SessionRequest, SignedInUser } from './server-types.js';

/** A session id as the server accepts it in a URL or a body: never a path or a prefix. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export type SessionStatus = 'running' | 'awaiting_approval' | 'idle' | 'closed';

type Listener = (event: AgentEvent) => void;

/** One session the server knows of: live (with its runtime) or saved (its log), and who watches it. */
interface Entry {
  id: string;
  owner: string | undefined;
  hosted: HostedSession | undefined;
  opening: Promise<HostedSession> | undefined;
  /** A close in progress: a reopen waits for it (the old runtime still holds the log). */
  closing: Promise<void> | undefined;
  detach: (() => void) | undefined;
  listeners: Set<Listener>;
  pending: PendingApproval[];
  lastActivity: number;
}

export interface SessionSummaryView {
  id: string;
  model: string;
  status: SessionStatus;
  live: boolean;
  workspace: string;
  preview: string;
  started_at: string | null;
  updated_at: string;
}

export interface SessionHubOptions {
  createSession: SessionFactory;
  sessionDir: ((user: SignedInUser | undefined) => string) | undefined;
  idleTimeoutMs: number;
  now?: () => number;
}

/** Which user owns what: undefined in token mode (one user). */
function ownerOf(user: SignedInUser | undefined): string | undefined {
  return user?.id;
}

/**
 * The sessions of one server: many live at once, each with its own runtime. Idle ones are closed
 * and reopened from their log by their next operation; events fan out to every watcher.
 */
export class SessionHub {
  readonly #entries = new Map<string, Entry>();
  readonly #options: SessionHubOptions;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: SessionHubOptions) {
    this.#options = options;
    this.#sweeper = setInterval(() => void this.#closeIdle(), Math.max(50, Math.min(options.idleTimeoutMs / 4, 30_000)));
    this.#sweeper.unref();
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  store(user: SignedInUser | undefined): JsonlSessionStore | undefined {
    const dir = this.#options.sessionDir?.(user);
    return dir === undefined ? undefined : new JsonlSessionStore(dir);
  }

  /** The saved log of `id` in this user's store, when there is one. */
  logFile(id: string, user: SignedInUser | undefined): string | undefined {
    const entry = this.#entries.get(id);
    const live = entry?.hosted?.session.logLocation;
    if (live) return live;
    const file = this.store(user)?.pathFor(id);
    return file !== undefined && existsSync(file) ? file : undefined;
  }

  /** The live session `id` of this user, if any. */
  live(id: string, user: SignedInUser | undefined): HostedSession | undefined {
    const entry = this.#entries.get(id);
    return entry && entry.owner === ownerOf(user) ? entry.hosted : undefined;
  }

  /** Whether this user may see `id`: a live session of theirs, or a log in their store. */
  knows(id: string, user: SignedInUser | undefined): boolean {
    if (!SESSION_ID_PATTERN.test(id)) return false;
    const entry = this.#entries.get(id);
    if (entry?.hosted || entry?.opening) return entry.owner === ownerOf(user);
    return this.logFile(id, user) !== undefined;
  }

  status(id: string): SessionStatus {
    const entry = this.#entries.get(id);
    if (!entry?.hosted) return 'closed';
    if (entry.pending.length > 0) return 'awaiting_approval';
    return entry.hosted.session.busy ? 'running' : 'idle';
  }

  pendingApprovals(id: string): PendingApproval[] {
    return this.#entries.get(id)?.pending ?? [];
  }

  /** Start a new session (or one resumed from a saved log) and keep it; returns its id. */
  async create(request: SessionRequest): Promise<string> {
    const hosted = await this.#options.createSession(request);
    // The session opens its log (and may take a new id when another run holds it) on its first microtask.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const entry = this.#entry(hosted.session.id, ownerOf(request.user));
    this.#attach(entry, hosted);
    return hosted.session.id;
  }

  /** The live session `id`, reopening it from its log when it was closed. */
  async open(id: string, user: SignedInUser | undefined, workspace: (cwd: string) => string): Promise<HostedSession> {
    const entry = this.#entry(id, ownerOf(user));
    if (entry.owner !== ownerOf(user)) throw new Error(`session ${id} belongs to someone else`);
    if (entry.hosted) return entry.hosted;
    if (entry.opening) return entry.opening;
    if (entry.closing) {
      await entry.closing;
      return this.open(id, user, workspace);
    }
    const file = this.logFile(id, user);
    if (!file) throw new Error(`no session ${id}`);
    const cwd = readSessionLog(file).header.cwd;
    entry.opening = this.#options
      .createSession({ continueId: id, workspace: workspace(cwd), ...(user ? { user } : {}) })
      .then(async (hosted) => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.#attach(entry, hosted);
        return hosted;
      })
      .finally(() => {
        entry.opening = undefined;
        this.#forget(entry);
      });
    return entry.opening;
  }

  /** Shut a live session down (its log stays; a later operation reopens it). */
  async close(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    const hosted = entry?.hosted;
    if (!entry || !hosted) return entry?.closing;
    // Everything of this session is let go now: a reopen attaches a new one to the same entry.
    const detach = entry.detach;
    entry.hosted = undefined;
    entry.detach = undefined;
    entry.pending = [];
    entry.closing = hosted
      .close()
      .catch(() => {})
      .finally(() => {
        detach?.();
        entry.closing = undefined;
        this.#forget(entry);
      });
    return entry.closing;
  }

  /** Watch `id`'s events from now on (live or not: a reopened session's events reach the watcher too). */
  listen(id: string, user: SignedInUser | undefined, listener: Listener): () => void {
    const entry = this.#entry(id, ownerOf(user));
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      entry.lastActivity = this.#now();
      this.#forget(entry);
    };
  }

  /**
   * Events after `after` from the log, and from memory the part of the turn in progress the log
   * does not hold (streamed chunks), in seq order.
   */
  replay(id: string, user: SignedInUser | undefined, after: number): AgentEvent[] {
    const bySeq = new Map<number, AgentEvent>();
    const file = this.logFile(id, user);
    if (file) {
      try {
        for (const record of readSessionLog(file).records) {
          if (record.kind === 'event' && record.event.seq > after && record.event.session_id === id) bySeq.set(record.event.seq, record.event);
        }
      } catch {
        // A log removed meanwhile: what memory holds is still sent.
      }
    }
    for (const event of this.#entries.get(id)?.hosted?.session.recentEvents(after) ?? []) bySeq.set(event.seq, event);
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Live sessions of this user, and their saved ones, newest first. */
  list(user: SignedInUser | undefined): SessionSummaryView[] {
    const views = new Map<string, SessionSummaryView>();
    for (const saved of this.store(user)?.list() ?? []) {
      if (!SESSION_ID_PATTERN.test(saved.id)) continue;
      views.set(saved.id, {
        id: saved.id,
        model: saved.model,
        status: 'closed',
        live: false,
        workspace: saved.cwd,
        preview: saved.preview,
        started_at: saved.startedAt,
        updated_at: saved.modifiedAt.toISOString(),
      });
    }
    for (const entry of this.#entries.values()) {
      if (!entry.hosted || entry.owner !== ownerOf(user)) continue;
      const session = entry.hosted.session;
      const saved = views.get(entry.id);
      const firstUser = session.history.messages.find((message) => message.role === 'user');
      views.set(entry.id, {
        id: entry.id,
        model: session.model.id,
        status: this.status(entry.id),
        live: true,
        workspace: session.cwd,
        preview: saved?.preview || (firstUser?.role === 'user' ? firstUser.content.replace(/\s+/g, ' ').slice(0, 80) : ''),
        started_at: saved?.started_at ?? null,
        updated_at: new Date(Math.max(entry.lastActivity, saved ? Date.parse(saved.updated_at) : 0)).toISOString(),
      });
    }
    return [...views.values()].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  /** Note activity (an operation) so the idle timer starts again. */
  touch(id: string): void {
    const entry = this.#entries.get(id);
    if (entry) entry.lastActivity = this.#now();
  }

  /** Live sessions and watchers right now (for tests and the bench). */
  get stats(): { live: number; watchers: number } {
    let live = 0;
    let watchers = 0;
    for (const entry of this.#entries.values()) {
      if (entry.hosted) live += 1;
      watchers += entry.listeners.size;
    }
    return { live, watchers };
  }

  /** Close every live session (server shutdown). */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.allSettled([...this.#entries.values()].map((entry) => entry.opening?.catch(() => undefined)));
    await Promise.allSettled([...this.#entries.keys()].map((id) => this.close(id)));
  }

  #entry(id: string, owner: string | undefined): Entry {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = { id, owner, hosted: undefined, opening: undefined, closing: undefined, detach: undefined, listeners: new Set(), pending: [], lastActivity: this.#now() };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  #attach(entry: Entry, hosted: HostedSession): void {
    entry.hosted = hosted;
    entry.pending = [];
    entry.lastActivity = this.#now();
    const deliver = (event: AgentEvent) => {
      entry.lastActivity = this.#now();
      // A closing session's last events (its shutdown) still reach the watchers, but say nothing
      // about the session a reopen may have attached meanwhile.
      if (entry.hosted === hosted) this.#track(entry, event);
      for (const listener of [...entry.listeners]) listener(event);
    };
    // What it emitted before it was handed over (session_started, ready) reaches the watchers a reopen found waiting.
    for (const event of hosted.session.recentEvents()) deliver(event);
    entry.detach = hosted.session.subscribe(deliver);
  }

  /** Pending approvals follow the events: asked, then answered (a state change), or the turn ends. */
  #track(entry: Entry, event: AgentEvent): void {
    if (event.type === 'approval_required') entry.pending = [...entry.pending, ...event.tools];
    else if (event.type === 'tool_state_change' && event.state !== 'awaiting_approval') entry.pending = entry.pending.filter((tool) => tool.tool_call_id !== event.tool_call_id);
    else if (event.type === 'turn_complete' || event.type === 'interrupted' || event.type === 'session_terminated') entry.pending = [];
    else if (event.type === 'shutdown' && entry.hosted) {
      // Shut down by an operation: release its runtime too.
      void this.close(entry.id);
    }
  }

  /** An entry with no session and nobody watching is dropped (its log is what remains). */
  #forget(entry: Entry): void {
    if (!entry.hosted && !entry.opening && !entry.closing && entry.listeners.size === 0) this.#entries.delete(entry.id);
  }

  async #closeIdle(): Promise<void> {
    const now = this.#now();
    for (const entry of this.#entries.values()) {
      const session = entry.hosted?.session;
      if (!session || entry.listeners.size > 0) continue;
      // A turn that waits on an approval nobody can see is idle too; a turn that works is not.
      if (session.busy && entry.pending.length === 0) continue;
      if (now - entry.lastActivity >= this.#options.idleTimeoutMs) await this.close(entry.id);
    }
  }
}
