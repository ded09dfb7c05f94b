import type { Message } from '@ml-intern/context';

/** Where a session's workspace and its checkpoints live. */
export interface CheckpointLocation {
  /** The workspace that is snapshotted and restored. */
  cwd: string;
  /** The session's data folder; the checkpoint store keeps its repository under it. */
  dataDir: string;
}

/** One snapshot of the workspace. */
export interface Checkpoint {
  /** What identifies the snapshot in its repository (a commit id). */
  id: string;
  /** Where the snapshot is stored (outside the workspace). */
  repository: string;
}

/**
 * Snapshots of the workspace before approved changes, and restoring them (`rewind`). Core holds
 * no git or process code: the app injects an implementation (the sandbox package's
 * `createGitCheckpoints`), as it injects the sandbox.
 */
export interface WorkspaceCheckpoints {
  /** Whether a call may change files in the workspace, so a snapshot is taken before it runs. */
  changesWorkspace(tool: string, input: Record<string, unknown>): boolean;
  /** Snapshot the workspace now; a workspace unchanged since the last snapshot gives that one again. */
  snapshot(location: CheckpointLocation): Promise<Checkpoint>;
  /** Make the workspace's files what they were at `checkpoint`; returns the paths it changed. */
  restore(location: CheckpointLocation, checkpoint: Checkpoint): Promise<{ files: string[] }>;
}

/** A call of a turn that changed something outside the workspace (a rewind cannot undo it). */
export interface RemoteEffect {
  toolCallId: string;
  tool: string;
  summary: string;
  failed: boolean;
}

/** What a session remembers of one of its turns, for `/rewind`. */
export interface TurnRecord {
  /** 1-based, in the order the turns ran. */
  turn: number;
  /** The user's message, shortened. */
  input: string;
  /** The workspace before the turn's first change; absent when the turn changed nothing. */
  before?: Checkpoint;
  /** The workspace when the turn ended (after its changes). */
  after?: Checkpoint;
  remoteEffects: RemoteEffect[];
  /** Whether the turn's message is still in the history (compaction and undo remove it). */
  inConversation: boolean;
}

interface LedgerEntry extends Omit<TurnRecord, 'inConversation'> {
  message: Message;
}

/** The turns of a session, with their checkpoints and remote effects. */
export class TurnLedger {
  readonly #entries: LedgerEntry[] = [];
  #next: number;

  /** `firstTurn`: the number of the next turn (a resumed history continues the count). */
  constructor(firstTurn = 1) {
    this.#next = firstTurn;
  }

  begin(message: Message): number {
    const text = typeof message.content === 'string' ? message.content : '';
    const turn = this.#next++;
    this.#entries.push({ turn, input: text.replace(/\s+/g, ' ').trim().slice(0, 80), message, remoteEffects: [] });
    return turn;
  }

  get current(): number | undefined {
    return this.#entries.at(-1)?.turn;
  }

  #entry(turn: number): LedgerEntry | undefined {
    return this.#entries.find((entry) => entry.turn === turn);
  }

  /** Record a snapshot for a turn: the first one is its "before", the latest its "after". */
  noteCheckpoint(turn: number, checkpoint: Checkpoint, kind: 'before' | 'after'): void {
    const entry = this.#entry(turn);
    if (!entry) return;
    if (kind === 'before') entry.before ??= checkpoint;
    else entry.after = checkpoint;
  }

  noteRemoteEffect(turn: number, effect: RemoteEffect): void {
    this.#entry(turn)?.remoteEffects.push(effect);
  }

  /** Whether this turn took a "before" snapshot (so it needs an "after" one when it ends). */
  changedFiles(turn: number): boolean {
    return this.#entry(turn)?.before !== undefined;
  }

  list(history: readonly Message[]): TurnRecord[] {
    const present = new Set(history);
    return this.#entries.map(({ message, ...rest }) => ({ ...rest, remoteEffects: [...rest.remoteEffects], inConversation: present.has(message) }));
  }

  /** The user message that started a turn. */
  messageOf(turn: number): Message | undefined {
    return this.#entry(turn)?.message;
  }

  /** The workspace as it was before `turn`: the first "before" snapshot of it or a later turn. */
  checkpointBefore(turn: number): Checkpoint | undefined {
    return this.#entries.find((entry) => entry.turn >= turn && entry.before)?.before;
  }

  /** Remote effects of `turn` and the turns after it. */
  remoteEffectsFrom(turn: number): { turn: number; effect: RemoteEffect }[] {
    return this.#entries.filter((entry) => entry.turn >= turn).flatMap((entry) => entry.remoteEffects.map((effect) => ({ turn: entry.turn, effect })));
  }

  /** Forget `turn` and the turns after it (their conversation was rewound): the next turn takes its number. */
  dropFrom(turn: number): void {
    const index = this.#entries.findIndex((entry) => entry.turn >= turn);
    if (index < 0) return;
    this.#entries.splice(index);
    this.#next = turn;
  }
}
