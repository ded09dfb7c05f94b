import { addUsage, emptyUsage, streamWithRetry } from '@ml-intern/core';
import type { Message, ToolSpec } from '@ml-intern/core';
import { startFakeAnthropic } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { createAnthropicModel } from './index.js';

const files: Record<string, string> = {
  'file0.txt': 'epochs: 3',
  'file1.txt': 'learning_rate: 2e-5',
  'file2.txt': 'batch_size: 16',
  'file3.txt': 'model: SmolLM2-135M',
};
const readFile: ToolSpec = {
  name: 'read_file',
  description: 'Read a file from the workspace',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

function runTool(name: string, argumentsText: string): { content: string; isError: boolean } {
  const { path } = JSON.parse(argumentsText) as { path: string };
  const content = files[path];
  return name === 'read_file' && content !== undefined ? { content, isError: false } : { content: `no such file: ${path}`, isError: true };
}

describe('multi-turn tool use over the wire', () => {
  it('runs five model calls, feeding every tool result back with its thinking replayed', async () => {
    await using fake = await startFakeAnthropic({
      chunkSize: 8,
      scenario: {
        tool: 'read_file',
        times: 4,
        arguments: (index) => ({ path: `file${index}.txt` }),
        thinking: 'Read the next config file before deciding.',
        text: 'Reading the next file.',
        finalText: 'The run uses SmolLM2-135M for 3 epochs at lr 2e-5, batch 16.',
      },
    });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, thinking: { budgetTokens: 2_048 } });
    const messages: Message[] = [{ role: 'user', content: 'Summarise the training config spread over file0..file3.' }];
    let total = emptyUsage();
    const cacheReads: number[] = [];
    let calls = 0;
    let final = '';

    while (calls < 10) {
      calls += 1;
      const turn = await collectTurn(streamWithRetry(model, { system: 'You are ml-intern.', messages, tools: [readFile] }, { baseDelayMs: 1 }));
      messages.push(turn.message);
      total = addUsage(total, turn.usage!);
      cacheReads.push(turn.usage!.cachedInputTokens);
      if (turn.finish !== 'tool_calls') {
        final = turn.text;
        break;
      }
      for (const call of turn.toolCalls) {
        messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, ...runTool(call.name, call.arguments) });
      }
    }

    expect(calls).toBe(5);
    expect(final).toBe('The run uses SmolLM2-135M for 3 epochs at lr 2e-5, batch 16.');
    expect(messages.filter((message) => message.role === 'tool').map((message) => (message as { content: string }).content)).toEqual(Object.values(files));
    // Every request after the first replays the previous turn's signed thinking first (the fake refuses it otherwise).
    for (const body of fake.messageBodies.slice(1)) {
      const wire = body.messages as { role: string; content: { type: string; signature?: string }[] }[];
      const lastAssistant = wire.findLast((message) => message.role === 'assistant');
      expect(lastAssistant?.content[0]).toMatchObject({ type: 'thinking', signature: expect.stringMatching(/^sig_/) });
    }
    // The conversation prefix is read from the cache from the second call on, and grows with it.
    expect(cacheReads[0]).toBe(0);
    expect(cacheReads.slice(1).every((tokens, index) => tokens > (cacheReads[index] ?? 0))).toBe(true);
    expect(total.cachedInputTokens).toBeGreaterThan(0);
    expect(total.outputTokens).toBeGreaterThan(0);
  });
});
