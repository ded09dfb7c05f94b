import { callModel, httpFetch, parseModelId, ConfigError, ProviderError, streamWithRetry } from '@ml-intern/core';
import type { LanguageModel, ModelRequest } from '@ml-intern/core';
import { startFakeAnthropic } from '@ml-intern/testing';
import type { AnthropicScriptStep, FakeAnthropic } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { DEFAULT_MAX_RESPONSE_CHARS, anthropicModelFactory, createAnthropicModel } from './index.js';

const TRANSPORTS: [string, { fetch?: typeof globalThis.fetch }][] = [
  ['Node fetch', { fetch: globalThis.fetch }],
  ['core httpFetch', { fetch: httpFetch }],
];

const request: ModelRequest = { system: 'System.', messages: [{ role: 'user', content: 'Write a lot.' }], tools: [] };

describe.each(TRANSPORTS)('response cap over %s', (_transportName, transport) => {
  function modelFor(fake: FakeAnthropic, maxResponseChars?: number): LanguageModel {
    return createAnthropicModel({ ...transport, model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, ...(maxResponseChars === undefined ? {} : { maxResponseChars }) });
  }

  /** Play one step through core's retry loop (4 attempts); returns the error and how many requests were sent. */
  async function failure(step: AnthropicScriptStep, maxResponseChars: number): Promise<{ error: unknown; requests: number; ms: number }> {
    await using fake = await startFakeAnthropic({ script: [step, step, step, step] });
    const started = performance.now();
    const error = await collectTurn(streamWithRetry(modelFor(fake, maxResponseChars), request, { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    return { error, requests: fake.messageBodies.length, ms: performance.now() - started };
  }

  it('stops reading a flood of text at the cap with a clear error, and does not ask again', async () => {
    // 1 MB in 10,000 frames, one every millisecond: reading it all would take over 10 s.
    const { error, requests, ms } = await failure({ content: [{ type: 'text', text: 'A'.repeat(1_000_000), chunkSize: 100 }], delayMs: 1 }, 5_000);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ errorType: 'response_too_large', isRetryable: false });
    expect((error as Error).message).toMatch(/more than 5,000 characters of text and tool arguments/);
    expect((error as Error).message).toContain('maxResponseChars');
    expect(requests).toBe(1);
    expect(ms).toBeLessThan(5_000);
  });

  it('counts tool-call arguments', async () => {
    const { error, requests } = await failure({ content: [{ type: 'tool_use', name: 'write', input: JSON.stringify({ content: 'x'.repeat(200_000) }), chunkSize: 500 }] }, 10_000);
    expect(error).toMatchObject({ errorType: 'response_too_large', isRetryable: false });
    expect(requests).toBe(1);
  });

  it('bounds one enormous stream event before parsing it', async () => {
    const { error, requests } = await failure({ content: [{ type: 'text', text: 'A'.repeat(2_000_000), chunkSize: 2_000_000 }] }, 10_000);
    expect(error).toMatchObject({ errorType: 'response_too_large', isRetryable: false });
    expect((error as Error).message).toMatch(/bytes in one stream event/);
    expect(requests).toBe(1);
  });

  it('an answer under the cap is untouched', async () => {
    await using fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'B'.repeat(4_000), chunkSize: 100 }] }] });
    const turn = await collectTurn(modelFor(fake, 5_000).stream(request));
    expect(turn.text).toBe('B'.repeat(4_000));
  });

  it('the factory passes the cap to the models it builds', async () => {
    await using fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'C'.repeat(50_000) }] }] });
    const factory = anthropicModelFactory({ ...transport, apiKey: 'sk-ant-test', baseURL: fake.url, maxResponseChars: 1_000 });
    const model = factory(parseModelId('anthropic/claude-test'), { contextWindow: 200_000, maxOutputTokens: 8_192 });
    await expect(collectTurn(model.stream(request))).rejects.toMatchObject({ errorType: 'response_too_large' });
  });
});

describe('response cap settings', () => {
  it('defaults to 4 Mi characters and refuses a cap that is not positive', () => {
    expect(DEFAULT_MAX_RESPONSE_CHARS).toBe(4 * 1024 * 1024);
    expect(() => createAnthropicModel({ model: 'claude-test', apiKey: 'k', maxResponseChars: 0 })).toThrow(ConfigError);
    expect(() => createAnthropicModel({ model: 'claude-test', apiKey: 'k', maxResponseChars: Number.NaN })).toThrow(ConfigError);
  });
});

describe('history repair before a request', () => {
  it('a history with a call without a result and a result without a call is repaired, not refused by the API', async () => {
    await using fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'Carrying on.' }] }] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const broken: ModelRequest = {
      system: 'System.',
      tools: [{ name: 'bash', description: 'run a command', inputSchema: { type: 'object', properties: {} } }],
      messages: [
        { role: 'user', content: 'Run two commands.' },
        { role: 'tool', toolCallId: 'toolu_ghost', toolName: 'bash', content: 'from a call that is gone', isError: false },
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'toolu_a', name: 'bash', arguments: '{"command":"ls"}' },
            { type: 'tool_call', id: 'toolu_b', name: 'bash', arguments: '{"command":"pwd"}' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_a', toolName: 'bash', content: 'file.txt', isError: false },
        { role: 'user', content: 'Go on.' },
      ],
    };
    const result = await callModel(model, broken, { onTextDelta: () => {}, onReset: () => {}, onRetry: () => {} }, { signal: new AbortController().signal, maxAttempts: 1 });
    expect(result.text).toBe('Carrying on.');
    const sent = JSON.stringify(fake.messageBodies[0]?.messages);
    expect(sent).not.toContain('toolu_ghost');
    expect(sent).toContain('no result was recorded for this call');
  });
});
