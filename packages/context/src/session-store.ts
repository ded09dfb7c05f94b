import { agentEventSchema, type AgentEvent, type PlanItem } from '@ml-intern/events';
import { z } from 'zod';
import type { AssistantPart, ImagePart, Message } from './messages.js';

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

// The log's schema: every line is checked against it when read back, so one line of the wrong
// shape is skipped with a warning instead of breaking the replay. Unknown extra fields are allowed
// (a newer version may add some); what replay and the providers rely on is required.

const assistantPartSchema: z.ZodType<AssistantPart> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('reasoning'), text: z.string(), signature: z.string().optional(), redacted: z.string().optional(), provider: z.string().optional() }),
  z.object({ type: z.literal('tool_call'), id: z.string(), name: z.string(), arguments: z.string() }),
]);

const imagePartSchema: z.ZodType<ImagePart> = z.object({
  type: z.literal('image'),
  mediaType: z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp']),
  data: z.string(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});

export const messageSchema: z.ZodType<Message> = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({ role: z.literal('user'), content: z.string(), images: z.array(imagePartSchema).optional() }),
  z.object({ role: z.literal('assistant'), content: z.array(assistantPartSchema) }),
  z.object({
    role: z.literal('tool'),
    toolCallId: z.string(),
    toolName: z.string(),
    content: z.string(),
    isError: z.boolean(),
    images: z.array(imagePartSchema).optional(),
    spillPath: z.string().optional(),
  }),
  z.object({
    role: z.literal('notice'),
    kind: z.enum(['loop_guard', 'truncation', 'interrupted', 'summary', 'max_iterations', 'info']),
    content: z.string(),
  }),
]);

export const sessionHeaderSchema: z.ZodType<SessionHeader> = z.object({
  id: z.string().min(1),
  model: z.string(),
  cwd: z.string(),
  started_at: z.string(),
  config_digest: z.string(),
  forked_from: z.string().optional(),
});

export const sessionRecordSchema: z.ZodType<SessionRecord> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), message: messageSchema }),
  z.object({ kind: z.literal('event'), event: agentEventSchema }),
  z.object({ kind: z.literal('replace'), messages: z.array(messageSchema) }),
  z.object({ kind: z.literal('truncate'), count: z.number().int().nonnegative() }),
]);

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
  /** The plan as the last `plan_update` left it (empty when the session never made one). */
  plan?: PlanItem[];
}

/** Where sessions are written and read back (JSONL on disk by default; uploads plug in here). */
export interface SessionStore {
  /**
   * Start writing a session's log. A session is written by one run at a time: when another live
   * process (or another session of this one) holds the log, this throws an error whose `code` is
   * `session_locked` (see `SessionLockedError`), and the caller forks a new session instead.
   */
  create(header: SessionHeader): SessionWriter;
  /** By id, id prefix, `last`, or path. */
  load(reference: string): Promise<LoadedSession>;
}
