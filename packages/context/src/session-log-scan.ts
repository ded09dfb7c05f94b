import { closeSync, openSync, readSync } from 'node:fs';
import { isObject, parseLines, recoverHeader } from './session-log-read.js';
import { sessionHeaderSchema, sessionRecordSchema } from './session-store.js';
import type { SessionHeader, SessionRecord } from './session-store.js';

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
export function summarize(file: string, modifiedAt: Date): SessionSummary {
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
