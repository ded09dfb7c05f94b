import type { LanguageModel, ModelRequest } from '@ml-intern/core';
import { startFakeOpenAI } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { BASH_TOOL, collect } from './collect-stream.test-helper.js';
import { createOpenAIModel } from './index.js';

type HistoryMessage = ModelRequest['messages'][number];
type AssistantPart = Extract<HistoryMessage, { role: 'assistant' }>['content'][number];

/** A minimal tool loop: call the model, run every tool call with `runTool`, feed the results back. */
async function runToolLoop(model: LanguageModel, task: string, runTool: (args: { command: string }) => string) {
  const messages: HistoryMessage[] = [{ role: 'user', content: task }];
  for (let call = 0; call < 10; call += 1) {
    const answer = await collect(model.stream({ system: 'You run commands.', messages, tools: [BASH_TOOL] }));
    const content: AssistantPart[] = [];
    for (const part of answer.parts) {
      if (part.type === 'reasoning') content.push({ type: 'reasoning', text: part.text, signature: part.signature!, redacted: part.redacted!, provider: part.provider! });
    }
    if (answer.text) content.push({ type: 'text', text: answer.text });
    for (const toolCall of answer.toolCalls) content.push({ type: 'tool_call', ...toolCall });
    messages.push({ role: 'assistant', content });
    if (answer.toolCalls.length === 0) return { messages, finalText: answer.text };
    for (const toolCall of answer.toolCalls) {
      const output = runTool(JSON.parse(toolCall.arguments) as { command: string });
      messages.push({ role: 'tool', toolCallId: toolCall.id, toolName: toolCall.name, content: output, isError: false });
    }
  }
  throw new Error('the loop did not finish');
}

describe('multi-turn tool use', () => {
  test('chat: five tool calls, each result fed back with its tool_call_id, then the final answer', async () => {
    await using fake = await startFakeOpenAI({
      scenario: { tool: 'bash', arguments: (call) => ({ command: `echo step ${call + 1}` }), times: 5, finalText: 'All five steps done.' },
    });
    const model = createOpenAIModel({ model: 'gpt-4.1', baseURL: fake.baseURL, apiKey: 'sk-test' });
    const { finalText } = await runToolLoop(model, 'Run the five steps', ({ command }) => `ran: ${command}`);

    expect(finalText).toBe('All five steps done.');
    expect(fake.modelRequests).toHaveLength(6);
    const last = fake.modelRequests[5]?.json as { messages: Array<Record<string, unknown>> };
    expect(last.messages).toHaveLength(2 + 5 * 2);
    for (let step = 1; step <= 5; step += 1) {
      const assistant = last.messages[2 * step];
      const tool = last.messages[2 * step + 1];
      expect(assistant).toEqual({
        role: 'assistant',
        content: null,
        tool_calls: [{ id: `call_${step}_0`, type: 'function', function: { name: 'bash', arguments: `{"command":"echo step ${step}"}` } }],
      });
      expect(tool).toEqual({ role: 'tool', tool_call_id: `call_${step}_0`, content: `ran: echo step ${step}` });
    }
    // Each request carried exactly the history so far.
    expect(fake.modelRequests.map((request) => (request.json as { messages: unknown[] }).messages.length)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  test('responses: five tool calls with reasoning replayed each turn', async () => {
    await using fake = await startFakeOpenAI({
      steps: (context) =>
        context.index < 5
          ? { reasoning: `Thinking about step ${context.index + 1}.`, toolCalls: [{ name: 'bash', arguments: { command: `echo ${context.index + 1}` } }] }
          : { text: 'Finished.' },
    });
    const model = createOpenAIModel({ model: 'o4-mini', baseURL: fake.baseURL, apiKey: 'sk-test' });
    const { finalText } = await runToolLoop(model, 'Go', ({ command }) => command.toUpperCase());

    expect(finalText).toBe('Finished.');
    const input = (fake.modelRequests[5]?.json as { input: Array<Record<string, unknown>> }).input;
    expect(input.map((item) => item.type ?? item.role)).toEqual([
      'user',
      ...Array.from({ length: 5 }, () => ['reasoning', 'function_call', 'function_call_output']).flat(),
    ]);
    expect(input.filter((item) => item.type === 'reasoning').map((item) => item.encrypted_content)).toEqual([1, 2, 3, 4, 5].map((n) => `gAAAA-fake-encrypted-${n}`));
    expect(input.filter((item) => item.type === 'function_call_output').map((item) => item.output)).toEqual(['ECHO 1', 'ECHO 2', 'ECHO 3', 'ECHO 4', 'ECHO 5']);
  });
});
