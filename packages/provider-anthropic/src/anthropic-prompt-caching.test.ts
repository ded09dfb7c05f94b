import { computeCost } from '@ml-intern/core';
import type { Message, ToolSpec } from '@ml-intern/core';
import { anthropicScript, startFakeAnthropic } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { createAnthropicModel } from './index.js';

const tools: ToolSpec[] = ['bash', 'read', 'write'].map((name) => ({
  name,
  description: `The ${name} tool. ${'It has a long description. '.repeat(40)}`,
  inputSchema: { type: 'object', properties: { value: { type: 'string' } } },
}));
const system = `You are ml-intern. ${'Follow the house rules carefully. '.repeat(200)}`;

type WireBlock = { type: string; cache_control?: unknown };
type WireBody = { system: WireBlock[]; tools: WireBlock[]; messages: { role: string; content: WireBlock[] }[] };

function breakpoints(body: WireBody): string[] {
  const found: string[] = [];
  body.system.forEach((block, index) => block.cache_control && found.push(`system.${index}`));
  body.tools.forEach((block, index) => block.cache_control && found.push(`tools.${index}`));
  body.messages.forEach((message, index) => message.content.forEach((block, blockIndex) => block.cache_control && found.push(`messages.${index}.${blockIndex}`)));
  return found;
}

describe('prompt caching', () => {
  it('marks the system prompt, the last tool and the last user block as ephemeral breakpoints', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.toolUse([{ name: 'bash', input: { value: 'ls' } }])] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const first = await collectTurn(model.stream({ system, tools, messages: [{ role: 'user', content: 'List the files' }] }));
    const call = first.toolCalls[0]!;
    await collectTurn(
      model.stream({
        system,
        tools,
        messages: [
          { role: 'user', content: 'List the files' },
          first.message,
          { role: 'tool', toolCallId: call.id, toolName: 'bash', content: 'train.py\ndata/', isError: false },
        ],
      }),
    );

    const [firstBody, secondBody] = fake.messageBodies as unknown as WireBody[];
    expect(breakpoints(firstBody!)).toEqual(['system.0', 'tools.2', 'messages.0.0']);
    expect(firstBody!.system[0]?.cache_control).toEqual({ type: 'ephemeral' });
    // The breakpoint moves to the newest user block: here the tool result.
    expect(breakpoints(secondBody!)).toEqual(['system.0', 'tools.2', 'messages.2.0']);
    expect(secondBody!.messages[2]?.content[0]?.type).toBe('tool_result');
  });

  it('reads the cached prefix on the second call, which makes it cheaper', async () => {
    await using fake = await startFakeAnthropic();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const history: Message[] = [{ role: 'user', content: 'Plan a fine-tuning run for a 1B model.' }];
    const first = await collectTurn(model.stream({ system, tools, messages: history }));
    const second = await collectTurn(
      model.stream({ system, tools, messages: [...history, first.message, { role: 'user', content: 'Now use LoRA instead.' }] }),
    );

    expect(first.usage?.cachedInputTokens).toBe(0);
    expect(first.usage?.cacheCreationTokens).toBeGreaterThan(1_000);
    expect(second.usage?.cachedInputTokens).toBe(first.usage?.cacheCreationTokens);
    expect(second.usage!.inputTokens).toBeGreaterThan(first.usage!.inputTokens);
    const pricing = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
    const uncachedSecond = computeCost({ ...second.usage!, cachedInputTokens: 0, cacheCreationTokens: 0 }, pricing);
    expect(computeCost(second.usage!, pricing).usd).toBeLessThan(uncachedSecond.usd / 2);
  });

  it('sends no breakpoint at all when prompt caching is off', async () => {
    await using fake = await startFakeAnthropic();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, promptCaching: false });
    const first = await collectTurn(model.stream({ system, tools, messages: [{ role: 'user', content: 'Hi' }] }));

    expect(breakpoints(fake.messageBodies[0] as unknown as WireBody)).toEqual([]);
    expect(first.usage?.cacheCreationTokens).toBe(0);
  });
});
