import { describe, expect, test } from 'vitest';
import { toChatMessages } from './index.js';

describe('toChatMessages', () => {
  test('maps every message kind; reasoning is dropped and notices are marked as harness text', () => {
    const messages = toChatMessages('System prompt', [
      { role: 'user', content: 'Train a model' },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'hidden thoughts', signature: 'sig', provider: 'anthropic' },
          { type: 'text', text: 'Checking ' },
          { type: 'text', text: 'the GPU.' },
          { type: 'tool_call', id: 'call_1', name: 'bash', arguments: '{"command": "nvidia-smi"' },
          { type: 'tool_call', id: 'call_2', name: 'read', arguments: '{"path":"a.py"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', toolName: 'bash', content: 'invalid JSON arguments', isError: true },
      { role: 'tool', toolCallId: 'call_2', toolName: 'read', content: 'print(1)', isError: false },
      { role: 'notice', kind: 'loop_guard', content: 'You repeated the same call 3 times.' },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'only thinking', provider: 'openai-chat' }] },
      { role: 'system', content: 'Late system note' },
      { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
    ]);

    expect(messages).toEqual([
      { role: 'system', content: 'System prompt' },
      { role: 'user', content: 'Train a model' },
      {
        role: 'assistant',
        content: 'Checking the GPU.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command": "nvidia-smi"' } },
          { id: 'call_2', type: 'function', function: { name: 'read', arguments: '{"path":"a.py"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'invalid JSON arguments' },
      { role: 'tool', tool_call_id: 'call_2', content: 'print(1)' },
      { role: 'user', content: '<system-notice>You repeated the same call 3 times.</system-notice>' },
      { role: 'system', content: 'Late system note' },
      { role: 'assistant', content: 'Done.' },
    ]);
  });

  test('an empty system prompt is left out', () => {
    expect(toChatMessages('', [{ role: 'user', content: 'hi' }])).toEqual([{ role: 'user', content: 'hi' }]);
  });
});
