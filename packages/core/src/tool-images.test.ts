import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonlSessionStore } from '@ml-intern/context';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { imageRefusal, keepRecentImages, type ModelInfo } from './model.js';
import type { Message } from '@ml-intern/context';
import { createSession } from './session.js';
import { ScriptedModel, textTurn, toolTurn } from './testing.js';
import { defineTool } from './tool.js';
import type { ImagePart } from '@ml-intern/context';

// A 1×1 PNG header is enough here: nothing in core decodes the bytes.
const image: ImagePart = { type: 'image', mediaType: 'image/png', data: Buffer.from('\x89PNG fake bytes').toString('base64'), width: 640, height: 480 };

const plot = defineTool({
  name: 'plot',
  description: 'returns a picture',
  inputSchema: z.object({}),
  readOnly: true,
  execute: () => ({ output: 'loss.png: PNG image, 640×480 px (sk-proj-abcdefghijklmnopqrstuvwxyz0123456789)', images: [image, { type: 'bogus' } as unknown as ImagePart] }),
});

describe('tool results with images', () => {
  it('reach the next request as image parts beside the redacted text', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'plot', arguments: {} }), textTurn('the loss goes down')] });
    const session = createSession({ model, tools: [plot], planTool: false, redact: (text) => text.replace(/sk-proj-[\w]+/g, '[REDACTED]') });
    const outcome = await session.run('plot the loss and look at it');
    expect(outcome.status).toBe('completed');
    const result = model.requests[1]?.messages.find((message) => message.role === 'tool');
    expect(result).toMatchObject({ role: 'tool', toolName: 'plot', isError: false, images: [image] });
    expect(result?.content).toContain('[REDACTED]');
    expect(result?.content).not.toContain('sk-proj-');
    await session.close();
  });

  it('survive the session log with a redactor on: a resumed session sends the same image', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ml-intern-image-resume-'));
    try {
      const store = new JsonlSessionStore(root);
      // A redactor that would match inside the base64 if it were applied there.
      const redact = (text: string) => text.replaceAll(image.data.slice(4, 12), '[REDACTED]');
      const first = createSession({ model: new ScriptedModel({ turns: [toolTurn({ name: 'plot', arguments: {} }), textTurn('seen')] }), tools: [plot], store, redact, planTool: false });
      await first.run('plot it');
      await first.close();
      const loaded = await store.load(first.id);
      expect(loaded.messages.find((message) => message.role === 'tool')).toMatchObject({ images: [image] });
      const model = new ScriptedModel({ turns: [textTurn('still the same plot')] });
      const resumed = createSession({ model, id: loaded.header.id, history: loaded.messages, store, resumed: true, planTool: false });
      await resumed.run('look again');
      expect(model.requests[0]?.messages.find((message) => message.role === 'tool')).toMatchObject({ images: [image] });
      await resumed.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('imageRefusal', () => {
  const vision: ModelInfo = { contextWindow: 1000, maxOutputTokens: 100, imageInput: { maxBytes: 10, maxEdge: 500 } };
  it('explains why an image cannot go to a text-only model or over a limit, and passes the rest', () => {
    expect(imageRefusal('local/llama', { contextWindow: 1000, maxOutputTokens: 100 }, image)).toMatch(/the model local\/llama does not accept image input/);
    expect(imageRefusal('m', vision, image)).toMatch(/larger than the 10 bytes m accepts/);
    const small = { ...image, data: Buffer.from('tiny').toString('base64') };
    expect(imageRefusal('m', vision, small)).toMatch(/at most 500 pixels per side/);
    expect(imageRefusal('m', vision, { ...small, width: 100, height: 100 })).toBeUndefined();
  });
});

describe('keepRecentImages', () => {
  it('sends only the most recent images and says in the older messages that theirs were left out', () => {
    const messages: Message[] = [
      { role: 'user', content: 'compare these', images: [image, image] },
      { role: 'tool', toolCallId: 'c1', toolName: 'read', content: 'a.png', isError: false, images: [image] },
      { role: 'tool', toolCallId: 'c2', toolName: 'read', content: 'b.png', isError: false, images: [image] },
    ];
    expect(keepRecentImages(messages, 4)).toBe(messages);
    const kept = keepRecentImages(messages, 2);
    expect(kept[0]).toEqual({ role: 'user', content: 'compare these\n[2 earlier images were not sent again, to keep the request small; read the file again to look at it]' });
    expect(kept[1]).toMatchObject({ content: 'a.png', images: [image] });
    expect(kept[2]).toMatchObject({ content: 'b.png', images: [image] });
    expect(messages[0]).toMatchObject({ images: [image, image] });
  });
});
