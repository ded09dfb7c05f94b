import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputCollector } from './output-collector.js';
import { findPidsCgroup } from './process-limits.js';
import { runProcess } from './run-process.js';
import { createShellLauncher, quoteForShell, type ShellLauncher } from './shell-launcher.js';

const directories: string[] = [];
const environment = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };

function writableCgroup(): string | undefined {
  const parent = findPidsCgroup();
  try {
    if (parent) accessSync(parent, constants.W_OK);
    return parent;
  } catch {
    return undefined;
  }
}

async function run(launcher: ShellLauncher, script: string, env: Record<string, string> = environment) {
  const collector = new OutputCollector();
  const shell = launcher.take(env);
  const outcome = await runProcess({ child: shell.begin(script, collector), collector, timeoutMs: 10_000 });
  await shell.cgroup?.dispose();
  return { ...outcome, output: (await collector.finish()).text, cgroup: shell.cgroup };
}

function ownCgroups(parent: string): string[] {
  return readdirSync(parent).filter((name) => name.startsWith(`ml-intern-${process.pid}-`));
}

async function eventually(check: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 100 && !check(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return check();
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('shell launcher', () => {
  it('passes every argument through quoting unchanged', async () => {
    const launcher = createShellLauncher({ shell: '/bin/bash', pidsCgroup: () => undefined, onCgroupFailure: () => {} });
    const values = ["it's", 'two\nlines', '$HOME `id` "quoted"', ''];
    const result = await run(launcher, `exec printf '%s|' ${values.map(quoteForShell).join(' ')}`);
    expect(result.output).toBe(`${values.join('|')}|`);
    expect(result.exitCode).toBe(0);
  });

  it('reads no startup file of the host although its stdin is a socket', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'ml-intern-launcher-'));
    directories.push(home);
    writeFileSync(path.join(home, '.bashrc'), 'echo bashrc-was-read\n');
    writeFileSync(path.join(home, 'env.sh'), 'echo bash-env-was-read\n');
    const launcher = createShellLauncher({ shell: '/bin/bash', pidsCgroup: () => undefined, onCgroupFailure: () => {} });
    const result = await run(launcher, 'echo launched', { ...environment, HOME: home, BASH_ENV: path.join(home, 'env.sh') });
    expect(result.output).toBe('launched\n');
  });

  it.skipIf(!writableCgroup())('joins a fresh pids cgroup before the script comes; a retired shell removes its cgroup', async () => {
    const parent = writableCgroup() ?? '';
    const failures: string[] = [];
    const launcher = createShellLauncher({ shell: '/bin/bash', pidsCgroup: () => ({ parent, limit: 16 }), onCgroupFailure: () => failures.push('cgroup') });
    launcher.prepare(environment);
    const first = await run(launcher, 'exec cat /proc/self/cgroup');
    expect(first.cgroup).toBeDefined();
    expect(first.output).toContain(path.basename(first.cgroup?.directory ?? 'missing'));
    expect(existsSync(first.cgroup?.directory ?? '')).toBe(false);

    // A prepared shell started with other variables is retired, not used.
    const before = new Set(ownCgroups(parent));
    launcher.prepare(environment);
    const prepared = ownCgroups(parent).filter((name) => !before.has(name));
    expect(prepared).toHaveLength(1);
    const retired = path.join(parent, prepared[0] ?? 'missing');
    const second = await run(launcher, 'echo "$MARKER"', { ...environment, MARKER: 'new-environment' });
    expect(second.output).toBe('new-environment\n');
    expect(second.cgroup?.directory).not.toBe(retired);
    expect(failures).toEqual([]);
    expect(await eventually(() => !existsSync(retired))).toBe(true);
  });
});
