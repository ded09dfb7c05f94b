import { lookupModelInfo, parseModelId, streamWithRetry } from '@ml-intern/core';
import { describe, expect, test } from 'vitest';
import { BASH_TOOL, collect, userRequest } from './collect-stream.test-helper.js';
import { openAIModelFactory } from './index.js';

const live = process.env.ML_INTERN_LIVE === '1' && Boolean(process.env.OPENAI_API_KEY);

function liveModel(id: string) {
  const route = parseModelId(id);
  return openAIModelFactory({ env: process.env })(route, lookupModelInfo(route));
}

describe.skipIf(!live)('live OpenAI (ML_INTERN_LIVE=1 and OPENAI_API_KEY)', () => {
  test('Chat Completions streams text and usage', async () => {
    const model = liveModel(process.env.ML_INTERN_LIVE_OPENAI_CHAT_MODEL ?? 'openai/gpt-4.1-mini');
    const answer = await collect(streamWithRetry(model, userRequest('Reply with exactly: pong', { maxOutputTokens: 20 })));
    expect(answer.text.toLowerCase()).toContain('pong');
    expect(answer.finish).toBe('stop');
    expect(answer.usage?.inputTokens).toBeGreaterThan(0);
  }, 60_000);

  test('Responses API: a reasoning model calls a tool and keeps encrypted reasoning', async () => {
    const model = liveModel(process.env.ML_INTERN_LIVE_OPENAI_REASONING_MODEL ?? 'openai/gpt-5-mini');
    const answer = await collect(
      streamWithRetry(model, userRequest('Use the bash tool to run `date`. Do not answer in text.', { tools: [BASH_TOOL], reasoningEffort: 'low' })),
    );
    expect(answer.toolCalls[0]?.name).toBe('bash');
    expect(JSON.parse(answer.toolCalls[0]?.arguments ?? '{}')).toHaveProperty('command');
    expect(answer.finish).toBe('tool_calls');
    const reasoning = answer.parts.find((part) => part.type === 'reasoning');
    if (reasoning?.type === 'reasoning') expect(reasoning.redacted).toBeTruthy();
  }, 120_000);
});
