import { randomUUID } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who holds a session's lock: one process, named by pid and start time (pids are reused). */
export interface SessionLockHolder {
  pid: number;
  /** The process's start time as the OS records it (Linux: clock ticks since boot), when known. */
  start?: string;
  host: string;
  /** When the lock was taken (ISO time). */
  since: string;
  /** Unique per acquisition, so a process can tell its own lock from a predecessor's. */
  token: string;
}

/** The session's log is being written by another run (or another session of this process). */
export class SessionLockedError extends Error {
  readonly code = 'session_locked';
  readonly sessionId: string;
  readonly holder: SessionLockHolder | undefined;

  constructor(sessionId: string, holder: SessionLockHolder | undefined, sameProcess: boolean) {
    const who = sameProcess
      ? 'another session of this process'
      : holder
        ? `another ml-intern process (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, since ${holder.since})`
        : 'another ml-intern process';
    super(`session ${sessionId} is in use by ${who}`);
    this.name = 'SessionLockedError';
    this.sessionId = sessionId;
    this.holder = holder;
  }

  /** True for a SessionLockedError from any copy of this module. */
  static isInstance(error: unknown): error is SessionLockedError {
    return error instanceof SessionLockedError || (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'session_locked');
  }
}

/** A lock file that is still being written (or was left empty by a crash) counts as held this long. */
const UNREADABLE_GRACE_MS = 10_000;

/** The start time of a process as the OS records it; undefined where it cannot be read (not Linux). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): SessionLockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<SessionLockHolder>;
    if (typeof value.pid !== 'number' || typeof value.token !== 'string') return undefined;
    return { pid: value.pid, host: String(value.host ?? ''), since: String(value.since ?? ''), token: value.token, ...(typeof value.start === 'string' ? { start: value.start } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a holder's process is gone: on this host, its pid is not running, or runs a process
 * that started at another time (the pid was reused). A lock from another host is assumed live.
 */
function isStale(holder: SessionLockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return holder.start !== OWN_START || !held.has(holder.token);
  if (!isAlive(holder.pid)) return true;
  const start = processStartTime(holder.pid);
  return holder.start !== undefined && start !== undefined && start !== holder.start;
}

const OWN_START = processStartTime(process.pid);

/** Tokens of the locks this process holds, by token: the lock file they guard. */
const held = new Map<string, string>();
let exitHookInstalled = false;

function releaseAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [token, file] of held) removeIfOurs(file, token);
  });
}

function removeIfOurs(file: string, token: string): void {
  try {
    if (readHolder(file)?.token === token) unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/**
 * Remove a stale lock without removing a fresh one another process took in the meantime: move it
 * aside, check that what was moved is the stale lock that was read, put a fresh one back.
 */
function breakStaleLock(file: string, stale: SessionLockHolder | undefined): void {
  const aside = `${file}.stale-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // Someone else broke it first.
  }
  const moved = readHolder(aside);
  if (stale === undefined ? moved === undefined : moved?.token === stale.token) {
    unlinkSync(aside);
    return;
  }
  // A live lock was taken between the read and the rename: put it back (unless yet another appeared).
  try {
    linkSync(aside, file);
  } catch {
    // Leave it; the newest lock wins.
  }
  unlinkSync(aside);
}

/** A held lock; `release()` removes the lock file (only while it is still ours). */
export interface SessionLock {
  readonly file: string;
  readonly holder: SessionLockHolder;
  release(): void;
}

/** The live holder of a lock file, after removing it when stale; undefined when free. */
export function lockHolder(file: string): SessionLockHolder | undefined {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const holder = readHolder(file);
    if (holder && !isStale(holder)) return holder;
    if (!holder) {
      let age: number;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        return undefined; // No lock file.
      }
      if (age < UNREADABLE_GRACE_MS) return { pid: 0, host: hostname(), since: 'now', token: '' };
    }
    breakStaleLock(file, holder);
  }
  return readHolder(file);
}

/**
 * Take the lock of session `sessionId` (file `file`, created exclusively, holding pid, process
 * start time, host and a token). A stale lock (its process gone, or its pid reused) is broken;
 * a live one throws {@link SessionLockedError}.
 */
export function acquireSessionLock(file: string, sessionId: string): SessionLock {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const holder: SessionLockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID(), ...(OWN_START === undefined ? {} : { start: OWN_START }) };
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = lockHolder(file);
      if (current) throw new SessionLockedError(sessionId, current.pid === 0 ? undefined : current, current.pid === process.pid);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(holder));
    } finally {
      closeSync(fd);
    }
    held.set(holder.token, file);
    releaseAllOnExit();
    let released = false;
    return {
      file,
      holder,
      release() {
        if (released) return;
        released = true;
        held.delete(holder.token);
        removeIfOurs(file, holder.token);
      },
    };
  }
  throw new SessionLockedError(sessionId, readHolder(file), false);
}
