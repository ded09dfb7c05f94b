import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { PlanItem } from '@ml-intern/events';
import type { Message } from './messages.js';
import { sessionHeaderSchema, sessionRecordSchema } from './session-store.js';
import type { SessionHeader, SessionRecord } from './session-store.js';

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

export function isObject(value: unknown): value is Record<string, unknown> {
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
export function recoverHeader(file: string, damagedLine: string | undefined, records: readonly SessionRecord[], modifiedAt: () => Date): SessionHeader {
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
export function parseLines(file: string, lines: readonly string[], complete: boolean): ParsedLines {
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
