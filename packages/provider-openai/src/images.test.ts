import type { ImagePart, Message, ModelRequest } from '@ml-intern/core';
import { startFakeOpenAI, testPng } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { collect } from './collect-stream.test-helper.js';
import { OPENAI_IMAGE_LIMITS, createOpenAIModel } from './index.js';

const image: ImagePart = { type: 'image', mediaType: 'image/png', data: testPng(4, 3).toString('base64'), width: 4, height: 3 };
const dataUrl = `data:image/png;base64,${image.data}`;

/** Two reads in one turn, the first returning a plot, then the model's next call. */
function afterReads(): ModelRequest {
  const messages: Message[] = [
    { role: 'user', content: 'Plot the loss and check it.' },
    {
      role: 'assistant',
      content: [
        { type: 'tool_call', id: 'call_1', name: 'read', arguments: '{"path":"loss.png"}' },
        { type: 'tool_call', id: 'call_2', name: 'read', arguments: '{"path":"train.log"}' },
      ],
    },
    { role: 'tool', toolCallId: 'call_1', toolName: 'read', content: 'loss.png: PNG image, 4×3 px', isError: false, images: [image] },
    { role: 'tool', toolCallId: 'call_2', toolName: 'read', content: '     1\tstep 1 loss 2.3', isError: false },
  ];
  return { system: 'sys', messages, tools: [] };
}

describe('images to OpenAI', () => {
  test('Chat Completions: tool messages stay text; the image follows them in a user message as a data URL', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'The loss goes down.' }] });
    const model = createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: fake.baseURL, apiKey: 'k' });
    expect(model.info.imageInput).toEqual(OPENAI_IMAGE_LIMITS);
    const answer = await collect(model.stream(afterReads()));
    expect(answer.text).toBe('The loss goes down.');
    const messages = (fake.modelRequests[0]?.json as { messages: unknown[] }).messages;
    expect(messages.slice(3)).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: 'loss.png: PNG image, 4×3 px' },
      { role: 'tool', tool_call_id: 'call_2', content: '     1\tstep 1 loss 2.3' },
      {
        role: 'user',
        content: [
          { type: 'text', text: '<system-notice>The image returned by the read call call_1:</system-notice>' },
          { type: 'image_url', image_url: { url: dataUrl } },
        ],
      },
    ]);
  });

  test('Chat Completions: an attached image of a user message is an image_url part after its text', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'ok' }] });
    const model = createOpenAIModel({ model: 'gpt-4o', baseURL: fake.baseURL, apiKey: 'k' });
    await collect(model.stream({ system: '', tools: [], messages: [{ role: 'user', content: 'what is this?', images: [image] }] }));
    expect((fake.modelRequests[0]?.json as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: dataUrl } }] },
    ]);
  });

  test('Responses: the function_call_output carries input_text and input_image parts', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'seen' }] });
    const model = createOpenAIModel({ model: 'gpt-4.1', api: 'responses', baseURL: fake.baseURL, apiKey: 'k' });
    const answer = await collect(model.stream(afterReads()));
    expect(answer.text).toBe('seen');
    const input = (fake.modelRequests[0]?.json as { input: unknown[] }).input;
    expect(input).toContainEqual({
      type: 'function_call_output',
      call_id: 'call_1',
      output: [
        { type: 'input_text', text: 'loss.png: PNG image, 4×3 px' },
        { type: 'input_image', image_url: dataUrl, detail: 'auto' },
      ],
    });
  });

  test('a text-only model gets a note saying why in place of the image', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'ok' }] });
    const model = createOpenAIModel({ model: 'openai/gpt-oss-120b', provider: 'huggingface', baseURL: fake.baseURL, apiKey: 'k' });
    expect(model.info.imageInput).toBeUndefined();
    await collect(model.stream(afterReads()));
    const body = JSON.stringify(fake.modelRequests[0]?.json);
    expect(body).not.toContain('image_url');
    expect(body).toContain('the model huggingface/openai/gpt-oss-120b does not accept image input');
  });

  test('the fake refuses an image in a tool message, as OpenAI does', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'never' }] });
    const response = await fetch(`${fake.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'read', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c', content: [{ type: 'image_url', image_url: { url: dataUrl } }] },
        ],
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/only allowed for messages with role 'user'/);
  });
});
