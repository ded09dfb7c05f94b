import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { PlanItem } from '@ml-intern/events';
import type { Message } from './messages.js';
import { acquireSessionLock, lockHolder, type SessionLock, type SessionLockHolder } from './session-lock.js';
import { sessionHeaderSchema, sessionRecordSchema } from './session-store.js';
import type { LoadedSession, SessionHeader, SessionRecord, SessionStore, SessionWriter } from './session-store.js';

/** `$XDG_DATA_HOME/ml-intern/sessions`, default `~/.local/share/ml-intern/sessions`. */
export function defaultSessionDir(env: Record<string, string | undefined> = {}): string {
  const base = env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share');
  return path.join(base, 'ml-intern', 'sessions');
}

type LogLine = ({ kind: 'header' } & SessionHeader) | { kind: 'resumed'; at: string } | SessionRecord;

export interface SessionLogContents {
  header: SessionHeader;
  records: SessionRecord[];
  warnings: string[];
  /** True when the header line was damaged and the header was rebuilt from the file name and the records. */
  headerRecovered?: boolean;
}

/** Bad lines reported one by one; past this many, the rest are only counted. */
const MAX_LINE_WARNINGS = 10;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a parsed line is, for a warning: `a "replace" record`, `null`, `an array`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return typeof value.kind === 'string' ? `a "${value.kind.slice(0, 40)}" record` : 'an object without a "kind"';
  return `a ${typeof value}`;
}

function sessionIdFromFile(file: string): string {
  return path.basename(file).replace(/\.jsonl$/, '');
}

/** A JSON string field (`"model":"…"`) read out of a damaged line, when it is there in full. */
function stringField(text: string, name: string): string | undefined {
  const match = new RegExp(`"${name}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text);
  if (!match?.[1]) return undefined;
  try {
    const value = JSON.parse(match[1]) as unknown;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Rebuild a damaged header: the id from the file name (`<id>.jsonl`), the rest from what survives
 * of the header line, else from the first `session_started` event, else placeholders.
 */
function recoverHeader(file: string, damagedLine: string | undefined, records: readonly SessionRecord[], modifiedAt: () => Date): SessionHeader {
  const started = records.find((record) => record.kind === 'event' && record.event.type === 'session_started');
  const event = started?.kind === 'event' && started.event.type === 'session_started' ? started.event : undefined;
  const fromLine = (name: string) => (damagedLine === undefined ? undefined : stringField(damagedLine, name));
  const forkedFrom = fromLine('forked_from');
  return {
    id: sessionIdFromFile(file),
    model: fromLine('model') ?? event?.model ?? 'unknown',
    cwd: fromLine('cwd') ?? event?.cwd ?? '',
    started_at: fromLine('started_at') ?? event?.ts ?? modifiedAt().toISOString(),
    config_digest: fromLine('config_digest') ?? '',
    ...(forkedFrom === undefined ? {} : { forked_from: forkedFrom }),
  };
}

interface ParsedLines {
  header: SessionHeader | undefined;
  /** The first non-blank line when it was meant to be the header but is unreadable or of the wrong shape. */
  damagedHeader: string | undefined;
  /** 1-based number of the first non-blank line (where the header belongs). */
  headerLine: number;
  records: SessionRecord[];
  warnings: string[];
}

/**
 * Parse and validate log lines against the log's schema. Nothing throws: a line that is not JSON,
 * or JSON of the wrong shape, is skipped with a warning naming the file and the line.
 * `complete` is false when `lines` is only the head of the file (its last line may be cut short).
 */
function parseLines(file: string, lines: readonly string[], complete: boolean): ParsedLines {
  const warnings: string[] = [];
  let skipped = 0;
  const warn = (message: string) => {
    skipped += 1;
    if (skipped <= MAX_LINE_WARNINGS) warnings.push(message);
  };
  let header: SessionHeader | undefined;
  let damagedHeader: string | undefined;
  let first = true;
  let headerLine = 1;
  const records: SessionRecord[] = [];
  const last = lines.length - (lines.at(-1) === '' ? 2 : 1);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const isFirst = first;
    if (isFirst) headerLine = index + 1;
    first = false;
    const where = `${file}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (isFirst) damagedHeader = line;
      if (!complete && index === lines.length - 1) return;
      warn(
        index === last
          ? `${where}: the last line (${index + 1}) is incomplete (the previous run probably stopped while writing it); skipped it`
          : `${where}: not valid JSON; skipped the line`,
      );
      return;
    }
    const kind = isObject(value) ? value.kind : undefined;
    if (kind === 'header') {
      const { kind: _kind, ...rest } = value as Record<string, unknown>;
      const parsed = sessionHeaderSchema.safeParse(rest);
      if (parsed.success) {
        if (isFirst) header = rest as unknown as SessionHeader;
        // A header further down (two logs joined by hand) is not this session's: leave it.
        return;
      }
      if (isFirst) damagedHeader = line;
      warn(`${where}: a header that does not match the session log schema (${describeIssues(parsed.error)}); skipped the line`);
      return;
    }
    if (kind === 'resumed') return;
    const parsed = sessionRecordSchema.safeParse(value);
    if (parsed.success) {
      // Keep the line as written (fields a newer version added included); the schema vouched for it.
      records.push(value as SessionRecord);
      return;
    }
    if (isFirst) damagedHeader = line;
    warn(`${where}: ${describeValue(value)} that does not match the session log schema (${describeIssues(parsed.error)}); skipped the line`);
  });
  if (skipped > MAX_LINE_WARNINGS) warnings.push(`${file}: ${skipped - MAX_LINE_WARNINGS} more unreadable lines skipped`);
  return { header, damagedHeader, headerLine, records, warnings };
}

