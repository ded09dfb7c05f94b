import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeOpenAI, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADLESS, isolatedEnv } from './run-binary.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const hasBubblewrap = existsSync('/usr/bin/bwrap');
const stopped: number[] = [];

afterEach(() => {
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** True while `pid` exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Sandbox hosts started (through sh and bwrap) by `ancestor`. */
function sandboxHostsUnder(ancestor: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!commandLine.includes('ml-intern-sandbox-host\0--stdio')) continue;
    for (let pid: number | undefined = Number(entry), depth = 0; pid && pid > 1 && depth < 8; pid = parentOf(pid), depth += 1) {
      if (pid === ancestor) {
        found.push(Number(entry));
        break;
      }
    }
  }
  return found;
}

/**
 * A headless run whose second model step is a `read` the sandbox host never answers (the host is
 * stopped with SIGSTOP once the first command has run, so the call blocks for good). `signal`
 * goes to the CLI once that read has started; resolves with how long the CLI took to exit.
 */
async function blockedReadThenSignal(signal: NodeJS.Signals): Promise<{ exitMs: number; code: number | null; stderr: string; hosts: number[] }> {
  const workspace = directories.make('ml-intern-signal-ws-');
  writeFileSync(path.join(workspace, 'notes.txt'), 'hello\n');
  await using openai = await startFakeOpenAI({
    steps: [
      { toolCalls: [{ name: 'bash', arguments: { command: 'echo ready' } }] },
      { delayMs: 1_000, toolCalls: [{ name: 'read', arguments: { path: 'notes.txt' } }] },
      { text: 'never reached' },
    ],
  });
  const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o' });
  const child = spawn(process.execPath, [HEADLESS, 'read the notes'], { env, cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  let hosts: number[] = [];
  let signalledAt = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // Awaited here: the fake model server stays up until the CLI has exited.
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 40_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (hosts.length === 0 && /"type":"tool_output"/.test(stdout)) {
        hosts = sandboxHostsUnder(child.pid as number);
        for (const pid of hosts) {
          process.kill(pid, 'SIGSTOP');
          stopped.push(pid);
        }
      }
      if (!signalledAt && /"type":"tool_call"[^\n]*"tool":"read"/.test(stdout)) {
        setTimeout(() => {
          signalledAt = Date.now();
          child.kill(signal);
        }, 500);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!signalledAt) {
        reject(new Error(`the CLI exited before the read was blocked (code ${code}); stdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      resolve({ exitMs: Date.now() - signalledAt, code, stderr, hosts });
    });
  });
}

describe.skipIf(!hasBubblewrap)('signals end an unattended run even with a blocked file-tool call', () => {
  it('SIGTERM ends the CLI within 5 s while a read waits on a stopped sandbox host', async () => {
    const { exitMs, hosts } = await blockedReadThenSignal('SIGTERM');
    expect(hosts.length).toBeGreaterThan(0);
    expect(exitMs).toBeLessThan(5_000);
    // The stopped host did not outlive the CLI: it was killed with its sandbox.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hosts.filter(alive)).toEqual([]);
  }, 60_000);

  it('SIGINT ends the CLI within 5 s too', async () => {
    const { exitMs, hosts } = await blockedReadThenSignal('SIGINT');
    expect(hosts.length).toBeGreaterThan(0);
    expect(exitMs).toBeLessThan(5_000);
  }, 60_000);
});
