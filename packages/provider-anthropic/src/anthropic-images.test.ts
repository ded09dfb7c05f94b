import { anthropicScript, startFakeAnthropic, testPng } from '@ml-intern/testing';
import type { ImagePart, Message, ModelRequest } from '@ml-intern/core';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { createAnthropicModel } from './index.js';

function pngPart(width: number, height: number): ImagePart {
  return { type: 'image', mediaType: 'image/png', data: testPng(width, height).toString('base64'), width, height };
}

function afterRead(images: ImagePart[]): ModelRequest {
  const messages: Message[] = [
    { role: 'user', content: 'Plot the loss and check it.' },
    { role: 'assistant', content: [{ type: 'tool_call', id: 'toolu_1', name: 'read', arguments: '{"path":"loss.png"}' }] },
    { role: 'tool', toolCallId: 'toolu_1', toolName: 'read', content: 'loss.png: PNG image', isError: false, images },
  ];
  return { system: 'You are a careful ML engineer.', messages, tools: [] };
}

describe('images to the Anthropic Messages API', () => {
  it('sends a tool result image as an image block inside tool_result, which the fake accepts', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('The loss goes down.')] });
    const model = createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', baseURL: fake.url });
    expect(model.info.imageInput).toEqual({ maxBytes: 5 * 1024 * 1024, maxEdge: 8000, downscaleTo: { longEdge: 1568 } });
    const image = pngPart(4, 3);
    const turn = await collectTurn(model.stream(afterRead([image])));
    expect(turn.text).toBe('The loss goes down.');
    const messages = fake.messageBodies[0]?.messages as { role: string; content: unknown }[];
    expect(messages[2]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: [
            { type: 'text', text: 'loss.png: PNG image' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: image.data } },
          ],
          cache_control: { type: 'ephemeral' },
        },
      ],
    });
  });

  it('sends an attached image of a user message as an image block after its text', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('A straight line.')] });
    const model = createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', baseURL: fake.url });
    const image = pngPart(2, 2);
    await collectTurn(model.stream({ system: 's', tools: [], messages: [{ role: 'user', content: 'What is this?', images: [image] }] }));
    const messages = fake.messageBodies[0]?.messages as { content: { type: string }[] }[];
    expect(messages[0]?.content.map((block) => block.type)).toEqual(['text', 'image']);
  });

  it('replaces an image over the 8000 px limit with a note instead of sending what the API rejects', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('ok')] });
    const model = createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', baseURL: fake.url });
    await collectTurn(model.stream(afterRead([{ ...pngPart(2, 2), width: 9000, height: 100 }])));
    const result = (fake.messageBodies[0]?.messages as { content: { content: { type: string; text?: string }[] }[] }[])[2]?.content[0]?.content;
    expect(result?.map((block) => block.type)).toEqual(['text', 'text']);
    expect(result?.[1]?.text).toMatch(/accepts at most 8000 pixels per side and the image cannot be downscaled here/);
  });

  it('sends the 20 most recent images of a long session and a note for the older ones', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('ok')] });
    const model = createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', baseURL: fake.url });
    await collectTurn(model.stream(afterRead(Array.from({ length: 25 }, () => pngPart(2, 2)))));
    const content = (fake.messageBodies[0]?.messages as { content: { content: { type: string; text?: string }[] }[] }[])[2]?.content[0]?.content ?? [];
    expect(content.filter((block) => block.type === 'image')).toHaveLength(20);
    expect(content[0]?.text).toMatch(/5 earlier images were not sent again/);
  });

  it('the fake rejects an image whose bytes do not match its media type, as the API does', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('never')] });
    const model = createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', baseURL: fake.url });
    const wrong: ImagePart = { ...pngPart(2, 2), mediaType: 'image/jpeg' };
    await expect(collectTurn(model.stream(afterRead([wrong])))).rejects.toThrow(/does not match the provided media type/);
  });
});
