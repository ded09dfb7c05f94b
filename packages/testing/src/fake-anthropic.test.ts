import { describe, expect, it } from 'vitest';
import { anthropicScript, signThinking, startFakeAnthropic } from './index.js';
import type { FakeAnthropic } from './index.js';

const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test' };

function post(fake: FakeAnthropic, path: string, body: unknown, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fake.url}${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
}

function ask(text: string, extra: Record<string, unknown> = {}) {
  return { model: 'claude-test', max_tokens: 1024, messages: [{ role: 'user', content: text }], ...extra };
}

/** Parse an SSE body into [event, data] pairs. */
function frames(text: string): [string, Record<string, unknown>][] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return [eventLine!.replace('event: ', ''), JSON.parse(dataLine!.replace('data: ', ''))];
    });
}

describe('startFakeAnthropic', () => {
  it('streams the real framing byte for byte, with a ping after message_start', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('Hi there')] });
    const response = await post(fake, '/v1/messages', ask('Hello', { stream: true }));
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('request-id')).toBe('req_fake_0001');
    const text = await response.text();

    expect(text.startsWith('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_fake_0001","type":"message","role":"assistant"')).toBe(true);
    expect(text).toContain('\n\nevent: ping\ndata: {"type":"ping"}\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
    expect(text).toContain('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi there"}}\n\n');
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expect(frames(text).map(([event]) => event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('answers without streaming with a complete Message', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.toolUse([{ name: 'bash', input: { command: 'ls' } }], 'Listing.')] });
    const tools = [{ name: 'bash', description: 'Run', input_schema: { type: 'object' } }];
    const message = (await (await post(fake, '/v1/messages', ask('Go', { tools }))).json()) as Record<string, unknown>;
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: 'Listing.' },
        { type: 'tool_use', id: 'toolu_fake_0001', name: 'bash', input: { command: 'ls' } },
      ],
    });
  });

  it('accepts x-api-key and Bearer credentials, refuses none or the wrong one, and redacts them in the record', async () => {
    await using fake = await startFakeAnthropic({ apiKey: 'sk-ant-right' });
    const xApiKey = await post(fake, '/v1/messages', ask('a'), { 'x-api-key': 'sk-ant-right' });
    const bearer = await post(fake, '/v1/messages', ask('b'), { 'x-api-key': '', authorization: 'Bearer sk-ant-right' });
    const wrong = await post(fake, '/v1/messages', ask('c'), { 'x-api-key': 'sk-ant-wrong' });
    expect([xApiKey.status, bearer.status, wrong.status]).toEqual([200, 200, 401]);
    expect(await wrong.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(JSON.stringify(fake.requests.map((request) => request.headers))).not.toContain('sk-ant-right');
  });

  it('requires the anthropic-version header and answers 404 elsewhere', async () => {
    await using fake = await startFakeAnthropic();
    const response = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body: JSON.stringify(ask('a')) });
    expect(response.status).toBe(400);
    expect((await post(fake, '/v1/complete', ask('a'))).status).toBe(404);
  });

  it('counts tokens without consuming the script', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('scripted')] });
    const { model: _model, max_tokens: _max, ...countBody } = ask('Count me please');
    const count = (await (await post(fake, '/v1/messages/count_tokens', { model: 'claude-test', ...countBody })).json()) as { input_tokens: number };
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(fake.pending).toBe(1);
  });

  it('sends scripted failures with the real error body and retry headers', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.rateLimited(3), anthropicScript.overloaded(), anthropicScript.contextOverflow()] });
    const limited = await post(fake, '/v1/messages', ask('a'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.any(String) }, request_id: 'req_fake_0001' });
    expect((await post(fake, '/v1/messages', ask('b'))).status).toBe(529);
    const overflow = (await (await post(fake, '/v1/messages', ask('c'))).json()) as { error: { message: string } };
    expect(overflow.error.message).toMatch(/^prompt is too long: \d+ tokens > \d+ maximum$/);
  });

  it('ends a stream with an error event, or cuts it, before message_stop', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.errorMidStream(), anthropicScript.cutMidStream()] });
    const errored = await (await post(fake, '/v1/messages', ask('a', { stream: true }))).text();
    expect(errored.endsWith('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n')).toBe(true);
    expect(errored).not.toContain('message_stop');
    const cut = await post(fake, '/v1/messages', ask('b', { stream: true }));
    await expect(cut.text()).rejects.toThrow();
  });

  it('reads a repeated cached prefix from its prompt cache', async () => {
    await using fake = await startFakeAnthropic();
    const system = [{ type: 'text', text: 'Long system prompt. '.repeat(100), cache_control: { type: 'ephemeral' } }];
    const usage = async (text: string) => ((await (await post(fake, '/v1/messages', ask(text, { system }))).json()) as { usage: Record<string, number> }).usage;
    const first = await usage('one');
    const second = await usage('two');
    expect(first.cache_creation_input_tokens).toBeGreaterThan(400);
    expect(first.cache_read_input_tokens).toBe(0);
    expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
    expect(second.cache_creation_input_tokens).toBe(0);
  });

  it('rejects bodies the API would reject', async () => {
    await using fake = await startFakeAnthropic();
    const problem = async (body: unknown) => ((await (await post(fake, '/v1/messages', body)).json()) as { error: { message: string } }).error.message;
    expect(await problem({ ...ask('a'), messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] })).toContain('roles must alternate');
    expect(await problem({ ...ask('a'), messages: [{ role: 'user', content: [{ type: 'text', text: ' ' }] }] })).toContain('non-whitespace');
    const toolTurn = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: {} }] };
    expect(await problem({ ...ask('a'), messages: [{ role: 'user', content: 'a' }, toolTurn, { role: 'user', content: 'no result' }] })).toContain('without `tool_result`');
    const thinking = { type: 'thinking', thinking: 'edited', signature: signThinking('original') };
    expect(await problem({ ...ask('a'), messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [thinking, { type: 'text', text: 'x' }] }, { role: 'user', content: 'b' }] })).toContain('Invalid `signature`');
    expect(fake.messageBodies).toHaveLength(4);
  });

  it('plays a scenario from the conversation, then falls back to its final text', async () => {
    await using fake = await startFakeAnthropic({ scenario: { tool: 'bash', times: 2, arguments: (index) => ({ command: `step ${index}` }), finalText: 'All done.' } });
    const tools = [{ name: 'bash', description: 'Run', input_schema: { type: 'object' } }];
    const messages: Record<string, unknown>[] = [{ role: 'user', content: 'Start' }];
    const answers: Record<string, unknown>[][] = [];
    for (let call = 0; call < 3; call += 1) {
      const message = (await (await post(fake, '/v1/messages', { model: 'claude-test', max_tokens: 512, messages, tools })).json()) as { content: Record<string, unknown>[] };
      answers.push(message.content);
      messages.push({ role: 'assistant', content: message.content });
      const use = message.content.find((block) => block.type === 'tool_use');
      if (use) messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'ok' }] });
    }
    expect(answers.map((content) => content.map((block) => block.input ?? block.text))).toEqual([[{ command: 'step 0' }], [{ command: 'step 1' }], ['All done.']]);
    // Without the tool in the request the scenario says so instead of calling an undeclared tool.
    const withoutTool = (await (await post(fake, '/v1/messages', ask('x'))).json()) as { content: { text: string }[] };
    expect(withoutTool.content[0]?.text).toContain('not among the request');
  });
});
