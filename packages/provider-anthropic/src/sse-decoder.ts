/** One Server-Sent Event: its `event:` name (null when absent) and its joined `data:` lines. */
export interface SseMessage {
  event: string | null;
  data: string;
}

const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const COLON = 58;
const SPACE = 32;

/**
 * Incremental Server-Sent Events decoder (WHATWG framing: `\n`, `\r\n` or `\r` line ends,
 * `event`/`data` fields, `:` comments, a blank line ends a message). It works on whole network
 * reads, by index rather than by line copies, so the caller can handle everything one read
 * delivered at once.
 */
export class SseDecoder {
  #buffer = '';
  #event: string | null = null;
  #data: string | null = null;
  #started = false;

  /** Decode one chunk of text; returns the messages it completed. */
  push(text: string): SseMessage[] {
    let input = this.#buffer === '' ? text : this.#buffer + text;
    if (!this.#started && input.length > 0) {
      this.#started = true;
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
    }
    const messages: SseMessage[] = [];
    let start = 0;
    if (!input.includes('\r')) {
      for (let end = input.indexOf('\n'); end !== -1; end = input.indexOf('\n', start)) {
        this.#line(input, start, end, messages);
        start = end + 1;
      }
    } else {
      const length = input.length;
      for (let index = 0; index < length; index += 1) {
        const code = input.charCodeAt(index);
        if (code !== LINE_FEED && code !== CARRIAGE_RETURN) continue;
        // A `\r` at the very end may be the first half of `\r\n`: wait for the next chunk.
        if (code === CARRIAGE_RETURN && index + 1 === length) break;
        this.#line(input, start, index, messages);
        if (code === CARRIAGE_RETURN && input.charCodeAt(index + 1) === LINE_FEED) index += 1;
        start = index + 1;
      }
    }
    this.#buffer = start === 0 ? input : input.slice(start);
    return messages;
  }

  /**
   * End of input. A final `\r` held back as a possible `\r\n` is a line end after all; a message
   * without its closing blank line is incomplete and is discarded, as the spec says.
   */
  end(): SseMessage[] {
    const messages = this.#buffer.endsWith('\r') ? this.push('\n') : [];
    this.#buffer = '';
    this.#event = null;
    this.#data = null;
    return messages;
  }

  /** Handle the line `input[start, end)`. */
  #line(input: string, start: number, end: number, messages: SseMessage[]): void {
    if (start === end) {
      if (this.#event !== null || this.#data !== null) messages.push({ event: this.#event, data: this.#data ?? '' });
      this.#event = null;
      this.#data = null;
      return;
    }
    if (input.charCodeAt(start) === COLON) return;
    let colon = input.indexOf(':', start);
    if (colon === -1 || colon > end) colon = end;
    const fieldLength = colon - start;
    const isData = fieldLength === 4 && input.startsWith('data', start);
    if (!isData && !(fieldLength === 5 && input.startsWith('event', start))) return;
    let valueStart = colon + 1;
    if (valueStart < end && input.charCodeAt(valueStart) === SPACE) valueStart += 1;
    const value = valueStart >= end ? '' : input.slice(valueStart, end);
    if (!isData) this.#event = value;
    else this.#data = this.#data === null ? value : `${this.#data}\n${value}`;
  }
}
