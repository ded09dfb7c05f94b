import { streamWithRetry } from '@ml-intern/core';
import type { Message, ModelRequest, ToolSpec } from '@ml-intern/core';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { createAnthropicModel } from './index.js';

/** Against the real API, only with ML_INTERN_LIVE=1 and ANTHROPIC_API_KEY set. */
const live = process.env.ML_INTERN_LIVE === '1' && Boolean(process.env.ANTHROPIC_API_KEY);
const modelName = process.env.ML_INTERN_LIVE_ANTHROPIC_MODEL ?? 'claude-haiku-4-5';

const addTool: ToolSpec = {
  name: 'add',
  description: 'Add two integers and return the sum.',
  inputSchema: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] },
};

describe.skipIf(!live)('Anthropic live API', () => {
  const model = createAnthropicModel({
    model: modelName,
    apiKey: process.env.ANTHROPIC_API_KEY,
    info: { maxOutputTokens: 2_048 },
    ...(process.env.ANTHROPIC_BASE_URL ? { baseURL: process.env.ANTHROPIC_BASE_URL } : {}),
  });

  it('streams a short answer with usage', async () => {
    const turn = await collectTurn(
      streamWithRetry(model, { system: 'Answer in one word.', messages: [{ role: 'user', content: 'What colour is the sky on a clear day?' }], tools: [] }),
    );
    expect(turn.finish).toBe('stop');
    expect(turn.text.toLowerCase()).toContain('blue');
    expect(turn.usage?.inputTokens).toBeGreaterThan(0);
  });

  it('calls a tool and uses its result', async () => {
    const messages: Message[] = [{ role: 'user', content: 'Use the add tool to add 1234 and 4321, then state the result.' }];
    const request = (): ModelRequest => ({ system: 'Always use tools for arithmetic.', messages, tools: [addTool] });
    const first = await collectTurn(streamWithRetry(model, request()));
    expect(first.finish).toBe('tool_calls');
    const call = first.toolCalls[0]!;
    const { a, b } = JSON.parse(call.arguments) as { a: number; b: number };
    messages.push(first.message, { role: 'tool', toolCallId: call.id, toolName: call.name, content: String(a + b), isError: false });
    const second = await collectTurn(streamWithRetry(model, request()));
    expect(second.text).toContain('5555');
  });

  it('counts tokens', async () => {
    const count = await model.countTokens({ system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }], tools: [addTool] });
    expect(count).toBeGreaterThan(10);
  });
});
