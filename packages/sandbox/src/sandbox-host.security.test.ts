import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AnyTool } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { hasBubblewrap, scratchSandboxes } from './__fixtures__/scratch-sandboxes.js';
import { isAllowedGitConfig } from './git-sanitize.js';
import { worldReadableMounts } from './mount-plan.js';
import { OutputCollector } from './output-collector.js';
import { sandboxTools } from './sandbox-tools.js';

const { makeDirectory, sandboxFor, cleanup } = scratchSandboxes('ml-intern-host-sec-');
afterEach(cleanup);

const hasGit = existsSync('/usr/bin/git');

describe.skipIf(!hasBubblewrap)('sandbox host: must hold', () => {
  it('mounts an allow-list: no host /tmp, /var/tmp, /run, /dev/shm or home, and no new user namespaces', async () => {
    const hostFile = path.join('/tmp', `ml-intern-host-visible-${process.pid}`);
    writeFileSync(hostFile, 'x');
    try {
      const result = await sandboxFor().exec(`ls ${hostFile} /var/tmp /dev/shm /run /home 2>&1; unshare -U true 2>&1 || echo no-userns`);
      expect(result.output).toContain(`ls: cannot access '${hostFile}'`);
      expect(result.output).toContain('no-userns');
      expect(result.output).not.toMatch(/^ml-intern-/m);
    } finally {
      (await import('node:fs')).rmSync(hostFile, { force: true });
    }
  });

  it('reaches no host Unix socket with the network off (a socket under /tmp and one under /var/tmp)', async () => {
    const directory = makeDirectory();
    const socketPath = path.join(directory, 'host.sock');
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.end('hello from the host\n');
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const result = await sandboxFor().exec(`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('${socketPath}'); print(s.recv(100))" 2>&1 | tail -1`);
      expect(result.output).toMatch(/FileNotFoundError|No such file/);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('read refuses a FIFO at once, and four blocked FIFOs do not stall the file tools', async () => {
    const sandbox = sandboxFor();
    const dataDir = makeDirectory();
    const [, read] = sandboxTools({ sandbox }) as [AnyTool, AnyTool];
    await sandbox.exec('for i in 1 2 3 4; do mkfifo f$i; done; echo ok > plain.txt');
    const started = performance.now();
    const results = await Promise.all([1, 2, 3, 4].map((index) => runTool(read, { path: `f${index}` }, { cwd: sandbox.workspace, session: { dataDir } })));
    for (const result of results) {
      expect(result.isError).toBe(true);
      expect(result.output).toMatch(/FIFO|not a regular file/);
    }
    expect((await runTool(read, { path: 'plain.txt' }, { cwd: sandbox.workspace, session: { dataDir } })).output).toBe('     1\tok');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it.skipIf(!hasGit)('removes what would make the user\'s git run a program, and says so', async () => {
    const sandbox = sandboxFor();
    const result = await sandbox.exec(
      'git init -q . && git config core.fsmonitor "touch /tmp/pwned" && git config core.pager evil && git config alias.st "!sh -c evil" && git config alias.co checkout && ' +
        'git config filter.x.clean evil && git config credential.helper "!evil" && git config user.name Model && printf "#!/bin/sh\\necho hook\\n" > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit',
    );
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('[sandbox: removed');
    const config = spawnSync('git', ['config', '--file', path.join(sandbox.workspace, '.git', 'config'), '--list'], { encoding: 'utf8' }).stdout;
    expect(config).not.toMatch(/fsmonitor|pager|alias\.st|filter\.x|credential/);
    expect(config).toMatch(/alias\.co=checkout/);
    expect(config).toMatch(/user\.name=Model/);
    expect(existsSync(path.join(sandbox.workspace, '.git', 'hooks', 'pre-commit'))).toBe(false);
  });

  it('kills a setsid background process when the command ends, and everything when the session closes', async () => {
    const marker = `4242.${process.pid}`;
    const sandbox = sandboxFor();
    await sandbox.exec(`setsid sleep ${marker} > /dev/null 2>&1 & echo started`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
    await sandbox.close();
    expect(processesWith('ml-intern-sandbox-host')).not.toContain(String(sandbox.workspace));
  });

  it('leaves no host, command or cgroup behind when the CLI is killed with SIGKILL', async () => {
    const workspace = makeDirectory();
    const marker = `5353.${process.pid}`;
    const script = [
      `import { createLocalSandbox } from ${JSON.stringify(path.join(import.meta.dirname, '..', 'dist', 'index.js'))};`,
      `const sandbox = createLocalSandbox({ workspace: ${JSON.stringify(workspace)}, hostEnv: process.env });`,
      // The marker is assembled at run time, so this script's own command line does not match.
      `void sandbox.exec('sleep ' + ${JSON.stringify(marker.slice(0, 2))} + ${JSON.stringify(marker.slice(2))});`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    await waitFor(() => processesWith(`sleep ${marker}`).length > 0, 10_000);
    child.kill('SIGKILL');
    await waitFor(() => processesWith(`sleep ${marker}`).length === 0 && processesWith(`--bind ${workspace}`).length === 0, 5_000);
    const leftover = readdirSync('/sys/fs/cgroup/pids').filter((name) => name.startsWith(`ml-intern-${child.pid}-`));
    expect(leftover).toEqual([]);
  });
});

describe('sandbox host building blocks', () => {
  it('mounts only the world-readable part of a tree, recreating links instead of following them', () => {
    const root = makeDirectory();
    chmodSync(root, 0o755);
    mkdirSync(path.join(root, 'open'));
    writeFileSync(path.join(root, 'open', 'a.conf'), 'a');
    writeFileSync(path.join(root, 'secret'), 's', { mode: 0o600 });
    writeFileSync(path.join(root, 'public'), 'p', { mode: 0o644 });
    spawnSync('ln', ['-s', '/etc/shadow', path.join(root, 'link')]);
    const { whole, mounts } = worldReadableMounts(root);
    expect(whole).toBe(false);
    expect(mounts).toContainEqual({ kind: 'ro-bind', source: path.join(root, 'open'), target: path.join(root, 'open') });
    expect(mounts).toContainEqual({ kind: 'ro-bind', source: path.join(root, 'public'), target: path.join(root, 'public') });
    expect(mounts).toContainEqual({ kind: 'symlink', link: '/etc/shadow', target: path.join(root, 'link') });
    expect(JSON.stringify(mounts)).not.toContain('secret');
  });

  it('keeps only known-safe git configuration', () => {
    for (const [key, value] of [['core.fsmonitor', 'x'], ['core.pager', 'less'], ['core.sshCommand', 'x'], ['core.hooksPath', 'h'], ['core.editor', 'vi'], ['diff.external', 'x'], ['filter.lfs.clean', 'x'], ['credential.helper', 'x'], ['alias.x', '!sh'], ['include.path', 'x'], ['core.worktree', '/']]) {
      expect(isAllowedGitConfig(key as string, value as string), key).toBe(false);
    }
    for (const [key, value] of [['core.bare', 'false'], ['remote.origin.url', 'https://x'], ['alias.co', 'checkout'], ['user.email', 'a@b']]) {
      expect(isAllowedGitConfig(key as string, value as string), key).toBe(true);
    }
  });

  it('caps, redacts and protects the spill file', async () => {
    const spillFile = path.join(makeDirectory(), 'spill', 'out.txt');
    const collector = new OutputCollector({ maxChars: 1_000, spillFile, maxSpillBytes: 100_000, redact: (text) => text.replaceAll('hf_secret', '[REDACTED]') });
    for (let index = 0; index < 20_000; index += 1) collector.write('stdout', `line ${index} hf_secret\n`);
    const result = await collector.finish();
    expect(result.truncated).toBe(true);
    expect(result.text).toContain('more characters were not saved');
    const info = statSync(spillFile);
    expect(info.mode & 0o777).toBe(0o600);
    expect(info.size).toBeLessThan(100_200);
    const saved = readFileSync(spillFile, 'utf8');
    expect(saved).not.toContain('hf_secret');
    expect(saved).toContain('line 0 [REDACTED]');
  });
});

function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(marker)) found.push(`${entry}: ${commandLine}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
