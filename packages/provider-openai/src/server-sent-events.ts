/** One Server-Sent Events message: its `event:` name (if any) and its `data:` lines joined. */
export interface ServerSentEvent {
  event: string | undefined;
  data: string;
}

/**
 * Incremental Server-Sent Events parser (WHATWG rules: `\n`, `\r\n` or `\r` line ends, `:` comment
 * lines, multi-line `data:`, a blank line dispatches). Messages without data are dropped; an
 * unfinished message at the end of the stream is never dispatched.
 */
export class ServerSentEventParser {
  #pending = '';
  #data: string[] = [];
  #event: string | undefined;
  /** The previous chunk ended in `\r`: a `\n` starting the next one belongs to that line end. */
  #afterCarriageReturn = false;

  /** Parse `text` (the next decoded piece of the body) and append the complete messages to `events`. */
  push(text: string, events: ServerSentEvent[]): void {
    let input = text;
    if (this.#afterCarriageReturn && input.startsWith('\n')) input = input.slice(1);
    this.#afterCarriageReturn = input.endsWith('\r');
    if (input.includes('\r')) input = input.replace(/\r\n?/g, '\n');
    input = this.#pending + input;
    let start = 0;
    for (let end = input.indexOf('\n', start); end !== -1; end = input.indexOf('\n', start)) {
      this.#line(input.slice(start, end), events);
      start = end + 1;
    }
    this.#pending = start === 0 ? input : input.slice(start);
  }

  #line(line: string, events: ServerSentEvent[]): void {
    if (line.startsWith('data: ')) {
      this.#data.push(line.slice(6));
      return;
    }
    if (line === '') {
      if (this.#data.length > 0) events.push({ event: this.#event, data: this.#data.length === 1 ? (this.#data[0] as string) : this.#data.join('\n') });
      this.#data = [];
      this.#event = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
  }
}

/** Give up on a body that sends nothing for `ms` milliseconds, failing with `error()`. */
export interface IdleTimeout {
  ms: number;
  error: () => Error;
}

/**
 * Read a response body as Server-Sent Events, one batch per network read (so callers can merge
 * what arrived together). Cancels the body when the consumer stops early or the body goes idle.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>, idleTimeout?: IdleTimeout): AsyncGenerator<ServerSentEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new ServerSentEventParser();
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle: Promise<never> | undefined;
  if (idleTimeout) {
    idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(idleTimeout.error()), idleTimeout.ms);
    });
    idle.catch(() => undefined);
  }
  try {
    for (;;) {
      timer?.refresh();
      const { done, value } = idle ? await Promise.race([reader.read(), idle]) : await reader.read();
      if (done) {
        finished = true;
        const events: ServerSentEvent[] = [];
        parser.push(decoder.decode(), events);
        if (events.length > 0) yield events;
        return;
      }
      const events: ServerSentEvent[] = [];
      parser.push(decoder.decode(value, { stream: true }), events);
      if (events.length > 0) yield events;
    }
  } finally {
    clearTimeout(timer);
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
