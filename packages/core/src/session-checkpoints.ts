import type { History, Message } from '@ml-intern/context';
import type { EventPayload } from '@ml-intern/events';
import { MlInternError } from './errors.js';
import { isReadOnlyCall } from './tool.js';
import type { PreparedCall, ToolRunResult } from './tool-router.js';
import { TurnLedger, type Checkpoint, type CheckpointLocation, type TurnRecord, type WorkspaceCheckpoints } from './workspace-checkpoints.js';

/** Tools that change nothing outside the session itself (the plan is part of the conversation). */
const SESSION_ONLY_TOOLS = new Set(['plan_tool']);

export interface SessionCheckpointsHost {
  checkpoints: WorkspaceCheckpoints | undefined;
  location(): CheckpointLocation;
  emit(payload: EventPayload): void;
}

export interface RewindRequest {
  turn: number;
  code: boolean;
  conversation: boolean;
}

/**
 * A session's turns, the workspace checkpoints taken in them and their effects outside the
 * workspace; and `rewind`, which restores files through the injected checkpoint store and
 * truncates the history.
 */
export class SessionCheckpoints {
  readonly #host: SessionCheckpointsHost;
  #ledger: TurnLedger;
  /** Snapshots run one at a time (parallel calls of a batch share the order). */
  #queue: Promise<unknown> = Promise.resolve();
  #disabled: string | undefined;

  constructor(host: SessionCheckpointsHost, history: readonly Message[]) {
    this.#host = host;
    this.#ledger = new TurnLedger(history.filter((message) => message.role === 'user').length + 1);
  }

  /** A new session id (`/new`, resume): its turns start over. */
  reset(history: readonly Message[]): void {
    this.#ledger = new TurnLedger(history.filter((message) => message.role === 'user').length + 1);
  }

  beginTurn(message: Message): number {
    return this.#ledger.begin(message);
  }

  turns(history: readonly Message[]): TurnRecord[] {
    return this.#ledger.list(history);
  }

