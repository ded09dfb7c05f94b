import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { createApprovalPolicy, createSession } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalSandbox } from './local-sandbox.js';
import { sandboxTools } from './sandbox-tools.js';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG: a diagonal line on white, like the smallest loss curve. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  const stride = width * 3 + 1;
  const rows = Buffer.alloc(stride * height, 0xff);
  for (let row = 0; row < height; row += 1) {
    rows[row * stride] = 0;
    const column = Math.min(width - 1, row);
    rows.fill(0, row * stride + 1 + column * 3, row * stride + 4 + column * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const directories: string[] = [];
function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  directories.push(directory);
  return directory;
}
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('read of an image through a real session', () => {
  it('gives the model the image with a short line of text', async () => {
    const workspace = temporaryDirectory('ml-intern-read-image-');
    const dataDir = temporaryDirectory('ml-intern-read-image-data-');
    const bytes = png(8, 6);
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
