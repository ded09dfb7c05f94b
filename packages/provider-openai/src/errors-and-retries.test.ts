import net from 'node:net';
import { httpFetch, AbortError, ContextOverflowError, ProviderError, isAbortError, streamWithRetry, type RetryNotice } from '@ml-intern/core';
import { startFakeOpenAI, type OpenAIScriptStep } from '@ml-intern/testing';
import { describe, expect, test, vi } from 'vitest';
import { collect, userRequest } from './collect-stream.test-helper.js';
import { createOpenAIModel } from './index.js';

// Every case runs over Node's fetch and over core's node:http transport (what the apps use).
const TRANSPORTS: [string, { fetch?: typeof globalThis.fetch }][] = [
  ['Node fetch', { fetch: globalThis.fetch }],
  ['core httpFetch', { fetch: httpFetch }],
];

describe.each(TRANSPORTS)('over %s', (_transportName, transport) => {
  const FINAL = { text: 'Recovered answer.' };

  async function failureOf(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected the stream to fail');
      },
      (error: unknown) => error,
    );
  }

  /** Play `steps` through core's retry loop with tiny delays; returns the answer, the notices and the fake's request count. */
  async function withRetries(steps: OpenAIScriptStep[], api: 'chat' | 'responses' = 'chat') {
    await using fake = await startFakeOpenAI({ steps });
    const model = createOpenAIModel({ ...transport, model: api === 'chat' ? 'gpt-4.1' : 'gpt-5', api, baseURL: fake.baseURL, apiKey: 'sk-test' });
    const notices: RetryNotice[] = [];
    const answer = await collect(
      streamWithRetry(model, userRequest('hello'), { baseDelayMs: 1, maxDelayMs: 50, onRetry: (notice) => notices.push(notice) }),
    );
    return { answer, notices, requests: fake.modelRequests.length };
  }

  describe('error classification', () => {
    test('429 carries status, request id, error type and retry-after (seconds and ms)', async () => {
      await using fake = await startFakeOpenAI({
        steps: [{ failure: { kind: 'rate_limit', retryAfterSeconds: 7 } }, { failure: { kind: 'rate_limit', retryAfterMs: 1500, retryAfterSeconds: 2 } }],
      });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'sk-test' });
      const first = await failureOf(collect(model.stream(userRequest('a'))));
      expect(first).toBeInstanceOf(ProviderError);
      expect(first).toMatchObject({ status: 429, isRetryable: true, retryAfterMs: 7000, errorType: 'rate_limit_exceeded', requestId: 'req_fake_1' });
      expect((first as Error).message).toContain('OpenAI error 429');
      expect(await failureOf(collect(model.stream(userRequest('b'))))).toMatchObject({ retryAfterMs: 1500 });
      expect(fake.modelRequests).toHaveLength(2);
    });

    test('quota exhaustion (429 insufficient_quota) is not retryable', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ failure: { kind: 'rate_limit', code: 'insufficient_quota' } }] });
      const error = await failureOf(collect(createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k' }).stream(userRequest('a'))));
      expect(error).toMatchObject({ status: 429, isRetryable: false, errorType: 'insufficient_quota' });
    });

    test('context_length_exceeded becomes ContextOverflowError and is not retried', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ failure: { kind: 'context_length_exceeded' } }] });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k' });
      const error = await failureOf(collect(streamWithRetry(model, userRequest('huge'), { baseDelayMs: 1 })));
      expect(error).toBeInstanceOf(ContextOverflowError);
      expect(error).toMatchObject({ status: 400, errorType: 'context_length_exceeded', isRetryable: false });
      expect(fake.modelRequests).toHaveLength(1);
    });

    test('401 and other client errors are final', async () => {
      await using fake = await startFakeOpenAI({ apiKey: 'sk-right' });
      const error = await failureOf(collect(createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'sk-wrong' }).stream(userRequest('a'))));
      expect(error).toMatchObject({ status: 401, isRetryable: false, errorType: 'invalid_api_key' });
      expect((error as Error).message).not.toContain('sk-wrong');
    });

    test('an unreachable local server is a retryable connection error naming the address and the variable', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const model = createOpenAIModel({ ...transport,
        model: 'llama3.1',
        provider: 'ollama',
        baseURL: `http://127.0.0.1:${port}/v1`,
        apiKey: 'not-needed',
        connectionHint: 'Is Ollama running? Set OLLAMA_BASE_URL to its address.',
      });
      const error = await failureOf(collect(model.stream(userRequest('a'))));
      expect(error).toMatchObject({ isRetryable: true, errorType: 'connection_error' });
      expect((error as Error).message).toContain(`Ollama at http://127.0.0.1:${port}/v1`);
      expect((error as Error).message).toContain('OLLAMA_BASE_URL');
    });
  });

  describe('retries through core streamWithRetry', () => {
    test('honours retry-after on 429: the notice carries the server-given delay', async () => {
      const { answer, notices, requests } = await withRetries([{ failure: { kind: 'rate_limit', retryAfterMs: 25 } }, FINAL]);
      expect(answer.text).toBe('Recovered answer.');
      expect(requests).toBe(2);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ attempt: 2, delayMs: 25, midStream: false, error: { status: 429 } });
    });

    test.each([500, 502, 503])('retries HTTP %i and then succeeds', async (status) => {
      const { answer, notices, requests } = await withRetries([{ failure: { kind: 'server_error', status } }, FINAL]);
      expect(answer.text).toBe('Recovered answer.');
      expect(requests).toBe(2);
      expect(notices[0]?.error).toMatchObject({ status, errorType: 'server_error', isRetryable: true });
    });

    test('retries a mid-stream server_error chunk from the start, telling the consumer to reset', async () => {
      const { answer, notices, requests } = await withRetries([{ text: 'This will be discarded', failure: { kind: 'mid_stream_error', afterFrames: 4 } }, FINAL]);
      expect(notices[0]).toMatchObject({ midStream: true, error: { errorType: 'server_error', status: undefined, requestId: 'req_fake_1' } });
      expect(answer.parts.some((part) => part.type === 'reset')).toBe(true);
      expect(answer.text).toBe('Recovered answer.');
      expect(requests).toBe(2);
    });

    test('does not retry a mid-stream error of a non-transient type', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ text: 'abc', failure: { kind: 'mid_stream_error', errorType: 'invalid_request_error', code: 'invalid_value' } }] });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k' });
      const error = await failureOf(collect(streamWithRetry(model, userRequest('a'), { baseDelayMs: 1 })));
      expect(error).toMatchObject({ isRetryable: false, errorType: 'invalid_value' });
      expect(fake.modelRequests).toHaveLength(1);
    });

    test('retries a stream whose socket is cut midway', async () => {
      const { answer, notices } = await withRetries([{ text: 'Half of a long answer that never ends', failure: { kind: 'cut', afterFrames: 4 } }, FINAL]);
      expect(notices[0]).toMatchObject({ midStream: true, error: { errorType: 'connection_error', isRetryable: true } });
      expect(answer.text).toBe('Recovered answer.');
    });

    test('retries a stream that ends without finish_reason or [DONE]', async () => {
      const { answer, notices } = await withRetries([{ text: 'Dropped answer', failure: { kind: 'truncated' } }, FINAL]);
      expect(notices[0]).toMatchObject({ midStream: true, error: { errorType: 'stream_dropped', requestId: 'req_fake_1' } });
      expect(answer.text).toBe('Recovered answer.');
    });

    test('retries Responses failures (response.failed, cut stream) the same way', async () => {
      const { answer, notices, requests } = await withRetries(
        [{ failure: { kind: 'server_error', status: 503 } }, { text: 'abc def', failure: { kind: 'mid_stream_error', afterFrames: 4 } }, { text: 'xyz', failure: { kind: 'cut', afterFrames: 3 } }, FINAL],
        'responses',
      );
      expect(notices.map((notice) => notice.error.errorType)).toEqual(['server_error', 'server_error', 'connection_error']);
      expect(answer.text).toBe('Recovered answer.');
      expect(requests).toBe(4);
    });

    test('retries a stream that goes silent for longer than idleTimeoutMs', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ text: 'stalls after a few words', failure: { kind: 'hang', afterFrames: 3 } }, FINAL] });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k', idleTimeoutMs: 50 });
      const notices: RetryNotice[] = [];
      const answer = await collect(streamWithRetry(model, userRequest('a'), { baseDelayMs: 1, onRetry: (notice) => notices.push(notice) }));
      expect(notices[0]).toMatchObject({ midStream: true, error: { errorType: 'timeout', isRetryable: true, requestId: 'req_fake_1' } });
      expect(answer.text).toBe('Recovered answer.');
      await vi.waitFor(() => expect(fake.activeStreams).toBe(0));
    });

    test('does not count the time a slow consumer spends between parts as silence', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ text: 'Several reads of text.', textChunks: 6, delayMs: 2 }] });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k', idleTimeoutMs: 40 });
      let text = '';
      for await (const part of model.stream(userRequest('a'))) {
        if (part.type !== 'text-delta') continue;
        text += part.text;
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      expect(text).toBe('Several reads of text.');
    });

    test('gives up after maxAttempts with the last error', async () => {
      await using fake = await startFakeOpenAI({ steps: Array(5).fill({ failure: { kind: 'server_error' } }) });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k' });
      const error = await failureOf(collect(streamWithRetry(model, userRequest('a'), { baseDelayMs: 1, maxAttempts: 3 })));
      expect(error).toMatchObject({ status: 500 });
      expect(fake.modelRequests).toHaveLength(3);
    });
  });

  describe('abort', () => {
    test.each(['chat', 'responses'] as const)('%s: aborting mid-stream rejects with AbortError and closes the connection', async (api) => {
      // Four frames carry text on chat; Responses spends four on created/in_progress/item/part first.
      const afterFrames = api === 'chat' ? 4 : 8;
      await using fake = await startFakeOpenAI({ steps: [{ text: 'Streaming forever and ever', failure: { kind: 'hang', afterFrames } }] });
      const model = createOpenAIModel({ ...transport, model: api === 'chat' ? 'gpt-4.1' : 'gpt-5', baseURL: fake.baseURL, apiKey: 'k' });
      const controller = new AbortController();
      let text = '';
      const run = (async () => {
        for await (const part of streamWithRetry(model, userRequest('go'), { signal: controller.signal, baseDelayMs: 1 })) {
          if (part.type === 'text-delta') {
            text += part.text;
            controller.abort();
          }
        }
      })();
      const error = await failureOf(run);
      expect(isAbortError(error)).toBe(true);
      expect(error).toBeInstanceOf(AbortError);
      expect(text.length).toBeGreaterThan(0);
      await vi.waitFor(() => expect(fake.activeStreams).toBe(0));
      expect(fake.modelRequests).toHaveLength(1);
    });

    test('a consumer that stops reading early closes the connection', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ text: 'Streaming forever and ever', failure: { kind: 'hang', afterFrames: 3 } }] });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k' });
      for await (const part of model.stream(userRequest('go'))) {
        if (part.type === 'text-delta') break;
      }
      await vi.waitFor(() => expect(fake.activeStreams).toBe(0));
    });

    test('an already aborted signal sends nothing', async () => {
      await using fake = await startFakeOpenAI();
      const controller = new AbortController();
      controller.abort();
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k' });
      expect(await failureOf(collect(model.stream(userRequest('a'), { signal: controller.signal })))).toBeInstanceOf(AbortError);
      expect(fake.requests).toHaveLength(0);
    });

    test('aborting while waiting for the response headers rejects with AbortError', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ text: 'slow', delayMs: 5_000 }] });
      const model = createOpenAIModel({ ...transport, model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'k' });
      const controller = new AbortController();
      const pending = collect(model.stream(userRequest('a'), { signal: controller.signal }));
      await vi.waitFor(() => expect(fake.modelRequests).toHaveLength(1));
      controller.abort();
      expect(await failureOf(pending)).toBeInstanceOf(AbortError);
    });
  });
});