  /** Before an approved call runs: snapshot the workspace when the call may change it. */
  async beforeRun(prepared: PreparedCall): Promise<void> {
    const store = this.#host.checkpoints;
    const turn = this.#ledger.current;
    if (!store || turn === undefined || this.#disabled !== undefined) return;
    if (isReadOnlyCall(prepared.tool, prepared.input) || !store.changesWorkspace(prepared.call.name, prepared.input)) return;
    const checkpoint = await this.#snapshot();
    if (!checkpoint) return;
    this.#ledger.noteCheckpoint(turn, checkpoint, 'before');
    this.#host.emit({ type: 'checkpoint', turn, reason: 'before_change', commit: checkpoint.id, repository: checkpoint.repository, tool_call_id: prepared.call.id, tool: prepared.call.name });
  }

  /** After an approved call ran: a call that may change things and is not a workspace tool had a remote effect. */
  afterRun(prepared: PreparedCall, summary: string, result: ToolRunResult): void {
    const turn = this.#ledger.current;
    if (turn === undefined || SESSION_ONLY_TOOLS.has(prepared.call.name) || isReadOnlyCall(prepared.tool, prepared.input)) return;
    if (this.#host.checkpoints?.changesWorkspace(prepared.call.name, prepared.input)) return;
    this.#ledger.noteRemoteEffect(turn, { toolCallId: prepared.call.id, tool: prepared.call.name, summary, failed: result.isError });
    this.#host.emit({ type: 'remote_effect', turn, tool_call_id: prepared.call.id, tool: prepared.call.name, summary, failed: result.isError });
  }

  /** When a turn that changed files ends: snapshot what it left, so the turn's changes can be shown. */
  async endTurn(): Promise<void> {
    const turn = this.#ledger.current;
    if (turn === undefined || !this.#ledger.changedFiles(turn)) return;
    const checkpoint = await this.#snapshot();
    if (!checkpoint) return;
    this.#ledger.noteCheckpoint(turn, checkpoint, 'after');
    this.#host.emit({ type: 'checkpoint', turn, reason: 'turn_end', commit: checkpoint.id, repository: checkpoint.repository, tool_call_id: null, tool: null });
  }

  async #snapshot(): Promise<Checkpoint | undefined> {
    const store = this.#host.checkpoints;
    if (!store || this.#disabled !== undefined) return undefined;
    const run = this.#queue.then(() => store.snapshot(this.#host.location()));
    this.#queue = run.catch(() => {});
    try {
      return await run;
    } catch (error) {
      // A workspace that cannot be snapshotted never stops the work; the user is told once.
      this.#disabled = (error as Error).message ?? String(error);
      this.#host.emit({ type: 'tool_log', level: 'warn', message: `Checkpoints are off for the rest of this session (so /rewind cannot restore files): ${this.#disabled}` });
      return undefined;
    }
  }

  /**
   * Go back to before `turn`: restore the files of its checkpoint (the current state is
   * snapshotted first, so the rewind itself can be undone), truncate the history, and tell the
   * model which effects outside the workspace remain.
   */
  async rewind(request: RewindRequest, history: History, log: { truncate(count: number): void; append(message: Message): void }): Promise<void> {
    const { turn } = request;
    if (!request.code && !request.conversation) throw new MlInternError('rewind_failed', 'a rewind restores the code, the conversation or both; neither was asked for');
    const message = this.#ledger.messageOf(turn);
    if (!message) throw new MlInternError('rewind_failed', `turn ${turn} is not one of this session's turns (the list of /rewind shows them)`);
    const index = history.messages.indexOf(message);
    if (request.conversation && index < 0) {
      throw new MlInternError('rewind_failed', `the conversation of turn ${turn} is no longer in the history (it was compacted or undone); rewind the code only`);
    }
    let files: string[] = [];
    if (request.code) {
      const store = this.#host.checkpoints;
      if (!store) throw new MlInternError('rewind_failed', 'this session takes no checkpoints of its workspace, so its files cannot be rewound');
      const target = this.#ledger.checkpointBefore(turn);
      if (target) {
        const current = await this.#snapshot();
        if (current) {
          this.#host.emit({ type: 'checkpoint', turn: this.#ledger.current ?? turn, reason: 'rewind', commit: current.id, repository: current.repository, tool_call_id: null, tool: null });
        }
        const location = this.#host.location();
        const restoring = this.#queue.then(() => store.restore(location, target));
        this.#queue = restoring.catch(() => {});
        try {
          files = (await restoring).files;
        } catch (error) {
          throw new MlInternError('rewind_failed', `could not restore the files of turn ${turn}: ${(error as Error).message}; the conversation was left as it was`);
        }
      }
    }
    const effects = this.#ledger.remoteEffectsFrom(turn);
    let removed = 0;
    if (request.conversation) {
      removed = history.length - index;
      history.splice(index, history.length, []);
      log.truncate(removed);
      this.#ledger.dropFrom(turn);
    }
    log.append({ role: 'notice', kind: 'info', content: rewindNotice(request, files, effects) });
    this.#host.emit({
      type: 'rewind_complete',
      turn,
      code: request.code,
      conversation: request.conversation,
      files_restored: files,
      messages_removed: removed,
      remote_effects: effects.map(({ turn: at, effect }) => ({ turn: at, tool: effect.tool, summary: effect.summary })),
    });
  }
}

function rewindNotice(request: RewindRequest, files: readonly string[], effects: ReturnType<TurnLedger['remoteEffectsFrom']>): string {
  const what = request.code && request.conversation ? 'the conversation and the workspace files' : request.code ? 'the workspace files (the conversation continues)' : 'the conversation (the workspace files were left as they are)';
  const lines = [`The user rewound ${what} to before turn ${request.turn}.`];
  if (request.code) {
    lines.push(files.length === 0 ? 'No file had to change.' : `Files restored: ${files.slice(0, 30).join(', ')}${files.length > 30 ? `, and ${files.length - 30} more` : ''}. Read a file again before editing it.`);
  }
  if (effects.length > 0) {
    lines.push('These effects outside the workspace could not be undone and still exist:');
    for (const { turn, effect } of effects) lines.push(`- turn ${turn}: ${effect.tool}: ${effect.summary}${effect.failed ? ' (the call failed; it may still have done part of its work)' : ''}`);
  }
  return lines.join('\n');
}
