import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AnyTool } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import { temporaryDirectories, startFakeSandboxHost } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createRemoteSandbox } from './remote-sandbox.js';
import { sandboxTools } from './sandbox-tools.js';

const TOKEN = 'remote-sandbox-token-123';
const directories = temporaryDirectories();

const temporaryDirectory = directories.make;

/** Host processes whose command line contains `marker`, polled until none is left (or 5 s pass). */
async function survivingProcesses(marker: string): Promise<string[]> {
  let found: string[] = [];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    found = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    if (found.length === 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return found;
}

afterEach(() => {
  directories.removeAll();
});

describe('remote sandbox over HTTP', () => {
  it('runs bash, read, write and edit on the host through the Sandbox interface', async () => {
    const workspace = temporaryDirectory('ml-intern-remote-');
    const dataDir = temporaryDirectory('ml-intern-data-');
    await using host = await startFakeSandboxHost({ workspace, token: TOKEN });
    const sandbox = await createRemoteSandbox({ baseURL: host.url, token: TOKEN });
    expect(sandbox).toMatchObject({ runtime: 'remote:fake-remote', sandboxed: true, network: false, workspace });
    const [bash, read, write, edit] = sandboxTools({ sandbox }) as [AnyTool, AnyTool, AnyTool, AnyTool];
    const options = { session: { dataDir } };

    expect((await runTool(write, { path: 'src/train.py', content: 'lr = 0.1\nprint("lr", lr)\n' }, options)).output).toBe('Created src/train.py (2 lines, 25 bytes).');
    expect(readFileSync(path.join(workspace, 'src/train.py'), 'utf8')).toBe('lr = 0.1\nprint("lr", lr)\n');
    expect((await runTool(edit, { path: 'src/train.py', old_string: 'lr = 0.1', new_string: 'lr = 0.5' }, options)).output).toContain('1 replacement at line 1');
    expect((await runTool(read, { path: 'src/train.py' }, options)).output).toBe('     1\tlr = 0.5\n     2\tprint("lr", lr)');
    const ran = await runTool(bash, { command: 'cat train.py && echo "$PWD" && exit 4', work_dir: 'src' }, options);
    expect(ran.output).toMatch(new RegExp(`^lr = 0\\.5\\nprint\\("lr", lr\\)\\n${workspace}/src\\n\\[exit code 4 · `));
    expect(ran.isError).toBe(true);

    // Read-before-write and path checks hold remotely too.
    writeFileSync(path.join(workspace, 'other.txt'), 'x\n');
    expect((await runTool(write, { path: 'other.txt', content: 'y' }, options)).output).toContain('has not been read');
    symlinkSync('/etc', path.join(workspace, 'etc-link'));
    expect((await runTool(read, { path: 'etc-link/hostname' }, options)).output).toContain('leads through a symbolic link');
    expect((await runTool(read, { path: '../outside' }, options)).output).toContain('outside the workspace');

    const paths = host.requests.map((request) => `${request.method} ${request.path}`);
    expect(paths).toContain('POST /v1/exec');
    expect(paths).toContain('POST /v1/files/write');
    expect(host.requests.every((request) => request.headers.authorization === 'Bearer remote…[redacted]')).toBe(true);
  });

  it('writes an approved protected file remotely only when no component is a link', async () => {
    const workspace = temporaryDirectory('ml-intern-remote-');
    const dataDir = temporaryDirectory('ml-intern-data-');
    await using host = await startFakeSandboxHost({ workspace, token: TOKEN });
    const sandbox = await createRemoteSandbox({ baseURL: host.url, token: TOKEN });
    expect(sandbox.writeFileNoFollow).toBeUndefined();
    const [, , write] = sandboxTools({ sandbox }) as [AnyTool, AnyTool, AnyTool];
    const options = { session: { dataDir } };
    expect(write.approval?.({ path: '.env', content: 'A=1\n' })).toMatchObject({ decision: 'ask', neverAuto: true });
    expect((await write.ruleInput?.({ path: `${workspace}/sub/../.env`, content: '' })) as { path: string }).toMatchObject({ path: '.env' });
    expect((await runTool(write, { path: '.env', content: 'A=1\n' }, options)).output).toBe('Created .env (1 line, 4 bytes).');
    mkdirSync(path.join(workspace, 'real'));
    symlinkSync('real', path.join(workspace, 'sub'));
    const linked = await runTool(write, { path: 'sub/.env', content: 'A=2\n' }, options);
    expect(linked).toMatchObject({ isError: true, output: expect.stringContaining('is written without following symbolic links, and sub is one') });
    symlinkSync('.env', path.join(workspace, 'innocent'));
    expect((await runTool(write, { path: 'innocent', content: 'A=3\n' }, options)).output).toContain('a protected file (environment)');
    expect(readdirSync(path.join(workspace, 'real'))).toEqual([]);
    expect(readFileSync(path.join(workspace, '.env'), 'utf8')).toBe('A=1\n');
  });

  it('streams output and stops the remote command on abort', async () => {
    const workspace = temporaryDirectory('ml-intern-remote-');
    await using host = await startFakeSandboxHost({ workspace, token: TOKEN });
    const sandbox = await createRemoteSandbox({ baseURL: host.url, token: TOKEN });
    const controller = new AbortController();
    const lines: string[] = [];
    const marker = `654.${process.pid}${Date.now() % 1000}`;
    const result = await sandbox.exec(`echo started; sleep ${marker}; echo never`, {
      signal: controller.signal,
      onOutput: (line) => {
        lines.push(line);
        if (line === 'started') controller.abort();
      },
    });
    expect(result).toMatchObject({ aborted: true, exitCode: null });
    expect(lines).toEqual(['started']);
    expect(await survivingProcesses(`sleep ${marker}`)).toEqual([]);
    const timedOut = await sandbox.exec('echo begun; sleep 30', { timeoutMs: 300 });
    expect(timedOut).toMatchObject({ timedOut: true, exitCode: null, output: 'begun\n' });
  });

  it('reports host errors without leaking the token', async () => {
    const workspace = temporaryDirectory('ml-intern-remote-');
    await using host = await startFakeSandboxHost({ workspace, token: TOKEN });
    const error = await createRemoteSandbox({ baseURL: host.url, token: 'wrong-token-456' }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).not.toContain('wrong-token-456');
    const sandbox = await createRemoteSandbox({ baseURL: host.url, token: TOKEN });
    await expect(sandbox.readFile(path.join(workspace, 'missing.txt'))).rejects.toThrow(/HTTP 404/);
  });
});
