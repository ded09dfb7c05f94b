import type { Message, ModelRequest, ToolSpec } from '@ml-intern/core';
import { startFakeAnthropic } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { createAnthropicModel } from './index.js';

const tools: ToolSpec[] = [
  { name: 'bash', description: 'Run', inputSchema: { type: 'object', properties: { command: { type: 'string' } } } },
  { name: 'write', description: 'Write', inputSchema: { properties: { path: { type: 'string' } } } },
];

/** Send a history through the provider and the fake (which validates it like the API) and return the wire body. */
async function wireBody(messages: Message[], extra: Partial<ModelRequest> = {}): Promise<Record<string, unknown>> {
  await using fake = await startFakeAnthropic();
  const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, promptCaching: false });
  const turn = await collectTurn(model.stream({ system: 'System prompt.', messages, tools, ...extra }));
  expect(turn.finish).toBe('stop');
  return fake.messageBodies[0] ?? {};
}

describe('message mapping on the wire', () => {
  it('sends tool results as user tool_result blocks (is_error kept) merged into one user turn', async () => {
    const body = await wireBody([
      { role: 'user', content: 'Run both' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Running.' },
          { type: 'tool_call', id: 'toolu_1', name: 'bash', arguments: '{"command":"ls"}' },
          { type: 'tool_call', id: 'toolu_2', name: 'bash', arguments: '{"command":"false"}' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_1', toolName: 'bash', content: 'a.txt', isError: false },
      { role: 'tool', toolCallId: 'toolu_2', toolName: 'bash', content: 'exit code 1', isError: true },
    ]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Run both' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Running.' },
          { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } },
          { type: 'tool_use', id: 'toolu_2', name: 'bash', input: { command: 'false' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'exit code 1', is_error: true },
        ],
      },
    ]);
  });

  it('wraps harness notices in <system-notice> and puts them after the tool results of the same turn', async () => {
    const body = await wireBody([
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'toolu_1', name: 'bash', arguments: '{"command":"ls"}' }] },
      { role: 'notice', kind: 'loop_guard', content: 'You repeated the same call three times.' },
      { role: 'tool', toolCallId: 'toolu_1', toolName: 'bash', content: 'a.txt', isError: false },
      { role: 'user', content: 'And then?' },
    ]);
    const last = (body.messages as { content: unknown[] }[])[2];
    expect(last?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' },
      { type: 'text', text: '<system-notice>\nYou repeated the same call three times.\n</system-notice>' },
      { type: 'text', text: 'And then?' },
    ]);
  });

  it('sends malformed arguments as {} and shows the model what it produced next to the result', async () => {
    const raw = '{"path": "out.txt", "content": "unterminated';
    const body = await wireBody([
      { role: 'user', content: 'Write it' },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'toolu_9', name: 'write', arguments: raw }] },
      { role: 'tool', toolCallId: 'toolu_9', toolName: 'write', content: 'ERROR: malformed JSON arguments, not executed.', isError: true },
    ]);
    const [assistant, user] = (body.messages as { content: Record<string, unknown>[] }[]).slice(1);
    expect(assistant?.content[0]).toEqual({ type: 'tool_use', id: 'toolu_9', name: 'write', input: {} });
    expect(user?.content[0]?.content).toContain(JSON.stringify(raw));
    expect(user?.content[0]?.content).toContain('ERROR: malformed JSON arguments, not executed.');
  });

  it('rewrites tool ids the API would refuse, consistently on both sides', async () => {
    const body = await wireBody([
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'functions.bash:0', name: 'bash', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'functions.bash:0', toolName: 'bash', content: 'ok', isError: false },
    ]);
    const [assistant, user] = (body.messages as { content: Record<string, unknown>[] }[]).slice(1);
    expect(assistant?.content[0]?.id).toBe('functions_bash_0');
    expect(user?.content[0]?.tool_use_id).toBe('functions_bash_0');
  });

  it('drops empty text and empty assistant turns, and merges the user turns around them', async () => {
    const body = await wireBody([
      { role: 'user', content: 'First' },
      { role: 'assistant', content: [{ type: 'text', text: '   ' }] },
      { role: 'user', content: 'Second' },
    ]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'First' }, { type: 'text', text: 'Second' }] }]);
  });

  it('appends system messages found in the history to the system blocks and forces object tool schemas', async () => {
    const body = await wireBody([{ role: 'system', content: 'Extra rule.' }, { role: 'user', content: 'Hi' }]);
    expect(body.system).toEqual([{ type: 'text', text: 'System prompt.' }, { type: 'text', text: 'Extra rule.' }]);
    expect((body.tools as { input_schema: unknown }[])[1]?.input_schema).toEqual({ type: 'object', properties: { path: { type: 'string' } } });
  });

  it('forbids tool calls with tool_choice none while still sending the tools', async () => {
    const body = await wireBody([{ role: 'user', content: 'Summarise' }], { toolChoice: 'none' });
    expect(body.tool_choice).toEqual({ type: 'none' });
    expect(body.tools).toHaveLength(2);
  });
});
