import { randomUUID } from 'node:crypto';
import { SessionLockedError, redactValue, type SessionStore, type SessionWriter } from '@ml-intern/context';
import { EventQueue, type AgentEvent, type EventPayload } from '@ml-intern/events';
import type { SessionOptions } from './session-options.js';

export type SessionLogRecord = Parameters<SessionWriter['append']>[0];

/** The session's options this reads (at each use, as the session did). */
export type SessionEventLogOptions = Pick<SessionOptions, 'firstSeq' | 'gateways' | 'redact'>;

/** What `open` asks the store for; `id` and `forkedFrom` change when the log is held by another run. */
export interface SessionLogHeader {
  id: string;
  model: string;
  cwd: string;
  configDigest: string;
  forkedFrom: string | undefined;
}

export interface OpenedSessionLog {
  id: string;
  forkedFrom: string | undefined;
  /** A notice to announce: the log was held by another run, so this one forked. */
  notice: string | undefined;
}

/**
 * A session's output: events stamped with id and seq (redacted), pushed to subscribers and
 * gateways, and kept in the JSONL session log (SPEC section 1).
 */
export class SessionEventLog {
  readonly #options: SessionEventLogOptions;
  readonly #sessionId: () => string;
  readonly #events = new EventQueue<AgentEvent>();
  #seq: number;
  #writer: SessionWriter | undefined;
  /** Whether this id's log was opened: its spill files are kept for a later resume. */
  #opened = false;
  /** Events since the operation in progress began (chunks included): the part of a turn the log does not hold yet. */
  #recentEvents: AgentEvent[] = [];
  /** Events of the running turn, for its `run()` outcome. */
  #turnEvents: AgentEvent[] | undefined;

  /** `sessionId`: the id the next event carries (it changes on `/new`, resume and a fork at start). */
  constructor(sessionId: () => string, options: SessionEventLogOptions) {
    this.#sessionId = sessionId;
    this.#options = options;
    this.#seq = options.firstSeq ?? 0;
  }

  get events(): EventQueue<AgentEvent> {
    return this.#events;
  }

  /** The seq the next event will carry. */
  get nextSeq(): number {
    return this.#seq;
  }

  get location(): string | undefined {
    return this.#writer?.location;
  }

  get opened(): boolean {
    return this.#opened;
  }

  get turnEvents(): AgentEvent[] | undefined {
    return this.#turnEvents;
  }

  set turnEvents(events: AgentEvent[] | undefined) {
    this.#turnEvents = events;
  }

  recentEvents(after: number): AgentEvent[] {
    return this.#recentEvents.filter((event) => event.seq > after);
  }

  /** The events before this operation are in the log now (a chunk's text is in its assistant_message). */
  beginOperation(): void {
    this.#recentEvents = [];
  }

  /**
   * Open this id's log. When another live run is writing it, fork: a new id whose header names the
   * old one in `forked_from`, and a notice to announce (returned). The old log is never touched.
   */
  open(store: SessionStore | undefined, header: SessionLogHeader): OpenedSessionLog {
    let { id, forkedFrom } = header;
    this.#opened = false;
    if (!store) return { id, forkedFrom, notice: undefined };
    let notice: string | undefined;
    for (;;) {
      try {
        this.#writer = store.create({
          id,
          model: header.model,
          cwd: header.cwd,
          started_at: new Date().toISOString(),
          config_digest: header.configDigest,
          ...(forkedFrom === undefined ? {} : { forked_from: forkedFrom }),
        });
        this.#opened = true;
        return { id, forkedFrom, notice };
      } catch (error) {
        if (SessionLockedError.isInstance(error) && notice === undefined) {
          const previous = id;
          id = randomUUID();
          forkedFrom = previous;
          notice = `${(error as Error).message}, so this run continues as a new session ${id} forked from it (the log of ${previous} is left to that run).`;
          continue;
        }
        this.#writer = undefined;
        queueMicrotask(() =>
          this.emit({ type: 'tool_log', level: 'error', message: `cannot write the session log: ${(error as Error).message}; continuing without saving` }),
        );
        return { id, forkedFrom, notice };
      }
    }
  }

  /** Stop writing this id's log (`/new`, resume): it closes in the background. */
  detach(): void {
    void this.#writer?.close();
    this.#writer = undefined;
  }

  async close(): Promise<void> {
    await this.#writer?.close();
    this.#writer = undefined;
  }

  log(record: SessionLogRecord): void {
    if (!this.#writer) return;
    try {
      this.#writer.append(this.#options.redact ? redactValue(record, this.#options.redact) : record);
    } catch (error) {
      const location = this.#writer.location;
      this.#writer = undefined;
      this.emit({ type: 'tool_log', level: 'error', message: `writing ${location} failed: ${(error as Error).message}; the session continues unsaved` });
    }
  }

  emit(payload: EventPayload): void {
    const raw = { ...payload, session_id: this.#sessionId(), seq: this.#seq++, ts: new Date().toISOString() } as AgentEvent;
    const event = this.#options.redact ? redactValue(raw, this.#options.redact) : raw;
    // Stream deltas are coalesced: the log keeps the final assistant_message, not one line per token.
    if (event.type !== 'assistant_chunk') this.log({ kind: 'event', event });
    this.#turnEvents?.push(event);
    this.#recentEvents.push(event);
    this.#events.push(event);
    for (const gateway of this.#options.gateways ?? []) {
      try {
        gateway.handle(event);
      } catch {
        // Gateways must not throw; if one does, the agent carries on regardless.
      }
    }
  }
}
