import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { acquireSessionLock, lockHolder, type SessionLock, type SessionLockHolder } from './session-lock.js';
import { lastPlan, readSessionLog, replayHistory } from './session-log-read.js';
import { summarize, type SessionScan, type SessionSummary, type SkippedSessionLog } from './session-log-scan.js';
import type { LoadedSession, SessionHeader, SessionRecord, SessionStore, SessionWriter } from './session-store.js';

export { lastPlan, readSessionLog, replayHistory } from './session-log-read.js';
export type { SessionLogContents } from './session-log-read.js';
export type { SessionScan, SessionSummary, SkippedSessionLog } from './session-log-scan.js';

/** `$XDG_DATA_HOME/ml-intern/sessions`, default `~/.local/share/ml-intern/sessions`. */
export function defaultSessionDir(env: Record<string, string | undefined> = {}): string {
  const base = env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share');
  return path.join(base, 'ml-intern', 'sessions');
}

type LogLine = ({ kind: 'header' } & SessionHeader) | { kind: 'resumed'; at: string } | SessionRecord;

/** What `prune` removed (or, with `dryRun`, would remove). */
export interface PruneResult {
  removed: { id: string; file: string; modifiedAt: Date; bytes: number }[];
  /** Old logs left alone because a live run is writing them. */
  inUse: { id: string; file: string; holder: SessionLockHolder }[];
  /** Bytes of logs, spill files and scratch freed. */
  bytes: number;
}

/** Bytes under a path (files and folders, links not followed). */
function sizeOf(target: string): number {
  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of readdirSync(target)) total += sizeOf(path.join(target, name));
  return total;
}

/** Where a reference points, and what the user should be told about how it was found. */
export interface ResolvedSession {
  file: string;
  warnings: string[];
}

