import { describe, expect, it } from 'vitest';
import { parseStreamEvent } from './parse-stream-event.js';

const delta = (index: number, payload: Record<string, unknown>) => JSON.stringify({ type: 'content_block_delta', index, delta: payload });

describe('parseStreamEvent', () => {
  it.each([
    ['plain text', delta(0, { type: 'text_delta', text: 'Checking the weather.' })],
    ['escapes and unicode', delta(12, { type: 'text_delta', text: 'a "quote", a \\ backslash,\nnew line, tab\t, é, 🚀, \u0001' })],
    ['a trailing backslash', delta(3, { type: 'text_delta', text: 'ends with \\' })],
    ['tool input json', delta(1, { type: 'input_json_delta', partial_json: '{"city": "Par' })],
    ['thinking', delta(0, { type: 'thinking_delta', thinking: 'Let me think.' })],
    ['an empty string', delta(0, { type: 'text_delta', text: '' })],
    ['an extra field after the text', JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x', extra: 'y' } })],
    ['an extra field before the delta', JSON.stringify({ type: 'content_block_delta', index: 0, note: 'n', delta: { type: 'text_delta', text: 'x' } })],
    ['a signature delta', delta(0, { type: 'signature_delta', signature: 'sig' })],
    ['another event', JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } })],
  ])('reads %s exactly like JSON.parse', (_name, data) => {
    expect(parseStreamEvent(data)).toEqual(JSON.parse(data));
  });

  it('still rejects malformed data', () => {
    expect(() => parseStreamEvent('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"unterminated\\"}}')).toThrow(SyntaxError);
  });
});
