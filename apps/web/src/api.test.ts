import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentEvent } from '@ml-intern/events';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createApi, followEvents, type StreamStatus } from './api.js';

function frame(seq: number): string {
  const event = { type: 'assistant_chunk', text: `t${seq}`, session_id: 's1', seq, ts: '2026-01-01T00:00:00.000Z' };
  return `id: ${seq}\ndata: ${JSON.stringify(event)}\n\n`;
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real SSE endpoint: each connection gets the answer of its turn (then the connection ends). */
async function sseServer(answers: ((request: http.IncomingMessage, response: http.ServerResponse) => void)[]) {
  const seen: { url: string; lastEventId: string | undefined }[] = [];
  const server = http.createServer((request, response) => {
    seen.push({ url: request.url ?? '', lastEventId: request.headers['last-event-id'] as string | undefined });
    const answer = answers[seen.length - 1];
    if (!answer) {
      response.writeHead(503).end();
      return;
    }
    answer(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function sse(response: http.ServerResponse, body: string) {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.end(body);
}

describe('followEvents', () => {
  it('reconnects after a dropped stream with Last-Event-ID, and skips comments and frames that are not events', async () => {
    const server = await sseServer([
      (_, response) => sse(response, `: keep-alive\n\n${frame(0)}${frame(1)}data: not json\n\n`),
      (_, response) => sse(response, `${frame(2)}: keep-alive\n\n${frame(3)}`),
    ]);
    const events: AgentEvent[] = [];
    const statuses: StreamStatus[] = [];
    let last = -1;
    const stop = followEvents({
      sessionId: 's/1',
      base: server.base,
      retryMs: 10,
      lastSeq: () => last,
      onEvent: (event) => {
        events.push(event);
        last = event.seq;
      },
      onStatus: (status) => statuses.push(status),
    });
    await expect.poll(() => events.length).toBe(4);
    stop();
    expect(events.map((event) => event.seq)).toEqual([0, 1, 2, 3]);
    expect(server.seen.slice(0, 2)).toEqual([
      { url: '/api/sessions/s%2F1/events', lastEventId: undefined },
      { url: '/api/sessions/s%2F1/events', lastEventId: '1' },
    ]);
    expect(statuses.slice(0, 4)).toEqual(['connecting', 'open', 'retrying', 'connecting']);
  });

  it('stops on 404 and 401 with a message that says what to do', async () => {
    for (const [status, text] of [
      [404, 'This session is not running on the server.'],
      [401, 'Not signed in: open the link that `ml-intern serve` printed.'],
    ] as const) {
      const server = await sseServer([(_, response) => response.writeHead(status).end()]);
      const closed: (string | undefined)[] = [];
      followEvents({ sessionId: 'x', base: server.base, retryMs: 10, lastSeq: () => -1, onEvent: () => undefined, onStatus: (state, detail) => state === 'closed' && closed.push(detail) });
      await expect.poll(() => closed).toEqual([text]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.seen).toHaveLength(1);
    }
  });

  it('retries a server that fails, and stops when told', async () => {
    const server = await sseServer([(_, response) => response.writeHead(502).end(), (_, response) => sse(response, frame(5))]);
    const events: number[] = [];
    const stop = followEvents({ sessionId: 'x', base: server.base, retryMs: 10, lastSeq: () => -1, onEvent: (event) => events.push(event.seq) });
    await expect.poll(() => events).toEqual([5]);
    stop();
    // A request already on its way may still arrive; after that, nothing more (retries are 10 ms apart).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const count = server.seen.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.seen.length).toBe(count);
  });
});

describe('turns and the rewind preview', () => {
  it('lists the turns and fetches a preview from the session\'s own URLs; an unknown turn is an ApiError with the server\'s message', async () => {
    const turns = { checkpoints: true, turns: [{ turn: 1, input: 'write train.py', in_conversation: true, changes: [{ status: 'A', path: 'train.py' }], remote_effects: [] }] };
    const preview = { stat: ' train.py | 1 -\n', patch: '-lr = 1\n', truncated: false };
    const json = (response: http.ServerResponse, status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const server = await sseServer([
      (_, response) => json(response, 200, turns),
      (_, response) => json(response, 200, preview),
      (_, response) => json(response, 404, { error: { code: 'no_turn', message: 'no turn 7 in this session' } }),
    ]);
    const client = createApi(server.base);
    expect(await client.listTurns('s/1')).toEqual(turns);
    expect(await client.previewRewind('s/1', 1)).toEqual(preview);
    const failed = await client.previewRewind('s/1', 7).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ApiError);
    expect(failed).toMatchObject({ status: 404, message: 'no turn 7 in this session' });
    expect(server.seen.map((request) => request.url)).toEqual(['/api/sessions/s%2F1/turns', '/api/sessions/s%2F1/turns/1/preview', '/api/sessions/s%2F1/turns/7/preview']);
  });
});
