import { describe, expect, test } from 'vitest';
import { startFakeOpenAI } from './fake-openai.js';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-secret-value', ...headers }, body: JSON.stringify(body) });
}

function frames(text: string): string[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text.slice(0, -2).split('\n\n');
}

describe('startFakeOpenAI', () => {
  test('chat stream: data-only frames, usage only when asked for, [DONE] last', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'Hi there', toolCalls: [{ name: 'bash', id: 'call_x', arguments: { command: 'ls' }, chunks: 2 }] }] });
    const response = await post(`${fake.baseURL}/chat/completions`, { model: 'gpt-x', messages: [], stream: true, stream_options: { include_usage: true } });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-request-id')).toBe('req_fake_1');
    const lines = frames(await response.text());
    expect(lines.every((line) => line.startsWith('data: ') && !line.includes('\nevent:'))).toBe(true);
    expect(lines.at(-1)).toBe('data: [DONE]');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line.slice(6)));
    expect(chunks[0]).toMatchObject({ id: 'chatcmpl-fake-1', object: 'chat.completion.chunk', model: 'gpt-x', usage: null });
    expect(chunks[0].choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null });
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      { index: 0, id: 'call_x', type: 'function', function: { name: 'bash', arguments: '' } },
      { index: 0, function: { arguments: '{"comman' } },
      { index: 0, function: { arguments: 'd":"ls"}' } },
    ]);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) } });

    const withoutUsage = await post(`${fake.baseURL}/chat/completions`, { model: 'gpt-x', messages: [], stream: true });
    const plain = frames(await withoutUsage.text()).slice(0, -1).map((line) => JSON.parse(line.slice(6)));
    expect(plain.every((chunk) => !('usage' in chunk))).toBe(true);
  });

  test('responses stream: event lines match the payload type, sequence numbers count up, no [DONE]', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ reasoning: 'Think.', text: 'Answer.', toolCalls: [{ name: 'bash', arguments: {} }] }] });
    const response = await post(`${fake.baseURL}/responses`, { model: 'gpt-5', input: 'x', stream: true, include: ['reasoning.encrypted_content'] });
    const events = frames(await response.text()).map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      const data = JSON.parse((dataLine ?? '').slice(6));
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const completed = events.at(-1).response;
    expect(completed.status).toBe('completed');
    expect(completed.output.map((item: { type: string }) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(completed.output[0].encrypted_content).toBe('gAAAA-fake-encrypted-1');
    expect(completed.usage).toMatchObject({ input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 2 } });
  });

  test('non-streamed answers, the model list, errors and unknown paths', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'plain' }, { failure: { kind: 'rate_limit', retryAfterSeconds: 3 } }], models: ['a', 'b'] });
    const completion = await (await post(`${fake.baseURL}/chat/completions`, { model: 'm', messages: [] })).json();
    expect(completion).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'plain' }, finish_reason: 'stop' }] });
    const limited = await post(`${fake.baseURL}/chat/completions`, { model: 'm', messages: [], stream: true });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    const models = await (await fetch(`${fake.baseURL}/models`)).json();
    expect(models.data.map((model: { id: string }) => model.id)).toEqual(['a', 'b']);
    expect((await post(`${fake.baseURL}/completions`, {})).status).toBe(404);
  });

  test('records requests with the bearer token redacted', async () => {
    await using fake = await startFakeOpenAI();
    await (await post(`${fake.baseURL}/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'hi' }] })).json();
    expect(fake.modelRequests[0]?.headers.authorization).toBe('Bearer sk-sec…[redacted]');
    expect(JSON.stringify(fake.requests)).not.toContain('secret-value');
    expect(fake.modelRequests[0]?.json).toMatchObject({ messages: [{ role: 'user', content: 'hi' }] });
  });

  test('scenario mode: N tool calls, the final text, then a short text', async () => {
    await using fake = await startFakeOpenAI({ scenario: { tool: 'bash', arguments: (call) => ({ command: `step ${call}` }), times: 2, finalText: 'Finished.' } });
    const answers = [];
    for (let index = 0; index < 4; index += 1) answers.push(await (await post(`${fake.baseURL}/chat/completions`, { model: 'm', messages: [] })).json());
    expect(answers.map((answer) => answer.choices[0].message.tool_calls?.[0]?.function.arguments ?? answer.choices[0].message.content)).toEqual([
      '{"command":"step 0"}',
      '{"command":"step 1"}',
      'Finished.',
      'OK.',
    ]);
  });

  test('a cut stream fails the reader instead of ending cleanly', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'abcdefghijklmnopqrstuvwxyz', failure: { kind: 'cut', afterFrames: 3 } }] });
    const response = await post(`${fake.baseURL}/chat/completions`, { model: 'm', messages: [], stream: true });
    await expect(response.text()).rejects.toThrow();
  });
});
