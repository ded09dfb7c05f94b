import { ProviderError } from '@ml-intern/core';
import type { Message, ModelRequest, ReasoningEffort, ToolSpec } from '@ml-intern/core';
import { startFakeAnthropic } from '@ml-intern/testing';
import type { AnthropicScriptStep } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { countDeltas, recordingFetch } from './__fixtures__/recording-fetch.js';
import { REASONING_EFFORT_BUDGET_TOKENS, createAnthropicModel } from './index.js';
import type { AnthropicThinking } from './index.js';

const readTool: ToolSpec = { name: 'read', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };

const thinkingStep: AnthropicScriptStep = {
  content: [
    { type: 'thinking', thinking: 'The config probably sets the learning rate; read it first.' },
    { type: 'redacted_thinking', data: 'EncryptedOpaquePayload==' },
    { type: 'text', text: 'Reading the config.' },
    { type: 'tool_use', name: 'read', input: { path: 'config.yaml' } },
  ],
};

function ask(extra: Partial<ModelRequest> = {}): ModelRequest {
  return { system: 'You are an ML engineer.', messages: [{ role: 'user', content: 'What is the learning rate?' }], tools: [readTool], ...extra };
}

describe('extended thinking', () => {
  it('streams thinking deltas and emits one complete reasoning part per block, signature and redacted data kept', async () => {
    await using fake = await startFakeAnthropic({ chunkSize: 6, script: [thinkingStep] });
    const recorder = recordingFetch();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, thinking: { budgetTokens: 4_096 }, fetch: recorder.fetch });
    const turn = await collectTurn(model.stream(ask()));

    expect(countDeltas(await recorder.bodies[0]!, 'thinking_delta')).toBeGreaterThan(3);
    expect(turn.reasoningText).toBe('The config probably sets the learning rate; read it first.');
    const reasoning = turn.parts.filter((part) => part.type === 'reasoning');
    expect(reasoning).toEqual([
      { type: 'reasoning', text: 'The config probably sets the learning rate; read it first.', signature: expect.stringMatching(/^sig_/), provider: 'anthropic' },
      { type: 'reasoning', text: '', redacted: 'EncryptedOpaquePayload==', provider: 'anthropic' },
    ]);
    expect(fake.messageBodies[0]?.thinking).toEqual({ type: 'enabled', budget_tokens: 4_096 });
  });

  it('replays thinking blocks with their signature in the next request of the tool loop', async () => {
    await using fake = await startFakeAnthropic({ script: [thinkingStep] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, thinking: { budgetTokens: 4_096 } });
    const first = await collectTurn(model.stream(ask()));
    const call = first.toolCalls[0]!;
    const history: Message[] = [
      ...ask().messages,
      first.message,
      { role: 'tool', toolCallId: call.id, toolName: call.name, content: 'learning_rate: 3e-4', isError: false },
    ];
    const second = await collectTurn(model.stream(ask({ messages: history })));

    expect(second.finish).toBe('stop');
    const replayed = (fake.messageBodies[1]?.messages as { role: string; content: { type: string }[] }[])[1];
    expect(replayed?.role).toBe('assistant');
    expect(replayed?.content).toEqual([
      { type: 'thinking', thinking: 'The config probably sets the learning rate; read it first.', signature: first.message.content.find((part) => part.type === 'reasoning')?.signature },
      { type: 'redacted_thinking', data: 'EncryptedOpaquePayload==' },
      { type: 'text', text: 'Reading the config.' },
      { type: 'tool_use', id: call.id, name: 'read', input: { path: 'config.yaml' } },
    ]);
  });

  it('surfaces the API refusal of a tampered thinking block as a non-retryable 400', async () => {
    await using fake = await startFakeAnthropic({ script: [thinkingStep] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, thinking: { budgetTokens: 4_096 } });
    const first = await collectTurn(model.stream(ask()));
    const tampered = first.message.content.map((part) => (part.type === 'reasoning' && part.signature ? { ...part, text: `${part.text} (edited)` } : part));
    const call = first.toolCalls[0]!;
    const history: Message[] = [
      ...ask().messages,
      { role: 'assistant', content: tampered },
      { role: 'tool', toolCallId: call.id, toolName: call.name, content: 'ok', isError: false },
    ];

    const error = await collectTurn(model.stream(ask({ messages: history }))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 400, errorType: 'invalid_request_error', isRetryable: false });
    expect((error as Error).message).toContain('Invalid `signature`');
  });

  it('drops reasoning another provider produced instead of sending an unverifiable block', async () => {
    await using fake = await startFakeAnthropic();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    await collectTurn(
      model.stream(
        ask({
          messages: [
            { role: 'user', content: 'Earlier question' },
            { role: 'assistant', content: [{ type: 'reasoning', text: 'openai thoughts', redacted: 'enc', provider: 'openai' }, { type: 'text', text: 'Earlier answer' }] },
            { role: 'user', content: 'Next question' },
          ],
        }),
      ),
    );
    const assistant = (fake.messageBodies[0]?.messages as { content: unknown[] }[])[1];
    expect(assistant?.content).toEqual([{ type: 'text', text: 'Earlier answer' }]);
  });
});

describe('thinking configuration', () => {
  async function bodyFor(thinking: AnthropicThinking | undefined, effort: ReasoningEffort | undefined, maxOutputTokens = 32_000) {
    await using fake = await startFakeAnthropic();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, info: { maxOutputTokens }, ...(thinking ? { thinking } : {}) });
    await collectTurn(model.stream(ask(effort ? { reasoningEffort: effort } : {})));
    return fake.messageBodies[0] ?? {};
  }

  it('sends nothing about thinking when neither an option nor an effort asks for it', async () => {
    const body = await bodyFor(undefined, undefined);
    expect(body).not.toHaveProperty('thinking');
    expect(body).not.toHaveProperty('output_config');
  });

  it('maps a reasoning effort to adaptive thinking and output_config.effort (minimal becomes low)', async () => {
    expect(await bodyFor(undefined, 'high')).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    expect(await bodyFor('adaptive', 'minimal')).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });
  });

  it('maps a reasoning effort to a budget in budget mode, kept below max_tokens', async () => {
    expect(await bodyFor('budget', 'medium')).toMatchObject({ thinking: { type: 'enabled', budget_tokens: REASONING_EFFORT_BUDGET_TOKENS.medium } });
    expect(await bodyFor('budget', 'max', 20_000)).toMatchObject({ max_tokens: 20_000, thinking: { type: 'enabled', budget_tokens: 19_999 } });
    expect(await bodyFor({ budgetTokens: 500 }, undefined)).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1_024 } });
  });

  it('disables thinking when asked, or when max_tokens leaves no room for the minimum budget', async () => {
    const disabled = await bodyFor('disabled', 'high');
    expect(disabled.thinking).toEqual({ type: 'disabled' });
    expect(disabled).not.toHaveProperty('output_config');
    expect((await bodyFor({ budgetTokens: 2_048 }, undefined, 1_024)).thinking).toEqual({ type: 'disabled' });
  });
});
