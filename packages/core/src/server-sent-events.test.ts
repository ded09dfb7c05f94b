import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from './server-sent-events.js';
import type { IdleTimeout } from './server-sent-events.js';

const encoder = new TextEncoder();

/** A body that delivers each chunk in its own read. */
function bodyOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function batchesOf(body: ReadableStream<Uint8Array>, idleTimeout?: IdleTimeout) {
  const batches: Array<Array<{ event: string | undefined; data: string }>> = [];
  for await (const batch of readServerSentEvents(body, idleTimeout)) batches.push(batch.map(({ event, data }) => ({ event, data })));
  return batches;
}

async function messagesOf(chunks: string[]) {
  return (await batchesOf(bodyOf(chunks))).flat();
}

describe.each([
  {
    framing: 'named events (Anthropic)',
    stream: 'event: message_start\ndata: {"a":1}\n\nevent: ping\ndata: {"type":"ping"}\n\n',
    expected: [
      { event: 'message_start', data: '{"a":1}' },
      { event: 'ping', data: '{"type":"ping"}' },
    ],
  },
  {
    framing: 'data-only frames ending in [DONE] (OpenAI)',
    stream: 'data: {"a":1}\n\nevent: response.created\ndata: {"type":"response.created"}\n\ndata: [DONE]\n\n',
    expected: [
      { event: undefined, data: '{"a":1}' },
      { event: 'response.created', data: '{"type":"response.created"}' },
      { event: undefined, data: '[DONE]' },
    ],
  },
])('readServerSentEvents with $framing', ({ stream, expected }) => {
  it('frames the same messages however the bytes are split', async () => {
    expect(await messagesOf([stream])).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut += 1) expect(await messagesOf([stream.slice(0, cut), stream.slice(cut)])).toEqual(expected);
    expect(await messagesOf([...stream])).toEqual(expected);
  });

  it('accepts CRLF and CR line ends, a CRLF split across reads and a CR as the very last byte', async () => {
    const crlf = stream.replaceAll('\n', '\r\n');
    expect(await messagesOf([crlf])).toEqual(expected);
    expect(await messagesOf([...crlf])).toEqual(expected);
    expect(await messagesOf([stream.replaceAll('\n', '\r')])).toEqual(expected);
  });
});

describe('readServerSentEvents', () => {
  it('joins multi-line data, skips comments, ids, retry fields and a leading BOM, and keeps data-only messages', async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const batches = await batchesOf(bodyOf([bom, ': keep-alive\n\nretry: 10\nid: 7\nevent: x\ndata: one\ndata: two\n\ndata:tight\n\n']));
    expect(batches.flat()).toEqual([
      { event: 'x', data: 'one\ntwo' },
      { event: undefined, data: 'tight' },
    ]);
  });

  it('hands over one batch per network read and decodes UTF-8 split across reads', async () => {
    const bytes = encoder.encode('data: {"text":"héllo 🚀"}\n\ndata: {"text":"x"}\n\n');
    const emoji = bytes.indexOf(0xf0);
    expect(await batchesOf(bodyOf([bytes.slice(0, emoji + 2), bytes.slice(emoji + 2), 'data: 3\n\n']))).toEqual([
      [
        { event: undefined, data: '{"text":"héllo 🚀"}' },
        { event: undefined, data: '{"text":"x"}' },
      ],
      [{ event: undefined, data: '3' }],
    ]);
  });

  it('drops a message whose blank line never came', async () => {
    expect(await messagesOf(['event: message_stop\ndata: {}\n'])).toEqual([]);
    expect(await messagesOf(['data: {"a":1}\n'])).toEqual([]);
    expect(await messagesOf(['data: {"partial":'])).toEqual([]);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode('data: {}\n\n'));
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

  it('fails with the idle error and cancels the body when a read waits too long', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: first\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const silent = new Error('silent');
    await expect(batchesOf(body, { ms: 20, error: () => silent })).rejects.toBe(silent);
    expect(cancelled).toBe(true);
  });

  it('does not count the time the consumer spends on a batch as silence', async () => {
    let sent = 0;
    // Answers each read after a few milliseconds; the consumer is slower than the idle timeout.
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          await sleep(2);
          if (sent === 3) controller.close();
          else controller.enqueue(encoder.encode(`data: ${(sent += 1)}\n\n`));
        },
      },
      { highWaterMark: 0 },
    );
    const received: string[] = [];
    for await (const batch of readServerSentEvents(body, { ms: 40, error: () => new Error('silent') })) {
      received.push(...batch.map((message) => message.data));
      await sleep(60);
    }
    expect(received).toEqual(['1', '2', '3']);
  });
});
