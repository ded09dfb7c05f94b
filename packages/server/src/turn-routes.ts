import { previewRewind, turnChanges, type CheckpointChange, type TurnRecord } from '@ml-intern/core';
import { Hono, type Context } from 'hono';
import { problem } from './problem.js';
import type { GuardVariables } from './request-guard.js';
import type { SessionHub } from './session-hub.js';
import type { HostedSession } from './server-types.js';

/** The most of a preview's patch sent to the browser. */
export const PREVIEW_MAX_CHARS = 65_536;

type Env = { Variables: GuardVariables };

/** One row of `GET /api/sessions/{id}/turns`. */
export interface TurnView {
  turn: number;
  input: string;
  in_conversation: boolean;
  /** What the turn changed in the workspace; null when that is not known (no checkpoints, the turn still running). */
  changes: CheckpointChange[] | null;
  remote_effects: { tool: string; summary: string; failed: boolean }[];
}

/** The preview of restoring the files to before `turn`: the diff it would apply to the workspace as it is now. */
async function previewOf(hosted: HostedSession, turns: readonly TurnRecord[], turn: number) {
  const empty = { stat: '', patch: '', truncated: false };
  const { checkpoints, session } = hosted;
  if (!checkpoints) return { ...empty, note: 'Files are not checkpointed in this session (a remote sandbox): only the conversation can be rewound.' };
  const preview = await previewRewind(checkpoints, session.checkpointLocation, turns, turn, PREVIEW_MAX_CHARS);
  return preview.kind === 'unchanged' ? { ...empty, note: preview.note } : { stat: preview.stat, patch: preview.patch, truncated: preview.truncated };
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
        changes: hosted.checkpoints ? ((await turnChanges(turn, hosted.checkpoints)) ?? null) : null,
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
