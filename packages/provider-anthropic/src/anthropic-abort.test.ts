import { httpFetch, isAbortError, streamWithRetry } from '@ml-intern/core';
import type { ModelRequest, ModelStreamPart } from '@ml-intern/core';
import { anthropicScript, startFakeAnthropic } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { createAnthropicModel } from './index.js';

// Every case runs over Node's fetch and over core's node:http transport (what the apps use).
const TRANSPORTS: [string, { fetch?: typeof globalThis.fetch }][] = [
  ['Node fetch', { fetch: globalThis.fetch }],
  ['core httpFetch', { fetch: httpFetch }],
];

describe.each(TRANSPORTS)('over %s', (_transportName, transport) => {
  const request: ModelRequest = { system: 'System.', messages: [{ role: 'user', content: 'Write a long essay' }], tools: [] };
  const longText = 'This sentence is streamed slowly. '.repeat(200);

  describe('abort', () => {
    it('stops a slow stream at once and throws an abort error', async () => {
      await using fake = await startFakeAnthropic({ chunkSize: 10, script: [anthropicScript.text(longText, { delayMs: 5 })] });
      const model = createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
      const controller = new AbortController();
      const received: ModelStreamPart[] = [];
      const error = await (async () => {
        for await (const part of model.stream(request, { signal: controller.signal })) {
          received.push(part);
          if (received.length === 3) controller.abort();
        }
      })().catch((caught: unknown) => caught);

      expect(isAbortError(error)).toBe(true);
      expect(received).toHaveLength(3);
      expect(received.some((part) => part.type === 'finish')).toBe(false);
    });

    it('cancels a stream that has gone silent (the server would never end it)', async () => {
      await using fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'Started, then silence.' }], fail: { kind: 'stream-hang', afterFrames: 4 } }] });
      const model = createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
      const controller = new AbortController();
      const pending = (async () => {
        for await (const part of model.stream(request, { signal: controller.signal })) if (part.type === 'text-delta') controller.abort();
      })();
      await expect(pending).rejects.toSatisfy(isAbortError);
    });

    it('does not send a request when the signal is already aborted', async () => {
      await using fake = await startFakeAnthropic();
      const model = createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
      const iterator = model.stream(request, { signal: AbortSignal.abort() })[Symbol.asyncIterator]();
      await expect(iterator.next()).rejects.toSatisfy(isAbortError);
      expect(fake.requests).toHaveLength(0);
    });

    it('aborts a request still waiting for response headers', async () => {
      await using fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'late' }], fail: { kind: 'stream-hang', afterFrames: 0 } }] });
      const model = createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
      const controller = new AbortController();
      const iterator = model.stream(request, { signal: controller.signal })[Symbol.asyncIterator]();
      const next = iterator.next();
      while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      controller.abort();
      await expect(next).rejects.toSatisfy(isAbortError);
    });

    it('is not retried by streamWithRetry', async () => {
      await using fake = await startFakeAnthropic({ chunkSize: 10, script: [anthropicScript.text(longText, { delayMs: 5 }), anthropicScript.text('never')] });
      const model = createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
      const controller = new AbortController();
      const pending = (async () => {
        for await (const part of streamWithRetry(model, request, { signal: controller.signal, baseDelayMs: 1 })) if (part.type === 'text-delta') controller.abort();
      })();
      await expect(pending).rejects.toSatisfy(isAbortError);
      expect(fake.requests).toHaveLength(1);
    });
  });
});
