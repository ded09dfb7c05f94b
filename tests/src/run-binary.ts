import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEvent, type AgentEvent } from '@ml-intern/events';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterAll } from 'vitest';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(root, 'apps/cli/dist/main.js');
export const HEADLESS = path.join(root, 'apps/headless/dist/main.js');

// The HOMEs isolatedEnv makes, removed when the test file is done: this hook is registered as the
// file imports this module, so it runs after the file's own afterAll hooks (which stop what runs there).
const homes = temporaryDirectories();
afterAll(() => homes.removeAll());

export interface RunOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: a fresh HOME/XDG dirs, no real keys, only what the test passes. */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = homes.make('ml-intern-home-');
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_STATE_HOME: path.join(home, '.local/state'),
    HF_HOME: path.join(home, '.cache/huggingface'),
    NO_COLOR: '1',
    ...extra,
  };
}

export function runBinary(
  binary: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; input?: string; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void; timeoutMs?: number },
): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], { env: options.env, cwd: options.cwd ?? options.env.HOME, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 45_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Parse JSONL stdout into events and the final result line. */
export function parseJsonl(stdout: string): { events: AgentEvent[]; result: Record<string, unknown> | undefined } {
  const events: AgentEvent[] = [];
  let result: Record<string, unknown> | undefined;
  stdout
    .split('\n')
    .filter((line) => line.trim())
    .forEach((line, index) => {
      const value = JSON.parse(line) as Record<string, unknown>;
      if (value.type === 'result') result = value;
      else events.push(decodeEvent(line, index + 1));
    });
  return { events, result };
}
