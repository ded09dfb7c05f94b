import { PassThrough } from 'node:stream';
import type { SpaceLease } from '@ml-intern/sandbox';
import { describe, expect, it } from 'vitest';
import { CaptureOutput } from './__fixtures__/capture-output.js';
import { orphanSandboxPrompt } from './orphan-sandbox-prompt.js';

const ORPHANS: SpaceLease[] = [
  { repoId: 'alice/mli-sandbox-0a1b2c3d', hardware: 'a10g-small', hourlyUsd: 1, createdAt: '2026-12-06T10:00:00.000Z', pid: 4242, host: 'laptop', state: 'running' },
];

async function answer(lines: string[], terminal = true) {
  const input = Object.assign(new PassThrough(), { isTTY: terminal });
  const output = new CaptureOutput({ isTTY: terminal });
  input.end(lines.map((line) => `${line}\n`).join(''));
  const remove = await orphanSandboxPrompt({ input, output, env: { NO_COLOR: '1' } })(ORPHANS);
  return { remove, text: output.text };
}

describe('orphanSandboxPrompt', () => {
  it('names each Space left behind with its hardware and price, and deletes on Enter', async () => {
    const { remove, text } = await answer(['']);
    expect(remove).toBe(true);
    expect(text).toContain('An earlier run left a sandbox Space behind (billed while it exists):');
    expect(text).toContain('alice/mli-sandbox-0a1b2c3d  a10g-small at $1.00/h, created 2026-12-06T10:00:00.000Z');
    expect(text).toContain('Delete now? [Y/n]');
  });

  it('keeps them on "n"', async () => {
    expect((await answer(['n'])).remove).toBe(false);
  });

  it('deletes without asking when there is no terminal', async () => {
    const { remove, text } = await answer([], false);
    expect(remove).toBe(true);
    expect(text).toBe('');
  });
});
