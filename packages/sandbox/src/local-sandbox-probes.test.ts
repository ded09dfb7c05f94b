import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasBubblewrap, scratchSandboxes } from './__fixtures__/scratch-sandboxes.js';

const here = import.meta.dirname;
const { makeDirectory, sandboxFor, cleanup } = scratchSandboxes('ml-intern-sandbox-probes-');
const fakePids: string[] = [];

/**
 * A stand-in interpreter at `<prefix>/bin/python3` that answers the probe only after `seconds`,
 * creating `<prefix>/answered` just before, so a test can tell whether something waited for it.
 * It reports itself as the executable and `<prefix>` as its installation, or exits with status 1.
 */
function slowPython(seconds: number, answer: 'installation' | 'failure' = 'installation') {
  const prefix = makeDirectory();
  const binDirectory = path.join(prefix, 'bin');
  const executable = path.join(binDirectory, 'python3');
  const marker = path.join(prefix, 'answered');
  mkdirSync(binDirectory);
  const reply =
    answer === 'installation' ? `printf '%s\\n' '${JSON.stringify({ executable, prefixes: [prefix] })}'` : 'exit 1';
  writeFileSync(executable, `#!/bin/sh\necho $$ > '${prefix}/pid'\nsleep ${seconds}\ntouch '${marker}'\n${reply}\n`);
  chmodSync(executable, 0o755);
  fakePids.push(path.join(prefix, 'pid'));
  return { prefix, binDirectory, executable, answered: () => existsSync(marker) };
}

/** Run the fixture program to its end: its exit code, its output and whether python had answered by then. */
function runToEnd(python: ReturnType<typeof slowPython>, action: 'describe' | 'exec') {
  const fixture = path.join(here, '__fixtures__', 'probe-and-finish.mts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, makeDirectory(), python.executable, action], {
    cwd: path.join(here, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string; answeredBeforeExit: boolean }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output, answeredBeforeExit: python.answered() }));
  });
}

afterEach(async () => {
  for (const pidFile of fakePids.splice(0)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      // not started, or already finished
    }
  }
  await cleanup();
});

describe.skipIf(!hasBubblewrap)('local sandbox probes with bubblewrap', () => {
  it('describes itself before a slow python probe answers; commands still get that python first on PATH', async () => {
    const python = slowPython(1.5);
    const sandbox = sandboxFor({ python: python.executable });
    const description = await sandbox.describe();
    expect(python.answered()).toBe(false);
    expect(description).toMatchObject({ runtime: 'bubblewrap', sandboxed: true, warnings: [] });

    // The interpreter's prefix sits under the host /tmp, which the sandbox replaces: it is bound back.
    const result = await sandbox.exec('echo "$PATH"; command -v python3');
    expect(python.answered()).toBe(true);
    expect(result.exitCode).toBe(0);
    const [pathLine, found] = result.output.trim().split('\n');
    expect(pathLine?.split(':')[0]).toBe(python.binDirectory);
    expect(found).toBe(python.executable);
  });
});

describe('local sandbox probes', () => {
  it('delivers the missing-python warning after describe() through onWarning and later descriptions', async () => {
    const python = slowPython(1, 'failure');
    const warnings: string[] = [];
    const sandbox = sandboxFor({ python: python.executable, onWarning: (message) => warnings.push(message) });
    const first = await sandbox.describe();
    const isPythonWarning = (message: string) => message.includes(`${python.executable} was not found`);
    expect(first.warnings.filter(isPythonWarning)).toEqual([]);

    expect((await sandbox.exec('echo ran')).output).toBe('ran\n');
    expect(warnings.filter(isPythonWarning)).toHaveLength(1);
    expect((await sandbox.describe()).warnings.filter(isPythonWarning)).toHaveLength(1);
    expect(first.warnings.filter(isPythonWarning)).toEqual([]);
  });

  it('lets a finished program exit while the python probe still runs', async () => {
    const python = slowPython(2);
    const finished = await runToEnd(python, 'describe');
    expect(finished.code).toBe(0);
    expect(finished.output).toMatch(/^DESCRIBED /);
    expect(finished.answeredBeforeExit).toBe(false);
  });

  it('keeps a program alive while its command waits for the python probe', async () => {
    const python = slowPython(1);
    const finished = await runToEnd(python, 'exec');
    expect(finished.code).toBe(0);
    expect(finished.output.startsWith(`EXEC 0 ${python.binDirectory}:`)).toBe(true);
  });
});
