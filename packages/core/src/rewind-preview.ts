import type { Checkpoint, CheckpointLocation, TurnRecord } from './workspace-checkpoints.js';

/** A file that differs between two checkpoints. */
export interface CheckpointChange {
  /** `A` added, `M` modified, `D` deleted, `T` type changed. */
  status: string;
  path: string;
}

/**
 * What showing a rewind needs of the checkpoint store: the files and the diff between two
 * snapshots. The sandbox package's `GitCheckpoints` has it; `/rewind` and the web app use it.
 */
export interface CheckpointHistory {
  /** Snapshot the workspace now (the state a preview diffs against). */
  snapshot(location: CheckpointLocation): Promise<Checkpoint>;
  /** Files that differ between two checkpoints (`to`: the later one). */
  changes(repository: string, from: string, to: string): Promise<CheckpointChange[]>;
  /** The unified diff between two checkpoints (`stat`: a summary per file instead), cut past `maxBytes`. */
  diff(repository: string, from: string, to: string, options?: { stat?: boolean; maxBytes?: number }): Promise<string>;
}

/** The files a turn changed: none when it took no checkpoint; undefined when unknown (still running, or the store failed). */
export async function turnChanges(turn: TurnRecord, history: CheckpointHistory): Promise<CheckpointChange[] | undefined> {
  if (!turn.before) return [];
  if (!turn.after) return undefined;
  return history.changes(turn.before.repository, turn.before.id, turn.after.id).catch(() => undefined);
}

/** What restoring the files to before a turn would do to the workspace as it is now. */
export type RewindPreview = { kind: 'unchanged'; note: string } | { kind: 'diff'; stat: string; patch: string; truncated: boolean };

export async function previewRewind(
  history: CheckpointHistory,
  location: CheckpointLocation,
  turns: readonly TurnRecord[],
  turn: number,
  maxChars: number,
): Promise<RewindPreview> {
  const target = turns.find((item) => item.turn >= turn && item.before)?.before;
  if (!target) return { kind: 'unchanged', note: 'No checkpoint since that turn: the files stay as they are.' };
  const already: RewindPreview = { kind: 'unchanged', note: 'The files are already as they were before that turn.' };
  const current = await history.snapshot(location);
  if (current.id === target.id) return already;
  const stat = await history.diff(target.repository, current.id, target.id, { stat: true });
  // After a restore the current snapshot is a new commit with the same files.
  if (stat.trim() === '') return already;
  const patch = await history.diff(target.repository, current.id, target.id, { maxBytes: maxChars });
  return { kind: 'diff', stat, patch, truncated: patch.length > maxChars };
}
