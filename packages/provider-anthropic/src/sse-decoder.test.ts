import { describe, expect, it } from 'vitest';
import { SseDecoder } from './sse-decoder.js';

function decodeAll(chunks: string[]) {
  const decoder = new SseDecoder();
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()];
}

describe('SseDecoder', () => {
  const stream = 'event: message_start\ndata: {"a":1}\n\nevent: ping\ndata: {"type":"ping"}\n\n';

  it('decodes the same messages however the bytes are split', () => {
    const whole = decodeAll([stream]);
    expect(whole).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { event: 'ping', data: '{"type":"ping"}' },
    ]);
    for (let cut = 1; cut < stream.length; cut += 1) expect(decodeAll([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    expect(decodeAll([...stream])).toEqual(whole);
  });

  it('accepts CRLF and CR line ends, even with CRLF split across chunks', () => {
    const crlf = stream.replaceAll('\n', '\r\n');
    expect(decodeAll([crlf])).toEqual(decodeAll([stream]));
    expect(decodeAll([...crlf])).toEqual(decodeAll([stream]));
    expect(decodeAll([stream.replaceAll('\n', '\r')])).toEqual(decodeAll([stream]));
  });

  it('joins multi-line data, skips comments and a leading BOM, and keeps data-only messages', () => {
    expect(decodeAll(['\uFEFF: keep-alive\n\nevent: x\ndata: one\ndata: two\n\ndata:tight\n\n'])).toEqual([
      { event: 'x', data: 'one\ntwo' },
      { event: null, data: 'tight' },
    ]);
  });

  it('does not emit a message whose blank line never came', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('event: message_stop\ndata: {}\n')).toEqual([]);
    expect(decoder.end()).toEqual([]);
    expect(decoder.push('\n')).toEqual([]);
  });
});
