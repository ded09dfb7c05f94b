import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventPayload } from '@ml-intern/events';
import { testPng } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureOutput, toEvents } from './__fixtures__/capture-output.js';
import { EventRenderer } from './event-renderer.js';
import { ScreenWriter } from './screen-writer.js';
import { InlineImages, detectImageProtocol, type InlineImageProtocol } from './terminal-images.js';
import { createTerminalStyle } from './terminal-style.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** What the interactive CLI prints when the model reads `file` (a plot written in a fresh workspace). */
function renderRead(protocol: InlineImageProtocol | undefined, file = 'loss.png', prepare?: (workspace: string) => void): { text: string; png: Buffer; workspace: string; output: CaptureOutput } {
  const workspace = mkdtempSync(path.join(tmpdir(), 'ml-intern-inline-'));
  directories.push(workspace);
  // Large enough that its base64 takes several kitty chunks.
  const png = testPng(2000, 1500);
  writeFileSync(path.join(workspace, 'loss.png'), png);
  prepare?.(workspace);
  const output = new CaptureOutput({ isTTY: true, columns: 80 });
  const renderer = new EventRenderer({ writer: new ScreenWriter(output), style: createTerminalStyle(false), images: new InlineImages({ protocol, cwd: workspace }) });
  const payloads: EventPayload[] = [
    { type: 'tool_call', tool_call_id: 'c1', tool: 'read', arguments: { path: file }, summary: `read ${file}` },
    { type: 'tool_output', tool_call_id: 'c1', tool: 'read', output: `${file}: PNG image, 400×300 px, ${png.length} bytes (attached as an image).`, is_error: false, truncated: false, duration_ms: 3 },
  ];
  for (const event of toEvents(...payloads)) renderer.handle(event);
  return { text: output.text, png, workspace, output };
}

describe('inline images in the terminal', () => {
  it('detects the protocol from what the terminal sets, and none inside tmux or on a pipe', () => {
    expect(detectImageProtocol({ KITTY_WINDOW_ID: '1', TERM: 'xterm-kitty' }, true)).toBe('kitty');
    expect(detectImageProtocol({ TERM_PROGRAM: 'iTerm.app' }, true)).toBe('iterm2');
    expect(detectImageProtocol({ TERM_PROGRAM: 'WezTerm' }, true)).toBe('iterm2');
    expect(detectImageProtocol({ TERM: 'foot' }, true)).toBe('sixel');
    expect(detectImageProtocol({ TERM: 'xterm-256color', KONSOLE_VERSION: '230804' }, true)).toBe('sixel');
    expect(detectImageProtocol({ TERM: 'xterm-256color', KONSOLE_VERSION: '210800' }, true)).toBeUndefined();
    expect(detectImageProtocol({ TERM: 'xterm-256color' }, true)).toBeUndefined();
    expect(detectImageProtocol({ KITTY_WINDOW_ID: '1', TMUX: '/tmp/tmux-0/default,1,0' }, true)).toBeUndefined();
    expect(detectImageProtocol({ TERM_PROGRAM: 'iTerm.app' }, false)).toBeUndefined();
    expect(detectImageProtocol({ TERM_PROGRAM: 'iTerm.app', ML_INTERN_INLINE_IMAGES: 'off' }, true)).toBeUndefined();
  });

  it('kitty: the plot the model read is drawn with the graphics protocol, in 4096-byte chunks', () => {
    const { text, png } = renderRead('kitty');
    const chunks = [...text.matchAll(/\u001B_G([^;]*);([^\u001B]*)\u001B\\/g)];
    expect(chunks[0]?.[1]).toMatch(/^f=100,a=T,c=\d+,m=1$/);
    expect(chunks.at(-1)?.[1]).toBe('m=0');
    expect(chunks.every((chunk) => (chunk[2] ?? '').length <= 4096)).toBe(true);
    expect(chunks.map((chunk) => chunk[2]).join('')).toBe(png.toString('base64'));
  });

  it('iTerm2: an inline File sequence with the bytes', () => {
    const { text, png } = renderRead('iterm2');
    expect(text).toContain(`\u001B]1337;File=inline=1;size=${png.length};width=`);
    expect(text).toContain(`:${png.toString('base64')}\u0007`);
  });

  it('sixel: the image is encoded (sharp, then the sixel library) and drawn right after', async () => {
    const { output } = renderRead('sixel');
    await expect.poll(() => output.text, { timeout: 5_000 }).toMatch(/\u001BP0;1;q"1;1;\d+;\d+[\s\S]*\u001B\\\n$/);
  });

  it('elsewhere the path is shown; a path that leads out of the workspace shows nothing', () => {
    const { text, workspace } = renderRead(undefined);
    expect(text).toContain(`image: ${path.join(workspace, 'loss.png')}`);
    expect(text).not.toContain('\u001B_G');
    const outside = mkdtempSync(path.join(tmpdir(), 'ml-intern-inline-outside-'));
    directories.push(outside);
    writeFileSync(path.join(outside, 'secret.png'), testPng(4, 4));
    const linked = renderRead('kitty', 'link.png', (workspace) => symlinkSync(path.join(outside, 'secret.png'), path.join(workspace, 'link.png')));
    expect(linked.text).toContain('link.png: PNG image');
    expect(linked.text).not.toMatch(/\u001B_G|image:/);
    expect(renderRead('kitty', `../${path.basename(outside)}/secret.png`).text).not.toMatch(/\u001B_G|image:/);
  });
});
