import type { Checkpoint, CheckpointLocation, TurnRecord } from '@ml-intern/core';
import { Hono, type Context } from 'hono';
import { problem } from './problem.js';
import type { GuardVariables } from './request-guard.js';
import type { SessionHub } from './session-hub.js';
import type { HostedSession } from './server-types.js';

/**
 * What the turn routes need of a session's workspace checkpoints. The sandbox package's
 * `GitCheckpoints` has this shape; the server does not import it (the app injects it).
 */
export interface TurnCheckpoints {
  /** Snapshot the workspace now (the current state a preview diffs against). */
  snapshot(location: CheckpointLocation): Promise<Checkpoint>;
  /** Files that differ between two checkpoints (`to`: the later one). */
  changes(repository: string, from: string, to: string): Promise<{ status: string; path: string }[]>;
  /** The unified diff between two checkpoints (`stat`: a summary per file instead). */
  diff(repository: string, from: string, to: string, options?: { stat?: boolean; maxBytes?: number }): Promise<string>;
}

/** The most of a preview's patch sent to the browser. */
export const PREVIEW_MAX_CHARS = 65_536;

type Env = { Variables: GuardVariables };

/** One row of `GET /api/sessions/{id}/turns`. */
export interface TurnView {
  turn: number;
  input: string;
  in_conversation: boolean;
  /** What the turn changed in the workspace; null when that is not known (no checkpoints, the turn still running). */
  changes: { status: string; path: string }[] | null;
  remote_effects: { tool: string; summary: string; failed: boolean }[];
}

async function changesOf(turn: TurnRecord, checkpoints: TurnCheckpoints | undefined): Promise<TurnView['changes']> {
  if (!checkpoints) return null;
  if (!turn.before) return [];
  if (!turn.after) return null;
  const changes = await checkpoints.changes(turn.before.repository, turn.before.id, turn.after.id).catch(() => undefined);
  return changes ? changes.map(({ status, path }) => ({ status, path })) : null;
}

/** The preview of restoring the files to before `turn`: the diff it would apply to the workspace as it is now. */
async function previewOf(hosted: HostedSession, turns: readonly TurnRecord[], turn: number) {
  const empty = { stat: '', patch: '', truncated: false };
  const { checkpoints, session } = hosted;
  if (!checkpoints) return { ...empty, note: 'Files are not checkpointed in this session (a remote sandbox): only the conversation can be rewound.' };
  const target = turns.find((item) => item.turn >= turn && item.before)?.before;
  if (!target) return { ...empty, note: 'No checkpoint since that turn: the files stay as they are.' };
  const already = { ...empty, note: 'The files are already as they were before that turn.' };
  const current = await checkpoints.snapshot(session.checkpointLocation);
  if (current.id === target.id) return already;
  const stat = await checkpoints.diff(target.repository, current.id, target.id, { stat: true });
  // After a restore the current snapshot is a new commit with the same files.
  if (stat.trim() === '') return already;
  const full = await checkpoints.diff(target.repository, current.id, target.id, { maxBytes: PREVIEW_MAX_CHARS });
  const truncated = full.length > PREVIEW_MAX_CHARS;
  return { stat, patch: truncated ? full.slice(0, PREVIEW_MAX_CHARS) : full, truncated };
}

/** `/api/sessions/{id}/turns…`: a live session's turns, what each changed, and the preview of a rewind. */
export function turnRoutes(hub: SessionHub): Hono<Env> {
  const app = new Hono<Env>();
  const liveOr409 = (c: Context<Env>): HostedSession | Response => {
    const id = c.req.param('id') ?? '';
    const hosted = hub.live(id, c.get('user'));
    if (!hosted) return problem(c, 409, 'session_closed', `session ${id.slice(0, 80)} is closed: its turns can be listed and rewound while it runs (send it a message to reopen it)`);
    return hosted;
  };

  app.get('/:id/turns', async (c) => {
    const hosted = liveOr409(c);
    if (hosted instanceof Response) return hosted;
    const turns: TurnView[] = [];
    for (const turn of hosted.session.turns()) {
      turns.push({
        turn: turn.turn,
        input: turn.input,
        in_conversation: turn.inConversation,
        changes: await changesOf(turn, hosted.checkpoints),
        remote_effects: turn.remoteEffects.map(({ tool, summary, failed }) => ({ tool, summary, failed })),
      });
    }
    return c.json({ checkpoints: hosted.checkpoints !== undefined, turns });
  });

  app.get('/:id/turns/:turn/preview', async (c) => {
    const hosted = liveOr409(c);
    if (hosted instanceof Response) return hosted;
    const text = c.req.param('turn');
    const turns = hosted.session.turns();
    const turn = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!turns.some((item) => item.turn === turn)) {
      return problem(c, 404, 'no_turn', `no turn ${text.slice(0, 20)} in this session (GET /api/sessions/{id}/turns lists them)`);
    }
    // A snapshot while the turn writes files would race it on the checkpoint repository's index.
    if (hosted.session.busy) return problem(c, 409, 'session_busy', 'the session is working: preview a rewind once its turn has ended (or stop it)');
    return c.json(await previewOf(hosted, turns, turn));
  });

  return app;
}
