import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Message } from './messages.js';
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
}

/** Read a session log; corrupt lines are skipped with a warning, never thrown. */
export function readSessionLog(file: string): SessionLogContents {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const warnings: string[] = [];
  let header: SessionHeader | undefined;
  const records: SessionRecord[] = [];
  const last = lines.length - (lines.at(-1) === '' ? 2 : 1);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: LogLine;
    try {
      value = JSON.parse(line) as LogLine;
    } catch {
      warnings.push(
        index === last
          ? `${file}: the last line (${index + 1}) is incomplete (the previous run probably stopped while writing it); skipped it`
          : `${file}: line ${index + 1} is not valid JSON; skipped it`,
      );
      return;
    }
    if (value.kind === 'header') {
      const { kind: _kind, ...rest } = value;
      header ??= rest;
    } else if (value.kind === 'message' || value.kind === 'event' || value.kind === 'replace' || value.kind === 'truncate') {
      records.push(value);
    }
  });
  if (!header) throw new Error(`${file} is not an ml-intern session log (no header line)`);
  return { header, records, warnings };
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

export interface SessionSummary {
  id: string;
  file: string;
  model: string;
  cwd: string;
  startedAt: string;
  modifiedAt: Date;
  /** The first user message, shortened. */
  preview: string;
}

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

/** Append-only JSONL session logs in one directory (SPEC section 8). */
export class JsonlSessionStore implements SessionStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  pathFor(id: string): string {
    return path.join(this.dir, `${id}.jsonl`);
  }

  create(header: SessionHeader): SessionWriter {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.pathFor(header.id);
    const existed = existsSync(file) && statSync(file).size > 0;
    const fd = openSync(file, 'a', 0o600);
    const write = (line: LogLine) => {
      writeSync(fd, `${JSON.stringify(line)}\n`);
    };
    write(existed ? { kind: 'resumed', at: header.started_at } : { kind: 'header', ...header });
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
        }
      },
    };
  }

  /** Sessions newest first, with the first user message as preview. */
  list(): SessionSummary[] {
    if (!existsSync(this.dir)) return [];
    const summaries: SessionSummary[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.jsonl')) continue;
      const file = path.join(this.dir, name);
      try {
        const lines = readHead(file, 256 * 1024).split('\n');
        const header = JSON.parse(lines[0] ?? '') as LogLine;
        if (header.kind !== 'header') continue;
        let preview = '';
        for (const line of lines.slice(1)) {
          if (!line.includes('"role":"user"')) continue;
          try {
            const record = JSON.parse(line) as LogLine;
            if (record.kind === 'message' && record.message.role === 'user') {
              preview = record.message.content.replace(/\s+/g, ' ').slice(0, 80);
              break;
            }
          } catch {
            break;
          }
        }
        summaries.push({ id: header.id, file, model: header.model, cwd: header.cwd, startedAt: header.started_at, modifiedAt: statSync(file).mtime, preview });
      } catch {
        // Not a session log (or unreadable): leave it out of the list.
      }
    }
    return summaries.sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime());
  }

  /** Find a log by path, full id, unique id prefix, or `last`. */
  resolve(reference: string): string {
    if (reference.endsWith('.jsonl') || reference.includes(path.sep)) {
      if (!existsSync(reference)) throw new Error(`no session log at ${reference}`);
      return reference;
    }
    const sessions = this.list();
    if (reference === 'last' || reference === '--last') {
      const newest = sessions[0];
      if (!newest) throw new Error(`no saved sessions in ${this.dir}`);
      return newest.file;
    }
    const matches = sessions.filter((session) => session.id === reference || session.id.startsWith(reference));
    const exact = matches.find((session) => session.id === reference);
    if (exact) return exact.file;
    if (matches.length === 1 && matches[0]) return matches[0].file;
    if (matches.length > 1) throw new Error(`session id prefix "${reference}" is ambiguous: ${matches.map((session) => session.id).join(', ')}`);
    throw new Error(`no session matches "${reference}" in ${this.dir} (list them with: ml-intern sessions)`);
  }

  async load(reference: string): Promise<LoadedSession> {
    const file = this.resolve(reference);
    const { header, records, warnings } = readSessionLog(file);
    return { header, messages: replayHistory(records), warnings, location: file };
  }
}
