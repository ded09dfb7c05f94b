import { describe, expect, it } from 'vitest';
import { History, INTERRUPTED_RESULT } from './history.js';
import { createTiktokenCounter, countMessageTokens } from './token-counter.js';

describe('History', () => {
  it('counts each message once, only when a count is needed, and keeps a running total', () => {
    let calls = 0;
    const counter = { count: (text: string) => (calls++, text.length) };
    const history = new History({ counter });
    history.append({ role: 'user', content: 'hello' });
    history.append({ role: 'assistant', content: [{ type: 'text', text: 'hi there ✓' }] });
    // The byte bound answers "near the limit?" without tokenising (✓ is 3 bytes, 1 character).
    expect(history.upperBoundTokens).toBe(5 + 4 + 12 + 4);
    expect(calls).toBe(0);
    expect(history.rawTokens).toBe(5 + 4 + 10 + 4);
    expect(history.rawTokens).toBe(5 + 4 + 10 + 4);
    expect(calls).toBe(2);
    expect(history.fullyCounted).toBe(true);
    expect(history.upperBoundTokens).toBe(history.rawTokens);
    history.append({ role: 'user', content: 'more' });
    expect(history.fullyCounted).toBe(false);
    expect(history.rawTokens).toBe(5 + 4 + 10 + 4 + 4 + 4);
    expect(calls).toBe(3);
  });

  it('counts special-token text in tool output without throwing', () => {
    const counter = createTiktokenCounter();
    expect(counter.count('hello <|endoftext|> world')).toBeGreaterThan(3);
    expect(countMessageTokens(counter, { role: 'tool', toolCallId: 'c', toolName: 'bash', content: '<|im_start|>', isError: false })).toBeGreaterThan(4);
  });

  it('undo removes the last user turn and everything after it', () => {
    const history = new History({ counter: { count: (text) => text.length } });
    history.append({ role: 'user', content: 'one' });
    history.append({ role: 'assistant', content: [{ type: 'text', text: 'a' }] });
    history.append({ role: 'user', content: 'two' });
    history.append({ role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'x', arguments: '{}' }] });
    history.append({ role: 'tool', toolCallId: 'c1', toolName: 'x', content: 'r', isError: false });
    const before = history.rawTokens;
    expect(history.undoLastUserTurn()).toBe(3);
    expect(history.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(history.rawTokens).toBeLessThan(before);
    expect(history.rawTokens).toBe(3 + 4 + 1 + 4);
  });

  it('repairs dangling tool calls right after their assistant message', () => {
    const history = new History({ counter: { count: (text) => text.length } });
    history.append({ role: 'user', content: 'go' });
    history.append({ role: 'assistant', content: [{ type: 'tool_call', id: 'a', name: 'x', arguments: '{}' }, { type: 'tool_call', id: 'b', name: 'y', arguments: '{}' }] });
    history.append({ role: 'tool', toolCallId: 'a', toolName: 'x', content: 'done', isError: false });
    history.append({ role: 'notice', kind: 'interrupted', content: 'stopped' });
    expect(history.repairDanglingToolCalls()).toBe(1);
    expect(history.messages.map((message) => (message.role === 'tool' ? `tool:${message.toolCallId}` : message.role))).toEqual(['user', 'assistant', 'tool:a', 'tool:b', 'notice']);
    expect(history.at(3)).toMatchObject({ content: INTERRUPTED_RESULT, isError: true });
  });

  it('calibrates the estimate towards provider-reported usage, within bounds', () => {
    const history = new History({ counter: { count: (text) => text.length } });
    history.append({ role: 'user', content: 'x'.repeat(96) });
    history.calibrate(200, 100);
    expect(history.estimatedTokens).toBe(150);
    history.calibrate(1_000_000, 100);
    expect(history.calibration).toBeLessThanOrEqual(3);
  });
});
