import { ConfigError, ProviderError, httpFetch, parseModelId, streamWithRetry } from '@ml-intern/core';
import { startFakeOpenAI, type OpenAIScriptStep } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { collect, userRequest } from './collect-stream.test-helper.js';
import { DEFAULT_MAX_RESPONSE_CHARS, createOpenAIModel, openAIModelFactory } from './index.js';
import { capEventBytes } from '@ml-intern/core';

const TRANSPORTS: [string, { fetch?: typeof globalThis.fetch }][] = [
  ['Node fetch', { fetch: globalThis.fetch }],
  ['core httpFetch', { fetch: httpFetch }],
];
const APIS = ['chat', 'responses'] as const;

describe.each(TRANSPORTS)('response cap over %s', (_transportName, transport) => {
  /** Play `step` (repeated, so a retry would get it again) through core's retry loop with `maxResponseChars`. */
  async function failure(step: OpenAIScriptStep, maxResponseChars: number, api: 'chat' | 'responses') {
    await using fake = await startFakeOpenAI({ steps: [step, step, step, step] });
    const model = createOpenAIModel({ ...transport, model: api === 'chat' ? 'gpt-4.1' : 'gpt-5', api, baseURL: fake.baseURL, apiKey: 'sk-test', maxResponseChars });
    const started = performance.now();
    const error = await collect(streamWithRetry(model, userRequest('write a lot'), { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    return { error, requests: fake.modelRequests.length, ms: performance.now() - started };
  }

  describe.each(APIS)('%s API', (api) => {
    test('stops reading a flood of text at the cap with a clear error, and does not ask again', async () => {
      // 1 MB in 10,000 frames, one every millisecond: reading it all would take over 10 s.
      const { error, requests, ms } = await failure({ text: 'A'.repeat(1_000_000), textChunks: 10_000, delayMs: 1 }, 5_000, api);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ errorType: 'response_too_large', isRetryable: false });
      expect((error as Error).message).toMatch(/more than 5,000 characters of text and tool arguments/);
      expect((error as Error).message).toContain('maxResponseChars');
      expect(requests).toBe(1);
      expect(ms).toBeLessThan(5_000);
    });

    test('counts tool-call arguments', async () => {
      const { error, requests } = await failure({ toolCalls: [{ name: 'write', arguments: { content: 'x'.repeat(200_000) }, chunks: 400 }] }, 10_000, api);
      expect(error).toMatchObject({ errorType: 'response_too_large', isRetryable: false });
      expect(requests).toBe(1);
    });

    test('bounds one enormous stream event before parsing it', async () => {
      const { error, requests } = await failure({ text: 'A'.repeat(2_000_000), textChunks: 1 }, 10_000, api);
      expect(error).toMatchObject({ errorType: 'response_too_large', isRetryable: false });
      expect((error as Error).message).toMatch(/bytes in one stream event/);
      expect(requests).toBe(1);
    });

    test('an answer under the cap is untouched', async () => {
      await using fake = await startFakeOpenAI({ steps: [{ text: 'B'.repeat(4_000) }] });
      const model = createOpenAIModel({ ...transport, model: 'gpt-5', api, baseURL: fake.baseURL, apiKey: 'sk-test', maxResponseChars: 5_000 });
      expect((await collect(model.stream(userRequest('hi')))).text).toBe('B'.repeat(4_000));
    });
  });

  test('the factory passes the cap to the models it builds', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'C'.repeat(50_000) }] });
    const factory = openAIModelFactory({ ...transport, env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL }, openAIApi: 'chat', maxResponseChars: 1_000 });
    const model = factory(parseModelId('openai/gpt-4.1'), { contextWindow: 100_000, maxOutputTokens: 8_192 });
    await expect(collect(model.stream(userRequest('hi')))).rejects.toMatchObject({ errorType: 'response_too_large' });
  });
});

test('the cap defaults to 4 Mi characters and must be positive', () => {
  expect(DEFAULT_MAX_RESPONSE_CHARS).toBe(4 * 1024 * 1024);
  expect(() => createOpenAIModel({ model: 'gpt-4.1', apiKey: 'k', maxResponseChars: 0 })).toThrow(ConfigError);
  expect(() => createOpenAIModel({ model: 'gpt-4.1', apiKey: 'k', maxResponseChars: -1 })).toThrow(ConfigError);
});

describe('capEventBytes', () => {
  /** Feed `text` in chunks of `size` bytes through the cap; resolves to the bytes passed or the error. */
  async function feed(text: string, size: number, maxBytes: number): Promise<number | Error> {
    const bytes = new TextEncoder().encode(text);
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < bytes.length; index += size) controller.enqueue(bytes.subarray(index, index + size));
        controller.close();
      },
    });
    const reader = capEventBytes(source, maxBytes, () => new Error('too big')).getReader();
    let passed = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return passed;
        passed += value.length;
      }
    } catch (error) {
      return error as Error;
    }
  }

  test.each([1, 2, 3, 5, 7, 64])('finds event ends split across chunks of %i bytes (LF and CRLF)', async (size) => {
    const event = `data: ${'x'.repeat(40)}`;
    for (const end of ['\n', '\r\n']) {
      const stream = `${event}${end}${end}`.repeat(50);
      // Each event is 46 bytes plus line ends; the whole stream is far more than the cap.
      expect(await feed(stream, size, 60)).toBe(new TextEncoder().encode(stream).length);
      expect(await feed(`${stream}data: ${'y'.repeat(100)}`, size, 60)).toBeInstanceOf(Error);
      // Line ends without a blank line do not end an event.
      expect(await feed(`${event}${end}`.repeat(5), size, 60)).toBeInstanceOf(Error);
    }
  });
});
