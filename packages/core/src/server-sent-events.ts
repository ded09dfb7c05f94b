import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';

/** One Server-Sent Events message: `event` (absent for data-only messages), `data` (multi-line data joined by `\n`), `id`. */
export type ServerSentEvent = EventSourceMessage;

/** Give up on a body that sends nothing for `ms` milliseconds, failing with `error()`. */
export interface IdleTimeout {
  ms: number;
  error: () => Error;
}

/**
 * One read that fails after `ms` of silence. Each read starts its own clock, so the time the
 * consumer spends on what was already handed over never counts as silence.
 */
async function readWithin<T>(reader: ReadableStreamDefaultReader<T>, idleTimeout: IdleTimeout | undefined): Promise<ReadableStreamReadResult<T>> {
  if (!idleTimeout) return reader.read();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(idleTimeout.error()), idleTimeout.ms);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Read a response body as Server-Sent Events, framed by `eventsource-parser`, one batch per
 * network read (so the caller can map and merge everything that arrived together). A message whose
 * closing blank line never came is dropped. Cancels the body when the consumer stops early, a read
 * fails or the body stays silent for `idleTimeout.ms`.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>, idleTimeout?: IdleTimeout): AsyncGenerator<ServerSentEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let batch: ServerSentEvent[] = [];
  const parser = createParser({ onEvent: (event) => batch.push(event) });
  let endsWithCarriageReturn = false;
  const feed = (text: string): void => {
    if (text === '') return;
    endsWithCarriageReturn = text.endsWith('\r');
    parser.feed(text);
  };
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, idleTimeout);
      if (done) break;
      feed(decoder.decode(value, { stream: true }));
      if (batch.length === 0) continue;
      const events = batch;
      batch = [];
      yield events;
    }
    finished = true;
    feed(decoder.decode());
    // The parser holds back a final `\r` as a possible half of `\r\n`; at the end it is a line end.
    if (endsWithCarriageReturn) parser.feed('\n');
    if (batch.length > 0) yield batch;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
