import type { AgentEvent } from '@ml-intern/events';
import type { Message } from './messages.js';

/** First line of a session log. */
export interface SessionHeader {
  id: string;
  model: string;
  cwd: string;
  started_at: string;
  /** Short hash of the effective config, to tell runs apart. */
  config_digest: string;
  /** Id of the session this one was forked from. */
  forked_from?: string;
}

/** One line of a session log after the header. Replaying them rebuilds the history. */
export type SessionRecord =
  | { kind: 'message'; message: Message }
  | { kind: 'event'; event: AgentEvent }
  /** The history was replaced (compaction): the new full history. */
  | { kind: 'replace'; messages: Message[] }
  /** The last `count` messages were removed (undo). */
  | { kind: 'truncate'; count: number };

export interface SessionWriter {
  /** Where the log lives (for messages to the user). */
  readonly location: string;
  /** Append one record; must be durable before returning or at least before the next call. */
  append(record: SessionRecord): void;
  close(): Promise<void>;
}

export interface LoadedSession {
  header: SessionHeader;
  messages: Message[];
  /** Problems met while reading (a corrupt last line…), for the user. */
  warnings: string[];
  location: string;
}

/** Where sessions are written and read back (JSONL on disk by default; uploads plug in here). */
export interface SessionStore {
  create(header: SessionHeader): SessionWriter;
  /** By id, id prefix, `last`, or path. */
  load(reference: string): Promise<LoadedSession>;
}
