import { AbortError, ProviderError, readServerSentEvents } from '@ml-intern/core';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ModelStreamPart, ServerSentEvent } from '@ml-intern/core';
import { AnthropicStreamMapper } from './anthropic-stream-mapper.js';
import { parseStreamEvent } from './parse-stream-event.js';
import { capEventBytes, maxEventBytes, responseTooLargeError } from '@ml-intern/core';
import { fromStreamErrorEvent } from './to-provider-error.js';

/** Nothing arrived for too long: treated like a dropped connection. */
function idleError(idleTimeoutMs: number, requestId: string | undefined): ProviderError {
  return new ProviderError(`Anthropic stream sent nothing for ${Math.round(idleTimeoutMs / 1000)} s; giving up on this answer`, {
    errorType: 'timeout',
    isRetryable: true,
    ...(requestId ? { requestId } : {}),
  });
}

/** Characters of text, thinking and tool arguments an event adds to the answer (counted before mapping merges deltas). */
function eventChars(event: RawMessageStreamEvent): number {
  if (event.type === 'content_block_delta') {
    const delta = event.delta;
    if (delta.type === 'text_delta') return delta.text.length;
    if (delta.type === 'input_json_delta') return delta.partial_json.length;
    if (delta.type === 'thinking_delta') return delta.thinking.length;
    return 0;
  }
  if (event.type === 'content_block_start' && event.content_block.type === 'redacted_thinking') return event.content_block.data.length;
  return 0;
}

/** Limits on one response. */
export interface ReadLimits {
  /** Give up (retryably) after this long without a byte; 0 for never. */
  idleTimeoutMs?: number;
  /** Stop (finally) once text, reasoning and tool arguments pass this many characters. */
  maxResponseChars?: number;
}

/**
 * Read a streaming Messages API response body into core stream parts. Everything one network read
 * delivers is decoded and mapped synchronously, and consecutive deltas from that read are handed
 * over as one part: a 20k-token answer costs a few hundred yields instead of thousands.
 * Throws a retryable ProviderError when the body ends before `message_stop` (a dropped stream),
 * the error frame's classification on `event: error`, AbortError once `signal` is aborted, and a
 * retryable `timeout` ProviderError when nothing (not even a `ping`) arrives for `idleTimeoutMs`.
 * An answer longer than `maxResponseChars` (or one event too big to hold such an answer) stops
 * the download with a non-retryable `response_too_large` ProviderError.
 */
export async function* readModelStream(response: Response, signal?: AbortSignal, limits: ReadLimits = {}): AsyncGenerator<ModelStreamPart> {
  const { idleTimeoutMs = 0, maxResponseChars = Number.POSITIVE_INFINITY } = limits;
  const requestId = response.headers.get('request-id') ?? undefined;
  if (!response.body) throw new ProviderError('Anthropic answered a streaming request without a body', { errorType: 'invalid_response', isRetryable: true });
  const mapper = new AnthropicStreamMapper();
  let received = 0;
  const mapAll = (messages: ServerSentEvent[]): ModelStreamPart[] => {
    const parts: ModelStreamPart[] = [];
    for (const message of messages) {
      if (message.event === 'ping' || message.data === '') continue;
      if (message.event === 'error') throw fromStreamErrorEvent(message.data, requestId);
      const event = parseStreamEvent(message.data);
      received += eventChars(event);
      if (received > maxResponseChars) throw responseTooLargeError('Anthropic', maxResponseChars, requestId);
      mapper.map(event, parts);
    }
    // Parts already decoded must not outlive an abort.
    if (signal?.aborted) throw new AbortError();
    return parts;
  };
  const idle = idleTimeoutMs > 0 ? { ms: idleTimeoutMs, error: () => idleError(idleTimeoutMs, requestId) } : undefined;
  // Leaving this loop early (consumer stopped, mapping failed) cancels the download.
  const body = capEventBytes(response.body, maxEventBytes(maxResponseChars), () =>
    responseTooLargeError('Anthropic', maxEventBytes(maxResponseChars), requestId, 'bytes in one stream event'),
  );
  for await (const messages of readServerSentEvents(body, idle)) {
    for (const part of mapAll(messages)) yield part;
  }
  if (mapper.finished) return;
  if (signal?.aborted) throw new AbortError();
  throw new ProviderError('Anthropic stream ended before message_stop (connection dropped)', {
    errorType: 'stream_incomplete',
    isRetryable: true,
    ...(requestId ? { requestId } : {}),
  });
}