/**
 * Read a session log; corrupt lines are skipped with a warning, never thrown. Every line is
 * validated against the log's schema. A damaged header is rebuilt from the file name and the
 * records after it (with a warning); only a file with neither a header nor any readable record
 * is refused as not being a session log.
 */
export function readSessionLog(file: string): SessionLogContents {
  const text = readFileSync(file, 'utf8');
  const { header, damagedHeader, headerLine, records, warnings } = parseLines(file, text.split('\n'), true);
  if (header) return { header, records, warnings };
  if (records.length === 0 && !damagedHeader?.includes('"header"')) {
    throw new Error(`${file} is not an ml-intern session log (no header line and no readable record)`);
  }
  const recovered = recoverHeader(file, damagedHeader, records, () => statSync(file).mtime);
  warnings.unshift(
    `${file}:${headerLine}: the header line is missing or damaged; recovered session ${recovered.id} (model ${recovered.model}) from the file name and the ${records.length} records that follow`,
  );
  return { header: recovered, records, warnings, headerRecovered: true };
}

/** Rebuild the message history from log records. */
export function replayHistory(records: readonly SessionRecord[]): Message[] {
  let messages: Message[] = [];
  for (const record of records) {
    if (record.kind === 'message') messages.push(record.message);
    else if (record.kind === 'replace') messages = [...record.messages];
    else if (record.kind === 'truncate') messages = messages.slice(0, Math.max(0, messages.length - record.count));
  }
  return messages;
}

/** The plan as the last `plan_update` event in the records left it. */
export function lastPlan(records: readonly SessionRecord[]): PlanItem[] {
  for (let index = records.length - 1; index >= 0; index -= 1) {
    const record = records[index];
    if (record?.kind === 'event' && record.event.type === 'plan_update') return record.event.plan;
  }
  return [];
}

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

export interface SessionSummary {
  id: string;
  file: string;
  model: string;
  cwd: string;
  startedAt: string;
  modifiedAt: Date;
  /** The first user message, shortened. */
  preview: string;
  /** The header line was damaged; id, model and start come from the file name and the records. */
  recovered?: boolean;
}

/** A `.jsonl` file in the sessions directory that could not be read as a session. */
export interface SkippedSessionLog {
  file: string;
  modifiedAt: Date;
  reason: string;
}

export interface SessionScan {
  /** Newest first. */
  sessions: SessionSummary[];
  /** Files left out, newest first, with why. */
  skipped: SkippedSessionLog[];
}

/** Where a reference points, and what the user should be told about how it was found. */
export interface ResolvedSession {
  file: string;
  warnings: string[];
}

/** Bytes read from the start of each log to list it. */
const HEAD_BYTES = 256 * 1024;

function readHead(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
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

function previewOf(record: SessionRecord | undefined): string | undefined {
  if (record?.kind !== 'message' || record.message.role !== 'user') return undefined;
  return record.message.content.replace(/\s+/g, ' ').slice(0, 80);
}

/** The header line, when it is one of the right shape. */
function headerOf(line: string | undefined): SessionHeader | undefined {
  if (line === undefined) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (!isObject(value) || value.kind !== 'header') return undefined;
    const { kind: _kind, ...rest } = value;
    return sessionHeaderSchema.safeParse(rest).success ? (rest as unknown as SessionHeader) : undefined;
  } catch {
    return undefined;
  }
}

/** List one log from its first {@link HEAD_BYTES}: the header (rebuilt when damaged) and the first user message. */
function summarize(file: string, modifiedAt: Date): SessionSummary {
  const head = readHead(file, HEAD_BYTES);
  const complete = Buffer.byteLength(head, 'utf8') < HEAD_BYTES;
  const lines = head.split('\n');
  const firstIndex = lines.findIndex((line) => line.trim() !== '');
  let header = headerOf(lines[firstIndex]);
  let recovered = false;
  let preview: string | undefined;
  if (header) {
    // The common case stays cheap: only lines that may hold a user message are parsed.
    for (const line of lines.slice(firstIndex + 1)) {
      if (!line.includes('"role":"user"')) continue;
      try {
        const value = JSON.parse(line) as unknown;
        preview = sessionRecordSchema.safeParse(value).success ? previewOf(value as SessionRecord) : undefined;
      } catch {
        continue;
      }
      if (preview !== undefined) break;
    }
  } else {
    const { damagedHeader, records } = parseLines(file, lines, complete);
    if (records.length === 0 && !damagedHeader?.includes('"header"')) throw new Error('no header line and no readable record');
    header = recoverHeader(file, damagedHeader, records, () => modifiedAt);
    recovered = true;
    for (const record of records) {
      preview = previewOf(record);
      if (preview !== undefined) break;
    }
  }
  return {
    id: header.id,
    file,
    model: header.model,
    cwd: header.cwd,
    startedAt: header.started_at,
    modifiedAt,
    preview: preview ?? '',
    ...(recovered ? { recovered: true } : {}),
  };
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
