import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { JsonlSessionStore } from '@ml-intern/context';
import { createSession, type AgentConfig } from '@ml-intern/core';
import { createAnthropicModel } from '@ml-intern/provider-anthropic';
import { anthropicScript, startFakeAnthropic, temporaryDirectories, testPng } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/runtime-types.js';
import { CaptureOutput } from './__fixtures__/capture-output.js';
import { imageAttachments } from './image-attachments.js';
import { runInteractive } from './run-interactive.js';

const directories = temporaryDirectories();
const temporaryDirectory = () => directories.make('ml-intern-attach-');
afterEach(() => directories.removeAll());

describe('imageAttachments', () => {
  it('attaches @-mentioned images relative to the cwd and says why others are not', async () => {
    const cwd = temporaryDirectory();
    mkdirSync(path.join(cwd, 'plots'));
    writeFileSync(path.join(cwd, 'plots', 'loss.png'), testPng(64, 48));
    writeFileSync(path.join(cwd, 'fake.png'), 'not an image');
    const found = await imageAttachments('compare @plots/loss.png, @fake.png and @missing.jpg; mail me@example.com about @notes.txt', cwd);
    expect(found.images).toEqual([{ type: 'image', mediaType: 'image/png', data: testPng(64, 48).toString('base64'), width: 64, height: 48 }]);
    expect(found.attached).toEqual(['attached plots/loss.png (PNG 64×48, 1 KB)']);
    expect(found.problems).toEqual(['@fake.png: not a PNG, JPEG, GIF or WebP image', '@missing.jpg: no such file']);
    expect((await imageAttachments('no mentions here', cwd)).images).toEqual([]);
  });
});

describe('@path in the interactive CLI', () => {
  it('reaches the Anthropic API as an image block of the user message', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('A loss curve going down.')] });
    const dataDir = temporaryDirectory();
    const plot = path.join(dataDir, 'plot.png');
    writeFileSync(plot, testPng(16, 12));
    const model = createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', baseURL: fake.url });
    const store = new JsonlSessionStore(path.join(dataDir, 'sessions'));
    const session = createSession({ model, tools: [], systemPrompt: 'You are a test.', interactive: true, store, dataDir: path.join(dataDir, 'scratch'), planTool: false });
    const runtime: Runtime = {
      session,
      config: { budget_usd: null } as unknown as AgentConfig,
      configDigest: 'test',
      model,
      policy: session.policy,
      store,
      description: { runtime: 'test', network: false, gpu: [] },
      setModel: async (id) => {
        throw new Error(`no other model: ${id}`);
      },
      close: () => session.close(),
    };
    const input = new PassThrough();
    const output = new CaptureOutput();
    input.end(`what does @${plot} show?\n/quit\n`);
    const code = await runInteractive(runtime, { input, output, historyFile: path.join(dataDir, 'history'), env: { NO_COLOR: '1' } });
    expect(code).toBe(0);
    expect(output.text).toContain('attached ');
    expect(output.text).toContain('A loss curve going down.');
    const messages = fake.messageBodies[0]?.messages as { role: string; content: Record<string, unknown>[] }[];
    expect(messages[0]?.content.map((block) => block.type)).toEqual(['text', 'image']);
    expect(messages[0]?.content[1]).toMatchObject({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: testPng(16, 12).toString('base64') } });
  });
});
