import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AnyTool } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { hasBubblewrap } from './__fixtures__/scratch-sandboxes.js';
import { createLocalSandbox, type LocalSandbox } from './local-sandbox.js';
import { sandboxTools } from './sandbox-tools.js';
import { temporaryDirectories } from '@ml-intern/testing';

const directories = temporaryDirectories();
const sandboxes: LocalSandbox[] = [];

const temporaryDirectory = directories.make;

afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
  directories.removeAll();
});

/** `line 1` … `line <count>`, one per line, written in blocks. */
function writeNumberedLines(file: string, count: number): void {
  const descriptor = openSync(file, 'w', 0o600);
  try {
    for (let first = 1; first <= count; first += 100_000) {
      const last = Math.min(count, first + 99_999);
      let block = '';
      for (let number = first; number <= last; number += 1) block += `line ${number}\n`;
      writeSync(descriptor, block);
    }
  } finally {
    closeSync(descriptor);
  }
}

function setup() {
  const workspace = temporaryDirectory('ml-intern-read-large-');
  const dataDir = temporaryDirectory('ml-intern-read-large-data-');
  const sandbox = createLocalSandbox({ workspace, hostEnv: process.env });
  sandboxes.push(sandbox);
  const [, read] = sandboxTools({ sandbox }) as [AnyTool, AnyTool];
  const call = (args: Record<string, unknown>) => runTool(read, args, { cwd: workspace, session: { dataDir } });
  return { workspace, dataDir, sandbox, call };
}

describe.skipIf(!hasBubblewrap)('read pages through files larger than 32 MiB', () => {
  it('reads any page of a 57 MiB spill file in the session data directory', async () => {
    const { dataDir, call } = setup();
    const spill = path.join(dataDir, 'tool-output', 'bash-1.txt');
    rmSync(path.dirname(spill), { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(path.dirname(spill), { recursive: true });
    writeNumberedLines(spill, 4_700_000);
    expect(statSync(spill).size).toBeGreaterThan(56 * 2 ** 20);
    const first = await call({ path: spill, limit: 2 });
    expect(first.isError).toBeFalsy();
    expect(first.output).toMatch(/^ {5}1\tline 1\n {5}2\tline 2\n\[lines 1–2 of .* continue with offset 3\]$/);
    const deep = await call({ path: spill, offset: 4_699_999, limit: 5 });
    expect(deep.output).toBe(`4699999\tline 4699999\n4700000\tline 4700000\n[lines 4699999–4700000 of ${spill} (${statSync(spill).size} bytes, read a part at a time); end of file]`);
    const middle = await call({ path: spill, offset: 2_345_678, limit: 3 });
    expect(middle.output.split('\n').slice(0, 3)).toEqual(['2345678\tline 2345678', '2345679\tline 2345679', '2345680\tline 2345680']);
    expect(middle.output).toContain('continue with offset 2345681');
    expect(await call({ path: spill, offset: 4_700_001 })).toMatchObject({ isError: true, output: expect.stringContaining('past the end') });
  }, 60_000);

  it('the spill file of a long command is readable at its end through the pointer the model is given', async () => {
    const { dataDir, sandbox, call } = setup();
    const result = await sandbox.exec('seq 1 5000000', { spillFile: path.join(dataDir, 'spill', 'seq.txt'), maxOutputChars: 2_000 });
    expect(result.truncated).toBe(true);
    expect(result.spillPath).toBeDefined();
    expect(statSync(result.spillPath as string).size).toBeGreaterThan(32 * 2 ** 20);
    const end = await call({ path: result.spillPath, offset: 4_999_999 });
    expect(end.output.split('\n').slice(0, 2)).toEqual(['4999999\t4999999', '5000000\t5000000']);
  }, 60_000);

  it('reads a page of a 40 MiB workspace file through the sandbox', async () => {
    const { workspace, call } = setup();
    writeNumberedLines(path.join(workspace, 'big.log'), 3_300_000);
    expect(statSync(path.join(workspace, 'big.log')).size).toBeGreaterThan(32 * 2 ** 20);
    const page = await call({ path: 'big.log', offset: 3_000_000, limit: 2 });
    expect(page.output).toMatch(/^3000000\tline 3000000\n3000001\tline 3000001\n\[lines 3000000–3000001 of big\.log .*continue with offset 3000002\]$/);
  }, 60_000);
});
