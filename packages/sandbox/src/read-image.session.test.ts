import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApprovalPolicy, createSession } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { temporaryDirectories, testPng } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalSandbox } from './local-sandbox.js';
import { sandboxTools } from './sandbox-tools.js';

const directories = temporaryDirectories();
const temporaryDirectory = directories.make;
afterEach(() => {
  directories.removeAll();
});

describe('read of an image through a real session', () => {
  it('gives the model the image with a short line of text', async () => {
    const workspace = temporaryDirectory('ml-intern-read-image-');
    const dataDir = temporaryDirectory('ml-intern-read-image-data-');
    const bytes = testPng(8, 6);
    writeFileSync(path.join(workspace, 'loss.png'), bytes);
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'read', arguments: { path: 'loss.png' } }), textTurn('The loss goes down.')] });
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, isolation: 'none' });
    const session = createSession({ model, tools: sandboxTools({ sandbox }), cwd: workspace, dataDir, policy: createApprovalPolicy({ mode: 'yolo' }), planTool: false });
    const outcome = await session.run('Plot the loss and look at it.');
    expect(outcome.status).toBe('completed');

    const result = model.requests[1]?.messages.find((message) => message.role === 'tool');
    const image = { type: 'image', mediaType: 'image/png', data: bytes.toString('base64'), width: 8, height: 6 };
    expect(result).toMatchObject({ role: 'tool', toolName: 'read', isError: false, images: [image] });
    expect(result?.content).toBe(`loss.png: PNG image, 8×6 px, ${bytes.length} bytes (attached as an image).`);
    await session.close();
  });

  it('a text file that starts like no image is read as lines, as before', async () => {
    const workspace = temporaryDirectory('ml-intern-read-text-');
    const dataDir = temporaryDirectory('ml-intern-read-text-data-');
    writeFileSync(path.join(workspace, 'notes.txt'), 'GIF is a format\n');
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'read', arguments: { path: 'notes.txt' } }), textTurn('ok')] });
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, isolation: 'none' });
    const session = createSession({ model, tools: sandboxTools({ sandbox }), cwd: workspace, dataDir, policy: createApprovalPolicy({ mode: 'yolo' }), planTool: false });
    await session.run('read the notes');
    const result = model.requests[1]?.messages.find((message) => message.role === 'tool');
    expect(result).toMatchObject({ content: '     1\tGIF is a format' });
    expect(result && 'images' in result).toBe(false);
    await session.close();
  });
});
