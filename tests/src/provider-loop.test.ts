import { createCharEstimateCounter } from '@ml-intern/context';
import { createSession, defineTool, type LanguageModel } from '@ml-intern/core';
import { createAnthropicModel } from '@ml-intern/provider-anthropic';
import { createOpenAIModel } from '@ml-intern/provider-openai';
import { anthropicScript, startFakeAnthropic, startFakeOpenAI } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** A tool whose results depend on the step, as a real training loop's would. */
const trainStep = defineTool({
  name: 'train_step',
  description: 'Run one training step and report the loss',
  inputSchema: z.object({ step: z.number().int() }),
  execute: ({ step }) => `step ${step}: loss=${(1 / (step + 1)).toFixed(3)}`,
});

async function runFiveIterations(model: LanguageModel) {
  const session = createSession({ model, tools: [trainStep], systemPrompt: 'You train models.' });
  const events: string[] = [];
  session.subscribe((event) => events.push(event.type));
  const outcome = await session.run('Train for five steps, then report.');
  await session.close();
  return { outcome, events, session };
}

describe('the agent loop over each real provider and its fake server', () => {
  it('Anthropic: a 5-iteration tool task', async () => {
    await using fake = await startFakeAnthropic({ scenario: { tool: 'train_step', arguments: (index) => ({ step: index }), times: 5, finalText: 'Trained 5 steps; final loss 0.200.' } });
    const { outcome, events, session } = await runFiveIterations(createAnthropicModel({ model: 'claude-fake', apiKey: 'sk-ant-test', baseURL: fake.url }));
    expect(outcome).toMatchObject({ status: 'completed', reason: 'done', text: 'Trained 5 steps; final loss 0.200.', iterations: 6 });
    expect(events.filter((type) => type === 'tool_output')).toHaveLength(5);
    expect(fake.messageBodies).toHaveLength(6);
    const last = fake.messageBodies.at(-1) as { messages: { role: string; content: { type: string }[] }[] };
    expect(last.messages.flatMap((message) => message.content).filter((block) => block.type === 'tool_result')).toHaveLength(5);
    expect(session.usage.usage.input_tokens).toBeGreaterThan(0);
  });

  it('OpenAI-compatible: a 5-iteration tool task', async () => {
    await using fake = await startFakeOpenAI({ scenario: { tool: 'train_step', arguments: (call) => ({ step: call }), times: 5, finalText: 'Trained 5 steps.' } });
    const { outcome, events } = await runFiveIterations(createOpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test', baseURL: fake.baseURL, api: 'chat' }));
    expect(outcome).toMatchObject({ status: 'completed', text: 'Trained 5 steps.', iterations: 6 });
    expect(events.filter((type) => type === 'tool_output')).toHaveLength(5);
    const last = fake.modelRequests.at(-1)?.json as { messages: { role: string }[] };
    expect(last.messages.filter((message) => message.role === 'tool')).toHaveLength(5);
  });

  it('a context overflow reported by the provider compacts the history and retries once', async () => {
    let overflowed = false;
    await using fake = await startFakeAnthropic({
      script: (context) => {
        const body = context.body as { system?: unknown; messages: unknown[] };
        if (JSON.stringify(body.system ?? '').includes('state snapshot')) return anthropicScript.text('## Goal\nTrain.\n## Done\nSteps 0-3.');
        if (body.messages.length < 9) return anthropicScript.toolUse([{ name: 'train_step', input: { step: (body.messages.length - 1) / 2 } }]);
        if (!overflowed) {
          overflowed = true;
          return anthropicScript.contextOverflow();
        }
        return anthropicScript.text('Finished after compaction.');
      },
    });
    const model = createAnthropicModel({ model: 'claude-fake', apiKey: 'sk-ant-test', baseURL: fake.url });
    const session = createSession({ model, tools: [trainStep], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 40 } });
    const triggers: string[] = [];
    session.subscribe((event) => event.type === 'compacted' && triggers.push(event.trigger));
    const outcome = await session.run('Train, then report.');
    expect(outcome.text).toBe('Finished after compaction.');
    expect(triggers).toEqual(['overflow']);
    expect(session.history.messages[0]).toEqual({ role: 'user', content: 'Train, then report.' });
    await session.close();
  });
});
