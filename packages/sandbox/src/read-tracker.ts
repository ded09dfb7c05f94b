import { createHash } from 'node:crypto';

/** Whether a file may be overwritten: read in this session and unchanged since. */
export type WriteCheck = { ok: true } | { ok: false; reason: 'unread' | 'changed' };

/**
 * Per-session memory of the files the model has seen, by content hash, so `write` and `edit`
 * never clobber a file the model has not read or that changed since it was read. One tracker
 * per session (or sandbox tool set); never shared globally.
 */
export interface ReadTracker {
  /** Remember the content the model saw (after `read`) or produced (after `write`/`edit`). */
  record(path: string, content: Uint8Array | string): void;
  check(path: string, currentContent: Uint8Array | string): WriteCheck;
  /** Run `task` with no other write or edit of `path` in between (parallel tool calls). */
  exclusive<T>(path: string, task: () => Promise<T>): Promise<T>;
}

function hashOf(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** A fresh tracker for one session. */
export function createReadTracker(): ReadTracker {
  const hashes = new Map<string, string>();
  const queues = new Map<string, Promise<unknown>>();
  return {
    record(path, content) {
      hashes.set(path, hashOf(content));
    },
    check(path, currentContent) {
      const known = hashes.get(path);
      if (known === undefined) return { ok: false, reason: 'unread' };
      return known === hashOf(currentContent) ? { ok: true } : { ok: false, reason: 'changed' };
    },
    exclusive(path, task) {
      const previous = queues.get(path) ?? Promise.resolve();
      const run = previous.then(task, task);
      const settled = run.catch(() => undefined);
      queues.set(path, settled);
      void settled.then(() => {
        if (queues.get(path) === settled) queues.delete(path);
      });
      return run;
    },
  };
}
