import { httpFetch, ContextOverflowError, ProviderError, backoffDelay, streamWithRetry } from '@ml-intern/core';
import type { LanguageModel, ModelRequest, RetryNotice } from '@ml-intern/core';
import { anthropicScript, startFakeAnthropic } from '@ml-intern/testing';
import type { AnthropicScriptStep, FakeAnthropic } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { createAnthropicModel } from './index.js';

// Every case runs over Node's fetch and over core's node:http transport (what the apps use).
const TRANSPORTS: [string, { fetch?: typeof globalThis.fetch }][] = [
  ['Node fetch', { fetch: globalThis.fetch }],
  ['core httpFetch', { fetch: httpFetch }],
];

describe.each(TRANSPORTS)('over %s', (_transportName, transport) => {
  const request: ModelRequest = { system: 'System.', messages: [{ role: 'user', content: 'Hello' }], tools: [] };

  function modelFor(fake: FakeAnthropic, apiKey = 'sk-ant-test'): LanguageModel {
    return createAnthropicModel({ ...transport, model: 'claude-test', apiKey, baseURL: fake.url });
  }

  async function failureOf(step: AnthropicScriptStep): Promise<ProviderError> {
    await using fake = await startFakeAnthropic({ script: [step] });
    const error = await collectTurn(modelFor(fake).stream(request)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }

  function http(status: number, errorType: string, extra: Partial<Extract<NonNullable<AnthropicScriptStep['fail']>, { kind: 'http' }>> = {}): AnthropicScriptStep {
    return { fail: { kind: 'http', status, errorType, message: `${errorType} happened`, ...extra } };
  }

  /** Retry with delays small enough for tests; the delays chosen are read from the notices. */
  async function retried(fake: FakeAnthropic, maxAttempts = 4): Promise<{ notices: RetryNotice[]; turn: Awaited<ReturnType<typeof collectTurn>> }> {
    const notices: RetryNotice[] = [];
    const turn = await collectTurn(streamWithRetry(modelFor(fake), request, { maxAttempts, baseDelayMs: 1, maxDelayMs: 50, onRetry: (notice) => notices.push(notice) }));
    return { notices, turn };
  }

  describe('error classification', () => {
    it('classifies a 429 as retryable with retry-after, request id and error type', async () => {
      const error = await failureOf(anthropicScript.rateLimited(2));
      expect(error).toMatchObject({ status: 429, errorType: 'rate_limit_error', isRetryable: true, retryAfterMs: 2_000, requestId: 'req_fake_0001' });
      expect(backoffDelay(1, error, {})).toBe(2_000);
    });

    it('prefers retry-after-ms over retry-after', async () => {
      const error = await failureOf(http(429, 'rate_limit_error', { retryAfterSeconds: 30, retryAfterMs: 1_250 }));
      expect(error.retryAfterMs).toBe(1_250);
    });

    it.each([
      [500, 'api_error', true],
      [529, 'overloaded_error', true],
      [503, 'api_error', true],
      [408, 'timeout_error', true],
      [409, 'conflict_error', true],
      [400, 'invalid_request_error', false],
      [401, 'authentication_error', false],
      [403, 'permission_error', false],
      [404, 'not_found_error', false],
    ])('HTTP %i %s → retryable %s', async (status, errorType, isRetryable) => {
      const error = await failureOf(http(status, errorType));
      expect(error).not.toBeInstanceOf(ContextOverflowError);
      expect(error).toMatchObject({ status, errorType, isRetryable });
    });

    it('obeys x-should-retry over the status', async () => {
      expect(await failureOf(http(500, 'api_error', { headers: { 'x-should-retry': 'false' } }))).toMatchObject({ isRetryable: false });
      expect(await failureOf(http(400, 'invalid_request_error', { headers: { 'x-should-retry': 'true' } }))).toMatchObject({ isRetryable: true });
    });

    it('turns "prompt is too long" into a ContextOverflowError', async () => {
      const error = await failureOf(anthropicScript.contextOverflow());
      expect(error).toBeInstanceOf(ContextOverflowError);
      expect(error).toMatchObject({ code: 'context_overflow', status: 400, isRetryable: false });
    });

    it('turns a structured overflow error code and a 413 into ContextOverflowError too', async () => {
      expect(await failureOf(http(400, 'invalid_request_error', { errorCode: 'prompt_too_long', message: 'wording may change' }))).toBeInstanceOf(ContextOverflowError);
      expect(await failureOf(http(413, 'request_too_large'))).toBeInstanceOf(ContextOverflowError);
    });

    it('treats a mid-stream overloaded_error event as retryable and an invalid_request_error event as final', async () => {
      expect(await failureOf(anthropicScript.errorMidStream('overloaded_error'))).toMatchObject({ errorType: 'overloaded_error', isRetryable: true, status: undefined });
      expect(await failureOf(anthropicScript.errorMidStream('api_error'))).toMatchObject({ errorType: 'api_error', isRetryable: true });
      expect(await failureOf(anthropicScript.errorMidStream('invalid_request_error'))).toMatchObject({ isRetryable: false });
    });

    it('treats a cut connection and a stream without message_stop as retryable', async () => {
      expect(await failureOf(anthropicScript.cutMidStream())).toMatchObject({ errorType: 'connection_error', isRetryable: true });
      expect(await failureOf({ content: [{ type: 'text', text: 'Half an answer' }], fail: { kind: 'stream-truncated' } })).toMatchObject({
        errorType: 'stream_incomplete',
        isRetryable: true,
      });
    });

    it('gives up on a stream that goes silent, retryably', async () => {
      await using fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'Then nothing.' }], fail: { kind: 'stream-hang', afterFrames: 3 } }] });
      const model = createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, idleTimeoutMs: 50 });
      const error = await collectTurn(model.stream(request)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ errorType: 'timeout', isRetryable: true, requestId: 'req_fake_0001' });
    });

    it('does not count the time the consumer spends between parts as silence', async () => {
      await using fake = await startFakeAnthropic({ chunkSize: 4, script: [anthropicScript.text('Several reads of text.', { delayMs: 2 })] });
      const model = createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, idleTimeoutMs: 40 });
      let text = '';
      for await (const part of model.stream(request)) {
        if (part.type !== 'text-delta') continue;
        text += part.text;
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      expect(text).toBe('Several reads of text.');
    });

    it('treats a refused connection as retryable and a wrong key as final', async () => {
      const closed = await startFakeAnthropic();
      await closed.close();
      const refused = await collectTurn(modelFor(closed).stream(request)).catch((caught: unknown) => caught);
      expect(refused).toMatchObject({ errorType: 'connection_error', isRetryable: true });
      expect((refused as Error).message).toBe(`Anthropic at ${closed.url}: connection failed (ECONNREFUSED). Check the network and ANTHROPIC_BASE_URL.`);

      await using fake = await startFakeAnthropic({ apiKey: 'sk-ant-right' });
      const denied = await collectTurn(modelFor(fake, 'sk-ant-wrong').stream(request)).catch((caught: unknown) => caught);
      expect(denied).toMatchObject({ status: 401, errorType: 'authentication_error', isRetryable: false });
      expect(String((denied as Error).message)).not.toContain('sk-ant-wrong');
    });
  });

  describe('retries through core streamWithRetry', () => {
    it('honours retry-after: the delay handed to onRetry is the header value', async () => {
      await using fake = await startFakeAnthropic({ script: [http(429, 'rate_limit_error', { retryAfterSeconds: 0.04 }), anthropicScript.text('After the wait.')] });
      const { notices, turn } = await retried(fake);
      expect(notices.map((notice) => [notice.attempt, notice.delayMs, notice.midStream])).toEqual([[2, 40, false]]);
      expect(turn.text).toBe('After the wait.');
      expect(fake.requests).toHaveLength(2);
    });

    it('retries 500 and 529 with backoff until an answer comes', async () => {
      await using fake = await startFakeAnthropic({ script: [anthropicScript.serverError(), anthropicScript.overloaded(), anthropicScript.text('Third time lucky.')] });
      const { notices, turn } = await retried(fake);
      expect(notices.map((notice) => notice.error.status)).toEqual([500, 529]);
      expect(notices.every((notice) => notice.delayMs <= 50)).toBe(true);
      expect(turn.text).toBe('Third time lucky.');
    });

    it('restarts a call that fails mid-stream; whatever had streamed is discarded with a reset', async () => {
      await using fake = await startFakeAnthropic({
        script: [anthropicScript.errorMidStream('overloaded_error', 'Discard me please.'), anthropicScript.cutMidStream('Discard me too.'), anthropicScript.text('Clean answer.')],
      });
      const notices: RetryNotice[] = [];
      const parts = [];
      for await (const part of streamWithRetry(modelFor(fake), request, { baseDelayMs: 1, onRetry: (notice) => notices.push(notice) })) parts.push(part);

      expect(notices.map((notice) => notice.error.errorType)).toEqual(['overloaded_error', 'connection_error']);
      // A reset is sent exactly when output of the failed attempt had reached the consumer.
      expect(parts.filter((part) => part.type === 'reset')).toHaveLength(notices.filter((notice) => notice.midStream).length);
      const kept = parts.slice(parts.findLastIndex((part) => part.type === 'reset') + 1);
      expect(kept.filter((part) => part.type === 'text-delta').map((part) => (part as { text: string }).text).join('')).toBe('Clean answer.');
    });

    it('reports a connection lost after output started as a retryable error', async () => {
      const fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'Some output' }], fail: { kind: 'stream-hang', afterFrames: 4 } }] });
      const error = await (async () => {
        for await (const part of modelFor(fake).stream(request)) if (part.type === 'text-delta') await fake.close();
      })().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ errorType: 'connection_error', isRetryable: true });
    });

    it('does not retry a context overflow', async () => {
      await using fake = await startFakeAnthropic({ script: [anthropicScript.contextOverflow(), anthropicScript.text('never reached')] });
      const error = await retried(fake).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ContextOverflowError);
      expect(fake.requests).toHaveLength(1);
    });

    it('gives up after maxAttempts with the last error', async () => {
      await using fake = await startFakeAnthropic({ script: [anthropicScript.overloaded(), anthropicScript.overloaded(), anthropicScript.overloaded()] });
      const error = await retried(fake, 3).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ status: 529, errorType: 'overloaded_error' });
      expect(fake.requests).toHaveLength(3);
    });
  });
});
