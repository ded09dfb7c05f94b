import type { Message, SessionRecord } from '@ml-intern/core';
import type { ClaudeCodeUsage, TranscriptMessageInfo } from './claude-code-jsonl.js';

/**
 * The message history rebuilt from session log records as they are appended (the same replay as
 * the session log reader: messages append, `replace` swaps the history, `truncate` drops the
 * tail), plus when each message arrived and which model call produced each assistant message.
 */
export class SessionTranscript {
  #messages: Message[] = [];
  #info: TranscriptMessageInfo[] = [];
  #lastCall: { model: string; usage: ClaudeCodeUsage } | undefined;
  #version = 0;

  get messages(): readonly Message[] {
    return this.#messages;
  }

  get info(): readonly TranscriptMessageInfo[] {
    return this.#info;
  }

  /** Grows with every change of the history, so an uploader can tell whether anything is new. */
  get version(): number {
    return this.#version;
  }

  apply(record: SessionRecord, now: Date = new Date()): void {
    switch (record.kind) {
      case 'message': {
        const info: TranscriptMessageInfo = { timestamp: now.toISOString() };
        if (record.message.role === 'assistant' && this.#lastCall) {
          info.model = this.#lastCall.model;
          info.usage = this.#lastCall.usage;
          this.#lastCall = undefined;
        }
        this.#messages.push(record.message);
        this.#info.push(info);
        break;
      }
      case 'event': {
        const event = record.event;
        if (event.type === 'llm_call') {
          this.#lastCall = {
            model: event.model,
            usage: {
              input_tokens: event.usage.input_tokens,
              output_tokens: event.usage.output_tokens,
              cache_read_input_tokens: event.usage.cached_input_tokens,
              cache_creation_input_tokens: event.usage.cache_creation_tokens,
            },
          };
        }
        return;
      }
      case 'replace':
        this.#replace(record.messages, now);
        break;
      case 'truncate': {
        const keep = Math.max(0, this.#messages.length - record.count);
        this.#messages = this.#messages.slice(0, keep);
        this.#info = this.#info.slice(0, keep);
        break;
      }
      default:
        return;
    }
    this.#version += 1;
  }

  /** Messages that survive a replacement (compaction keeps the recent turns) keep their details. */
  #replace(messages: readonly Message[], now: Date): void {
    const previous = new Map<string, TranscriptMessageInfo[]>();
    this.#messages.forEach((message, index) => {
      const key = JSON.stringify(message);
      const list = previous.get(key) ?? [];
      list.push(this.#info[index] ?? {});
      previous.set(key, list);
    });
    this.#messages = [...messages];
    this.#info = messages.map((message) => previous.get(JSON.stringify(message))?.shift() ?? { timestamp: now.toISOString() });
  }
}
