import { AbortError, ProviderError, readServerSentEvents } from '@ml-intern/core';
import type { ModelStreamPart, ServerSentEvent } from '@ml-intern/core';
import { AnthropicStreamMapper } from './anthropic-stream-mapper.js';
import { parseStreamEvent } from './parse-stream-event.js';
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
  const mapper = new AnthropicStreamMapper();
  const mapAll = (messages: ServerSentEvent[]): ModelStreamPart[] => {
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
  const idle = idleTimeoutMs > 0 ? { ms: idleTimeoutMs, error: () => idleError(idleTimeoutMs, requestId) } : undefined;
  // Leaving this loop early (consumer stopped, mapping failed) cancels the download.
  for await (const messages of readServerSentEvents(response.body, idle)) {
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
