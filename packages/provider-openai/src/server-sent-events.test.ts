import type { ModelStreamPart } from '@ml-intern/core';
import { describe, expect, test } from 'vitest';
import { mergeDeltas } from './merge-deltas.js';
import { ServerSentEventParser, readServerSentEvents, type ServerSentEvent } from './server-sent-events.js';

function parse(...chunks: string[]): ServerSentEvent[] {
  const parser = new ServerSentEventParser();
  const events: ServerSentEvent[] = [];
  for (const chunk of chunks) parser.push(chunk, events);
  return events;
}

function bodyOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe('ServerSentEventParser', () => {
  test('reads data-only frames and event-named frames', () => {
    expect(parse('data: {"a":1}\n\ndata: [DONE]\n\n')).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: '[DONE]' },
    ]);
    expect(parse('event: response.created\ndata: {"type":"response.created"}\n\n')).toEqual([{ event: 'response.created', data: '{"type":"response.created"}' }]);
  });

  test('handles frames split anywhere, CRLF and lone CR line ends, comments and multi-line data', () => {
    const stream = ': keep-alive\r\n\r\nevent: x\r\ndata: line one\r\ndata:line two\r\n\r\ndata: third\r\rdata: {"b":2}\n\n';
    const whole = parse(stream);
    expect(whole).toEqual([
      { event: 'x', data: 'line one\nline two' },
      { event: undefined, data: 'third' },
      { event: undefined, data: '{"b":2}' },
    ]);
    for (let cut = 1; cut < stream.length; cut += 1) expect(parse(stream.slice(0, cut), stream.slice(cut))).toEqual(whole);
  });

  test('never dispatches an unfinished frame', () => {
    expect(parse('data: {"partial":')).toEqual([]);
    expect(parse('data: {"a":1}\n')).toEqual([]);
  });
});

describe('readServerSentEvents', () => {
  test('decodes UTF-8 split across network reads and yields one batch per read', async () => {
    const bytes = new TextEncoder().encode('data: {"text":"héllo 🚀"}\n\ndata: {"text":"x"}\n\n');
    const emoji = bytes.indexOf(0xf0);
    const batches: ServerSentEvent[][] = [];
    for await (const batch of readServerSentEvents(bodyOf([bytes.slice(0, emoji + 2), bytes.slice(emoji + 2)]))) batches.push(batch);
    expect(batches).toEqual([[{ event: undefined, data: '{"text":"héllo 🚀"}' }, { event: undefined, data: '{"text":"x"}' }]]);
  });

  test('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: {}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const batch of readServerSentEvents(body)) {
      expect(batch).toHaveLength(1);
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('mergeDeltas', () => {
  test('merges neighbouring deltas of one kind and one tool call, keeping everything else in order', () => {
    const parts: ModelStreamPart[] = [
      { type: 'reasoning-delta', text: 'a' },
      { type: 'reasoning-delta', text: 'b' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'tool-call-start', id: 'c1', name: 'bash' },
      { type: 'tool-call-delta', id: 'c1', argumentsDelta: '{"x"' },
      { type: 'tool-call-delta', id: 'c1', argumentsDelta: ':1}' },
      { type: 'tool-call-start', id: 'c2', name: 'bash' },
      { type: 'tool-call-delta', id: 'c2', argumentsDelta: '{}' },
      { type: 'tool-call-end', id: 'c1' },
      { type: 'tool-call-end', id: 'c2' },
    ];
    mergeDeltas(parts);
    expect(parts).toEqual([
      { type: 'reasoning-delta', text: 'ab' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'tool-call-start', id: 'c1', name: 'bash' },
      { type: 'tool-call-delta', id: 'c1', argumentsDelta: '{"x":1}' },
      { type: 'tool-call-start', id: 'c2', name: 'bash' },
      { type: 'tool-call-delta', id: 'c2', argumentsDelta: '{}' },
      { type: 'tool-call-end', id: 'c1' },
      { type: 'tool-call-end', id: 'c2' },
    ]);
  });
});
