import { AbortError, ProviderError } from '@ml-intern/core';
import type { ModelStreamPart } from '@ml-intern/core';
import { AnthropicStreamMapper } from './anthropic-stream-mapper.js';
import { parseStreamEvent } from './parse-stream-event.js';
import { SseDecoder } from './sse-decoder.js';
import type { SseMessage } from './sse-decoder.js';
import { fromStreamErrorEvent } from './to-provider-error.js';

/** Nothing arrived for too long: treated like a dropped connection. */
function idleError(idleTimeoutMs: number, requestId: string | undefined): ProviderError {
  return new ProviderError(`Anthropic stream sent nothing for ${Math.round(idleTimeoutMs / 1000)} s; giving up on this answer`, {
    errorType: 'timeout',
    isRetryable: true,
    ...(requestId ? { requestId } : {}),
  });
}

/**
 * One read that fails after `ms` of silence. The clock only runs while waiting for the network, not
 * while the consumer is busy with what was already handed over.
 */
async function readWithin<T>(reader: ReadableStreamDefaultReader<T>, ms: number, error: () => Error): Promise<ReadableStreamReadResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Read a streaming Messages API response body into core stream parts. Everything one network read
 * delivers is decoded and mapped synchronously, and consecutive deltas from that read are handed
 * over as one part: a 20k-token answer costs a few hundred yields instead of thousands.
 * Throws a retryable ProviderError when the body ends before `message_stop` (a dropped stream),
 * the error frame's classification on `event: error`, AbortError once `signal` is aborted, and a
 * retryable `timeout` ProviderError when nothing (not even a `ping`) arrives for `idleTimeoutMs`.
 */
export async function* readModelStream(response: Response, signal?: AbortSignal, idleTimeoutMs = 0): AsyncGenerator<ModelStreamPart> {
  const requestId = response.headers.get('request-id') ?? undefined;
  if (!response.body) throw new ProviderError('Anthropic answered a streaming request without a body', { errorType: 'invalid_response', isRetryable: true });
  const reader = response.body.getReader();
  const text = new TextDecoder();
  const sse = new SseDecoder();
  const mapper = new AnthropicStreamMapper();
  const mapAll = (messages: SseMessage[]): ModelStreamPart[] => {
    const parts: ModelStreamPart[] = [];
    for (const message of messages) {
      if (message.event === 'ping' || message.data === '') continue;
      if (message.event === 'error') throw fromStreamErrorEvent(message.data, requestId);
      mapper.map(parseStreamEvent(message.data), parts);
    }
    // Parts already decoded must not outlive an abort.
    if (signal?.aborted) throw new AbortError();
    return parts;
  };
  let done = false;
  try {
    for (;;) {
      const chunk = idleTimeoutMs > 0 ? await readWithin(reader, idleTimeoutMs, () => idleError(idleTimeoutMs, requestId)) : await reader.read();
      if (chunk.done) break;
      for (const part of mapAll(sse.push(text.decode(chunk.value, { stream: true })))) yield part;
    }
    done = true;
    for (const part of mapAll(sse.end())) yield part;
  } finally {
    // The consumer stopped early or something failed: stop the download too.
    if (!done) await reader.cancel().catch(() => undefined);
  }
  if (mapper.finished) return;
  if (signal?.aborted) throw new AbortError();
  throw new ProviderError('Anthropic stream ended before message_stop (connection dropped)', {
    errorType: 'stream_incomplete',
    isRetryable: true,
    ...(requestId ? { requestId } : {}),
  });
}