/** True when the file is empty or its last byte is a newline. */
function endsAtLineStart(file: string, size: number): boolean {
  if (size === 0) return true;
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1);
    readSync(fd, buffer, 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Write all of `text`; `writeSync` may write only part of it. */
function writeFully(fd: number, text: string): void {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Append-only JSONL session logs in one directory (SPEC section 8). */
export class JsonlSessionStore implements SessionStore {
  readonly dir: string;
  /** Locks taken with {@link lock}, handed to the next {@link create} of that id. */
  readonly #reserved = new Map<string, SessionLock>();

  constructor(dir: string) {
    this.dir = dir;
  }

  pathFor(id: string): string {
    return path.join(this.dir, `${id}.jsonl`);
  }

  /** The lock file of a session (`<id>.lock`): pid, process start time and host of its writer. */
  lockPathFor(id: string): string {
    return path.join(this.dir, `${id}.lock`);
  }

  /** The live process writing session `id`, if any (a stale lock is removed on the way). */
  lockHolder(id: string): SessionLockHolder | undefined {
    return lockHolder(this.lockPathFor(id));
  }

  /**
   * Take the lock of session `id` now (throws `SessionLockedError` when a live run holds it); the
   * next {@link create} of that id in this store adopts it. Lets a caller refuse before starting.
   */
  lock(id: string): SessionLock {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const lock = acquireSessionLock(this.lockPathFor(id), id);
    this.#reserved.get(id)?.release();
    this.#reserved.set(id, lock);
    return lock;
  }

  /**
   * Start (or continue) writing a session's log. Only one writer at a time: the log's lock is
   * taken here and released by `close()`; when a live run holds it, this throws
   * `SessionLockedError` and nothing is written.
   */
  create(header: SessionHeader): SessionWriter {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const reserved = this.#reserved.get(header.id);
    this.#reserved.delete(header.id);
    const lock = reserved ?? acquireSessionLock(this.lockPathFor(header.id), header.id);
    try {
      return this.#open(header, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  #open(header: SessionHeader, lock: SessionLock): SessionWriter {
    const file = this.pathFor(header.id);
    const size = existsSync(file) ? statSync(file).size : 0;
    // A previous run that stopped mid-line (full disk, crash) left a partial last line: the next
    // record must start on a line of its own, not be glued onto it.
    let atLineStart = endsAtLineStart(file, size);
    const fd = openSync(file, 'a', 0o600);
    const write = (line: LogLine) => {
      const text = `${atLineStart ? '' : '\n'}${JSON.stringify(line)}\n`;
      // Stays false if the write fails part way, so the next record starts a new line.
      atLineStart = false;
      writeFully(fd, text);
      atLineStart = true;
    };
    try {
      write(size > 0 ? { kind: 'resumed', at: header.started_at } : { kind: 'header', ...header });
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    let open = true;
    return {
      location: file,
      append(record) {
        if (open) write(record);
      },
      async close() {
        if (!open) return;
        open = false;
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
          lock.release();
        }
      },
    };
  }

  /**
   * Remove session logs last written more than `olderThanMs` ago, with their data folders
   * (`<dataRoot>/<id>`: spill files and scratch; `dataRoot` defaults to this store's folder) and
   * stale lock files. A log a live run is writing is kept and reported in `inUse`. Data folders
   * and lock files without a log, older than the cutoff, go too.
   */
  prune(options: { olderThanMs: number; now?: number; dataRoot?: string; dryRun?: boolean }): PruneResult {
    const result: PruneResult = { removed: [], inUse: [], bytes: 0 };
    if (!existsSync(this.dir)) return result;
    const cutoff = (options.now ?? Date.now()) - options.olderThanMs;
    const dataRoot = options.dataRoot ?? this.dir;
    const remove = (target: string) => {
      result.bytes += sizeOf(target);
      if (!options.dryRun) rmSync(target, { recursive: true, force: true });
    };
    const names = readdirSync(this.dir);
    const logs = new Set(names.filter((name) => name.endsWith('.jsonl')).map((name) => name.slice(0, -'.jsonl'.length)));
    for (const id of logs) {
      const file = this.pathFor(id);
      let modifiedAt: Date;
      try {
        modifiedAt = statSync(file).mtime;
      } catch {
        continue;
      }
      if (modifiedAt.getTime() >= cutoff) continue;
      const holder = this.lockHolder(id);
      if (holder) {
        result.inUse.push({ id, file, holder });
        continue;
      }
      const bytes = sizeOf(file) + sizeOf(path.join(dataRoot, id));
      remove(file);
      remove(path.join(dataRoot, id));
      if (!options.dryRun) rmSync(this.lockPathFor(id), { force: true });
      result.removed.push({ id, file, modifiedAt, bytes });
    }
    // Leftovers of sessions whose log is gone (or was never written).
    const dataNames = dataRoot === this.dir ? names : existsSync(dataRoot) ? readdirSync(dataRoot) : [];
    for (const name of dataNames) {
      const target = path.join(dataRoot, name);
      if (logs.has(name) || name.endsWith('.jsonl')) continue;
      let stat;
      try {
        stat = lstatSync(target);
      } catch {
        continue;
      }
      if (stat.mtimeMs >= cutoff) continue;
      if (stat.isDirectory()) {
        if (this.lockHolder(name)) continue;
        remove(target);
      } else if (dataRoot === this.dir && name.endsWith('.lock') && !logs.has(name.slice(0, -'.lock'.length)) && !this.lockHolder(name.slice(0, -'.lock'.length))) {
        if (!options.dryRun) rmSync(target, { force: true });
      }
    }
    return result;
  }

  /**
   * Every `.jsonl` log, newest first, with the first user message as preview; a log whose header
   * is damaged is listed with a header rebuilt from its file name and records. Files that are not
   * session logs at all are returned in `skipped`, with the reason.
   */
  scan(): SessionScan {
    if (!existsSync(this.dir)) return { sessions: [], skipped: [] };
    const sessions: SessionSummary[] = [];
    const skipped: SkippedSessionLog[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.jsonl')) continue;
      const file = path.join(this.dir, name);
      let modifiedAt: Date;
      try {
        modifiedAt = statSync(file).mtime;
      } catch {
        continue; // Removed while listing.
      }
      try {
        sessions.push(summarize(file, modifiedAt));
      } catch (error) {
        skipped.push({ file, modifiedAt, reason: (error as Error).message });
      }
    }
    const newestFirst = (a: { modifiedAt: Date }, b: { modifiedAt: Date }) => b.modifiedAt.getTime() - a.modifiedAt.getTime();
    return { sessions: sessions.sort(newestFirst), skipped: skipped.sort(newestFirst) };
  }

  /** Sessions newest first, with the first user message as preview. */
  list(): SessionSummary[] {
    return this.scan().sessions;
  }

  /** Find a log by path, full id, unique id prefix, or `last`. */
  resolve(reference: string): string {
    return this.resolveWithWarnings(reference).file;
  }

  /**
   * {@link resolve}, plus what the user must be told: `last` never passes over a newer log
   * silently (one that could not be read is named, with why).
   */
  resolveWithWarnings(reference: string): ResolvedSession {
    if (reference.endsWith('.jsonl') || reference.includes(path.sep)) {
      if (!existsSync(reference)) throw new Error(`no session log at ${reference}`);
      return { file: reference, warnings: [] };
    }
    const { sessions, skipped } = this.scan();
    if (reference === 'last' || reference === '--last') {
      const newest = sessions[0];
      const passedOver = skipped.filter((log) => !newest || log.modifiedAt.getTime() >= newest.modifiedAt.getTime());
      const notes = passedOver.map((log) => `${log.file} is newer but could not be read as a session log (${log.reason}); it was not resumed`);
      if (!newest) throw new Error([`no saved sessions in ${this.dir}`, ...notes].join('; '));
      return { file: newest.file, warnings: notes };
    }
    const matches = sessions.filter((session) => session.id === reference || session.id.startsWith(reference));
    const exact = matches.find((session) => session.id === reference);
    if (exact) return { file: exact.file, warnings: [] };
    if (matches.length === 1 && matches[0]) return { file: matches[0].file, warnings: [] };
    if (matches.length > 1) throw new Error(`session id prefix "${reference}" is ambiguous: ${matches.map((session) => session.id).join(', ')}`);
    throw new Error(`no session matches "${reference}" in ${this.dir} (list them with: ml-intern sessions)`);
  }

  async load(reference: string): Promise<LoadedSession> {
    const { file, warnings: found } = this.resolveWithWarnings(reference);
    const { header, records, warnings } = readSessionLog(file);
    return { header, messages: replayHistory(records), warnings: [...found, ...warnings], location: file, plan: lastPlan(records) };
  }
}
