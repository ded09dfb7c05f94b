import { Writable } from 'node:stream';
import type { AgentEvent, EventPayload } from '@ml-intern/events';

/** A stream that keeps what was written, posing as a terminal or not. */
export class CaptureOutput extends Writable {
  text = '';
  readonly isTTY: boolean;
  readonly columns: number;

  constructor(options: { isTTY?: boolean; columns?: number } = {}) {
    super();
    this.isTTY = options.isTTY ?? false;
    this.columns = options.columns ?? 80;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** Events with the envelope a session adds (`session_id`, `seq`, `ts`). */
export function toEvents(...payloads: EventPayload[]): AgentEvent[] {
  return payloads.map((payload, seq) => ({ ...payload, session_id: 'test-session', seq, ts: '2026-11-26T00:00:00.000Z' }) as AgentEvent);
}
