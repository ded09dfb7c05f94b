import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeOpenAI, temporaryDirectories } from '@ml-intern/testing';
import type { AgentEvent } from '@ml-intern/events';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADLESS, isolatedEnv, parseJsonl, root, runBinary } from './run-binary.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const HOST = path.join(root, 'packages/sandbox/dist/host.js');
const TOKEN = 'sandbox-token-0123456789abcdef0123456789';
const hosts: ChildProcess[] = [];

afterEach(() => {
  for (const host of hosts.splice(0)) host.kill('SIGKILL');
});

/** Start ml-intern-sandbox-host on a free loopback port; resolves with its URL once it listens. */
function startHost(workspace: string): Promise<string> {
  const host = spawn(process.execPath, [HOST, '--listen', '127.0.0.1:0', '--workspace', workspace], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ML_INTERN_SANDBOX_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] });
  hosts.push(host);
  return new Promise((resolve, reject) => {
    let stderr = '';
    host.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) resolve(url);
    });
    host.once('exit', (code) => reject(new Error(`the sandbox host exited (${code}): ${stderr}`)));
  });
}

function outputs(events: AgentEvent[]) {
  return events.flatMap((event) => (event.type === 'tool_output' ? [event] : []));
}

describe('--sandbox-url: commands and file tools on a sandbox host', () => {
  it('runs the write and bash calls on the host, in its workspace', async () => {
    const workspace = directories.make('ml-intern-remote-ws-');
    const url = await startHost(workspace);
    await using openai = await startFakeOpenAI({
      steps: [
        { toolCalls: [{ name: 'write', arguments: { path: 'note.txt', content: 'from the agent\n' } }] },
        { toolCalls: [{ name: 'bash', arguments: { command: 'cat note.txt && echo done > out.txt' } }] },
        { text: 'finished' },
      ],
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o', ML_INTERN_SANDBOX_TOKEN: TOKEN });
    const run = await runBinary(HEADLESS, ['--sandbox-url', url, 'write and run'], { env });
    const { events, result } = parseJsonl(run.stdout);
    expect(events[0]).toMatchObject({ type: 'session_started', runtime: expect.stringMatching(/remote/) });
    expect(outputs(events).map((output) => output.is_error)).toEqual([false, false]);
    expect(outputs(events)[1]?.output).toContain('from the agent');
    expect(readFileSync(path.join(workspace, 'out.txt'), 'utf8')).toBe('done\n');
    // Nothing was written where the CLI itself runs.
    expect(existsSync(path.join(env.HOME as string, 'note.txt'))).toBe(false);
    expect(result).toMatchObject({ status: 'done', final_text: 'finished' });
  });

  it('a wrong token is a clear usage error before any model call', async () => {
    const url = await startHost(directories.make('ml-intern-remote-ws-'));
    await using openai = await startFakeOpenAI({ steps: [{ text: 'never' }] });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o', ML_INTERN_SANDBOX_TOKEN: 'wrong-token' });
    const run = await runBinary(HEADLESS, ['--sandbox-url', url, 'anything'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot reach the sandbox host at http:\/\/127\.0\.0\.1:\d+.*401/);
    expect(run.stderr).not.toContain('wrong-token');
    expect(openai.modelRequests).toHaveLength(0);
  });
});
