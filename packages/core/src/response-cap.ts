import { ConfigError, ProviderError } from './errors.js';
import type { ModelStreamPart } from './model.js';

/**
 * The cap on one model response, shared by the providers: a model (or a server in front of it)
 * that streams without end must not exhaust memory or be retried.
 *
 * Default cap on one response: characters of text, reasoning and tool-call arguments together
 * (4 Mi characters: far beyond any real answer, far below what would exhaust memory).
 */
export const DEFAULT_MAX_RESPONSE_CHARS = 4 * 1024 * 1024;

/** Check a configured cap: a positive number (`Infinity` turns the cap off). */
export function checkMaxResponseChars(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_RESPONSE_CHARS;
  if (!(value > 0)) throw new ConfigError(`maxResponseChars must be a positive number of characters, not ${value}`, { keyPath: 'maxResponseChars' });
  return value;
}

/** Characters a part adds to the response. */
export function responseChars(part: ModelStreamPart): number {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
      return part.text.length;
    case 'tool-call-delta':
      return part.argumentsDelta.length;
    case 'reasoning':
      return part.redacted?.length ?? 0;
    default:
      return 0;
  }
}

/** The answer passed the cap: final (a retry would stream the same flood again). */
export function responseTooLargeError(label: string, maxChars: number, requestId: string | undefined, unit = 'characters of text and tool arguments'): ProviderError {
  const request = requestId ? ` (request ${requestId})` : '';
  return new ProviderError(
    `${label} sent an answer of more than ${maxChars.toLocaleString('en-US')} ${unit}, the cap for one response; stopped reading it and did not retry${request}. ` +
      'If answers this long are expected, raise `maxResponseChars` where the model is created.',
    { errorType: 'response_too_large', isRetryable: false, ...(requestId ? { requestId } : {}) },
  );
}

/**
 * Bytes one Server-Sent Event may take before it is complete: a single `data:` line is buffered
 * whole by the SSE parser, so it is bounded on the raw bytes, before any parsing. JSON escaping
 * can take six bytes per character (`\uXXXX`), plus room for the event's own fields.
 */
export function maxEventBytes(maxChars: number): number {
  return maxChars * 6 + 64 * 1024;
}

/**
 * Pass a response body through, failing with `error()` once one event (the bytes since the last
 * blank line) grows past `maxBytes`. Cancelling the result cancels the body. Event ends are found
 * with native searches from the end of each chunk, so the common chunk costs a few comparisons.
 */
export function capEventBytes(body: ReadableStream<Uint8Array>, maxBytes: number, error: () => Error): ReadableStream<Uint8Array> {
  if (!Number.isFinite(maxBytes)) return body;
  let pending = 0;
  // The last two bytes of the previous chunk, for a blank line split across chunks (-1: none).
  let previous = -1;
  let beforePrevious = -1;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const byteAt = (index: number): number => (index >= 0 ? (chunk[index] as number) : index === -1 ? previous : beforePrevious);
        // The line feed at `index` ends a blank line when the line before it ended right there
        // (`\n\n`, `\n\r\n`); bare `\r` line ends are not used by any provider.
        const endsEvent = (index: number): boolean => {
          let before = index - 1;
          if (byteAt(before) === 0x0d) before -= 1;
          return byteAt(before) === 0x0a;
        };
        let end = -1;
        for (let index = chunk.lastIndexOf(0x0a); index >= 0; index = index > 0 ? chunk.lastIndexOf(0x0a, index - 1) : -1) {
          if (endsEvent(index)) {
            end = index + 1;
            break;
          }
        }
        pending = end >= 0 ? chunk.length - end : pending + chunk.length;
        if (chunk.length >= 2) {
          previous = chunk[chunk.length - 1] as number;
          beforePrevious = chunk[chunk.length - 2] as number;
        } else if (chunk.length === 1) {
          beforePrevious = previous;
          previous = chunk[0] as number;
        }
        if (pending > maxBytes) throw error();
        controller.enqueue(chunk);
      },
    }),
  );
}
