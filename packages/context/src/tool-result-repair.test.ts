import { describe, expect, it } from 'vitest';
import { NO_RESULT_RECORDED, repairToolResults } from './history.js';
import type { Message, ToolResultMessage } from './messages.js';

const user = (content: string): Message => ({ role: 'user', content });
const calls = (...ids: string[]): Message => ({ role: 'assistant', content: ids.map((id) => ({ type: 'tool_call' as const, id, name: 'bash', arguments: '{}' })) });
const result = (id: string, content = `output of ${id}`): ToolResultMessage => ({ role: 'tool', toolCallId: id, toolName: 'bash', content, isError: false });
const synthetic = (id: string): ToolResultMessage => ({ role: 'tool', toolCallId: id, toolName: 'bash', content: NO_RESULT_RECORDED, isError: true });

/** Every call answered exactly once, right after its assistant message; no result without a call. */
function isWellPaired(messages: readonly Message[]): boolean {
  for (let index = 0; index < messages.length; index += 1) {
    const message = messages[index] as Message;
    if (message.role === 'tool') return false;
    if (message.role !== 'assistant') continue;
    const ids = message.content.flatMap((part) => (part.type === 'tool_call' ? [part.id] : []));
    const answered = [];
    while (messages[index + 1]?.role === 'tool') {
      index += 1;
      answered.push((messages[index] as ToolResultMessage).toolCallId);
    }
    if ([...answered].sort().join() !== [...ids].sort().join()) return false;
  }
  return true;
}

describe('repairToolResults', () => {
  it('returns a well-formed history untouched (same array)', () => {
    const messages = [user('go'), calls('a', 'b'), result('b'), result('a'), { role: 'assistant', content: [{ type: 'text', text: 'done' }] } as Message];
    const repair = repairToolResults(messages);
    expect(repair).toEqual({ messages, dropped: 0, added: 0, moved: 0 });
    expect(repair.messages).toBe(messages);
  });

  it('drops a result without its call', () => {
    const repair = repairToolResults([user('go'), result('ghost'), calls('a'), result('a'), result('nobody')]);
    expect(repair.messages).toEqual([user('go'), calls('a'), result('a')]);
    expect(repair).toMatchObject({ dropped: 2, added: 0 });
  });

  it('gives a call without a result a synthetic error result', () => {
    const repair = repairToolResults([user('go'), calls('a', 'b'), result('a'), user('next')]);
    expect(repair.messages).toEqual([user('go'), calls('a', 'b'), result('a'), synthetic('b'), user('next')]);
    expect(repair).toMatchObject({ dropped: 0, added: 1 });
  });

  it('keeps the first of two results for one call', () => {
    const repair = repairToolResults([calls('a'), result('a', 'first'), result('a', 'second')]);
    expect(repair.messages).toEqual([calls('a'), result('a', 'first')]);
    expect(repair.dropped).toBe(1);
  });

  it('moves a result written after another message up to its call', () => {
    const repair = repairToolResults([user('go'), calls('a'), user('typed meanwhile'), result('a')]);
    expect(repair.messages).toEqual([user('go'), calls('a'), result('a'), user('typed meanwhile')]);
    expect(repair).toMatchObject({ moved: 1, dropped: 0, added: 0 });
  });

  it('always yields a well-paired history', () => {
    const broken = [result('x'), calls('a', 'b'), result('b'), user('u'), calls('c'), result('a'), result('c'), result('c'), calls('d')];
    const repair = repairToolResults(broken);
    expect(isWellPaired(repair.messages)).toBe(true);
    expect(repair.messages.filter((message) => message.role === 'tool')).toHaveLength(4);
  });

  it('is linear: 20,000 unanswered calls are repaired quickly', () => {
    const messages: Message[] = [];
    for (let index = 0; index < 20_000; index += 1) messages.push(calls(`c${index}`), user(`u${index}`));
    const started = performance.now();
    const repair = repairToolResults(messages);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(repair.added).toBe(20_000);
    expect(isWellPaired(repair.messages)).toBe(true);
  });
});
