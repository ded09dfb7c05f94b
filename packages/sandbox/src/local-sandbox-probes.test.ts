import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isExecutableFile } from './host-probe.js';
import { createLocalSandbox, type LocalSandboxOptions } from './local-sandbox.js';

const hasBubblewrap = isExecutableFile('/usr/bin/bwrap');
const here = import.meta.dirname;
const directories: string[] = [];
const fakePids: string[] = [];

function makeDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'ml-intern-sandbox-probes-'));
  directories.push(directory);
  return directory;
}

function sandboxFor(options: LocalSandboxOptions = {}) {
  return createLocalSandbox({ workspace: makeDirectory(), hostEnv: process.env, ...options });
}

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

afterEach(() => {
  for (const pidFile of fakePids.splice(0)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      // not started, or already finished
    }
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
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
