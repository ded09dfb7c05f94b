import { createSession, resolveModel, type AgentEvent } from '@ml-intern/core';
import { anthropicScript, startFakeAnthropic } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { ANTHROPIC_IMAGE_LIMITS, ANTHROPIC_MODEL_CATALOG, anthropicModelFactory, createAnthropicModel, lookupAnthropicModelInfo } from './index.js';

describe('the Claude catalog lives with the provider', () => {
  it('createAnthropicModel knows the window, output limit and prices of its model', () => {
    const model = createAnthropicModel({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test' });
    expect(model.info).toEqual({ contextWindow: 200_000, maxOutputTokens: 64_000, pricing: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 }, imageInput: ANTHROPIC_IMAGE_LIMITS });
    // Dated ids share their family's row; explicit info wins field by field.
    expect(lookupAnthropicModelInfo('claude-sonnet-4-5-20250929').pricing).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
    const custom = createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', info: { contextWindow: 1_000_000 } });
    expect(custom.info).toMatchObject({ contextWindow: 1_000_000, maxOutputTokens: 32_000, pricing: { input: 5, output: 25 } });
    expect(Object.keys(ANTHROPIC_MODEL_CATALOG)).toContain('anthropic/claude-opus-4-6');
  });

  it('an app table overrides only what it lists (resolveModel leaves the rest to the provider)', () => {
    const model = resolveModel('anthropic/claude-opus-4-6', {
      factories: { anthropic: anthropicModelFactory({ apiKey: 'sk-ant-test' }) },
      catalog: { 'anthropic/claude-opus-4-6': { context_window: 1_000_000 } },
    });
    expect(model.info).toEqual({ contextWindow: 1_000_000, maxOutputTokens: 32_000, pricing: { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }, imageInput: ANTHROPIC_IMAGE_LIMITS });
    const unknown = resolveModel('anthropic/claude-next', { factories: { anthropic: anthropicModelFactory({ apiKey: 'sk-ant-test' }) } });
    // Every Claude model takes images, listed or not.
    expect(unknown.info).toEqual({ contextWindow: 128_000, maxOutputTokens: 8_192, imageInput: ANTHROPIC_IMAGE_LIMITS });
  });

  it('a session on createAnthropicModel from a script prices its calls and stops at budgetUsd', async () => {
    await using fake = await startFakeAnthropic({
      script: [anthropicScript.text('First answer.', { usage: { input_tokens: 400_000, output_tokens: 50_000 } }), anthropicScript.text('Second answer.')],
    });
    const model = createAnthropicModel({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test', baseURL: fake.url });
    const session = createSession({ model, tools: [], budgetUsd: 0.5 });
    const events: AgentEvent[] = [];
    session.subscribe((event) => events.push(event));
    await session.run('first');
    const call = events.find((event) => event.type === 'llm_call') as Extract<AgentEvent, { type: 'llm_call' }>;
    expect(call.unpriced).toBe(false);
    // 400k input at $1/M and 50k output at $5/M.
    expect(call.cost_usd).toBeCloseTo(0.65, 2);
    const second = await session.run('second');
    expect(second.text).toMatch(/budget of \$0\.50 is spent/);
    await session.close();
  });
});
