import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApprovalPolicy, createSession } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { hasBubblewrap } from './__fixtures__/scratch-sandboxes.js';
import { createLocalSandbox } from './local-sandbox.js';
import { sandboxTools } from './sandbox-tools.js';
import { temporaryDirectories } from '@ml-intern/testing';

const directories = temporaryDirectories();

const temporaryDirectory = directories.make;

afterEach(() => {
  directories.removeAll();
});

/** Every file under `directory` with its contents. */
function snapshot(directory: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(directory, full)] = entry.isFile() ? readFileSync(full, 'utf8') : entry.isDirectory() ? '<dir>' : '<other>';
  }
  return files;
}

// The model swaps `d` (a directory of the workspace) with `swap` (a link to a folder outside) in
// a loop — renameat2(RENAME_EXCHANGE), so `d` is the link half the time — while 150 parallel
// `write d/victim.py` calls run in the same turn through a real session (issue 14: before the
// file tools ran inside the sandbox, this overwrote the outside file and left .tmp files there).
const SWAP_LOOP = [
  'python3 -S -c "',
  'import ctypes, time',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'end = time.time() + 4; n = 0',
  'while time.time() < end:',
  "    n += libc.renameat2(-100, b'd', -100, b'swap', 2) == 0",
  "print('swaps', n)",
  '"',
].join('\n');

describe.skipIf(!hasBubblewrap)('symlink race through a real session', () => {
  it('a bash loop swapping a directory and a link to an outside folder while 150 parallel writes run changes nothing outside the workspace', async () => {
    const workspace = temporaryDirectory('ml-intern-race-');
    const dataDir = temporaryDirectory('ml-intern-race-data-');
    const outside = temporaryDirectory('ml-intern-race-outside-');
    writeFileSync(path.join(outside, 'victim.py'), 'print("never read by the model")\n');
    const before = snapshot(outside);
    mkdirSync(path.join(workspace, 'd'));
    symlinkSync(outside, path.join(workspace, 'swap'));
    const writes = Array.from({ length: 150 }, (_, index) => ({ name: 'write', arguments: { path: 'd/victim.py', content: `print("pwned ${index}")\n` } }));
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'bash', arguments: { command: SWAP_LOOP, timeout: 30 } }, ...writes), textTurn('done')] });
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env });
    const session = createSession({ model, tools: sandboxTools({ sandbox }), cwd: workspace, dataDir, policy: createApprovalPolicy({ mode: 'yolo' }), interactive: false, planTool: false });
    try {
      await session.run('race');
    } finally {
      await session.close();
      await sandbox.close();
    }
    const results = model.requests.at(-1)?.messages.filter((message) => message.role === 'tool') ?? [];
    expect(results).toHaveLength(151);
    // The loop really ran, concurrently with the writes.
    expect(String(results[0]?.content)).toMatch(/swaps [1-9]\d{2,}/);
    expect(snapshot(outside)).toEqual(before);
    expect(readdirSync(outside)).toEqual(['victim.py']);
    // Nothing else in the folder the workspace and the outside folder share, either.
    expect(readdirSync(path.dirname(outside)).filter((name) => name.endsWith('.tmp') && name.includes('victim'))).toEqual([]);
  }, 60_000);

  // The library-only variant: Sandbox.writeFile follows links by contract, so only resolving the
  // path inside the sandbox's mount namespace (where the outside folder does not exist) keeps the
  // write in. With isolation "none" this test fails: the outside file is overwritten.
  it('Sandbox.writeFile racing the same swap loop never reaches the outside folder', async () => {
    const workspace = temporaryDirectory('ml-intern-race-lib-');
    const outside = temporaryDirectory('ml-intern-race-lib-outside-');
    writeFileSync(path.join(outside, 'victim.py'), 'print("never read by the model")\n');
    const before = snapshot(outside);
    mkdirSync(path.join(workspace, 'd'));
    symlinkSync(outside, path.join(workspace, 'swap'));
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env });
    try {
      await sandbox.start();
      const loop = sandbox.exec(SWAP_LOOP.replace('time.time() + 4', 'time.time() + 3'), { timeoutMs: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const outcomes = await Promise.allSettled(Array.from({ length: 150 }, (_, index) => sandbox.writeFile(path.join(workspace, 'd', 'victim.py'), `print("pwned ${index}")\n`)));
      expect((await loop).output).toMatch(/swaps [1-9]\d{2,}/);
      // Each write either lands in the workspace or is refused (the link leads nowhere inside the
      // sandbox); how many of each depends on the machine's load, so only the outside is asserted.
      expect(outcomes).toHaveLength(150);
    } finally {
      await sandbox.close();
    }
    expect(snapshot(outside)).toEqual(before);
  }, 60_000);
});
