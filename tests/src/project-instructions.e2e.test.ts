import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeOpenAI } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, isolatedEnv, runBinary } from './run-binary.js';

// Project instructions (AGENTS.md, ML_INTERN.md) and custom commands through the built CLI:
// the interactive chat over a pipe, a fake OpenAI-compatible provider recording what it is sent.

const scratch: string[] = [];
afterEach(() => {
  for (const directory of scratch.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function project(env: Record<string, string>) {
  const configDir = path.join(env.XDG_CONFIG_HOME as string, 'ml-intern');
  mkdirSync(path.join(configDir, 'commands'), { recursive: true });
  writeFileSync(path.join(configDir, 'AGENTS.md'), 'USER-FILE: push to the team/ namespace.\n');
  const root = mkdtempSync(path.join(tmpdir(), 'ml-intern-agents-'));
  scratch.push(root);
  mkdirSync(path.join(root, '.git'));
  mkdirSync(path.join(root, '.ml-intern', 'commands'), { recursive: true });
  writeFileSync(path.join(root, 'AGENTS.md'), 'ROOT-FILE: our datasets live in org acme.\n');
  writeFileSync(path.join(root, '.ml-intern', 'commands', 'eval-checkpoint.md'), '---\ndescription: Evaluate a checkpoint\n---\nEvaluate checkpoint $ARGUMENTS on the test split.\n');
  const cwd = path.join(root, 'experiments');
  mkdirSync(cwd);
  writeFileSync(path.join(cwd, 'ML_INTERN.md'), 'NEAREST-FILE: never use more than an a10g.\n');
  return { root, cwd };
}

function systemText(json: unknown): string {
  const messages = (json as { messages?: { role: string; content: unknown }[] }).messages ?? [];
  return messages.filter((message) => message.role === 'system').map((message) => (typeof message.content === 'string' ? message.content : JSON.stringify(message.content))).join('\n');
}

function lastUserText(json: unknown): string {
  const messages = (json as { messages?: { role: string; content: unknown }[] }).messages ?? [];
  const last = [...messages].reverse().find((message) => message.role === 'user');
  return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content);
}

describe('ml-intern interactive: AGENTS.md and custom commands', () => {
  it('sends the instruction files in the system prompt (user first, nearest last) and runs a trusted project command with its arguments', async () => {
    const fake = await startFakeOpenAI({ steps: [{ text: 'hello back' }, { text: 'evaluated' }] });
    try {
      const env = isolatedEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o' });
      const { cwd } = project(env);
      const run = await runBinary(CLI, ['--trust-project'], { env, cwd, input: 'hello\n/help\n/eval-checkpoint runs/ckpt-500 fast\n/status\n/quit\n' });
      expect(run.code, run.stderr).toBe(0);
      const system = systemText(fake.modelRequests[0]?.json);
      const order = ['USER-FILE', 'ROOT-FILE', 'NEAREST-FILE'].map((marker) => system.indexOf(marker));
      expect(order.every((index) => index >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(system).not.toContain('untrusted');
      expect(lastUserText(fake.modelRequests[1]?.json)).toBe('Evaluate checkpoint runs/ckpt-500 fast on the test split.');
      expect(run.stdout).toContain('evaluated');
      expect(run.stdout).toMatch(/\/eval-checkpoint \[args\] +Evaluate a checkpoint \(project\)/);
      expect(run.stdout).toMatch(/instructions +3 files/);
    } finally {
      await fake.close();
    }
  });

  it('an untrusted project: its files are marked as coming from the project, its commands are not loaded', async () => {
    const fake = await startFakeOpenAI({ steps: [{ text: 'hello back' }] });
    try {
      const env = isolatedEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o' });
      const { cwd, root } = project(env);
      const run = await runBinary(CLI, [], { env, cwd, input: 'hello\n/eval-checkpoint runs/ckpt-500\n/quit\n' });
      expect(run.code, run.stderr).toBe(0);
      const system = systemText(fake.modelRequests[0]?.json);
      expect(system).toContain('ROOT-FILE: our datasets live in org acme.');
      expect(system).toContain(`${path.join(root, 'AGENTS.md')} (from the project (untrusted folder))`);
      expect(run.stdout).toMatch(/This project's custom commands \(1 in .*\) are not loaded: the folder is not trusted/);
      expect(run.stdout).toContain('Unknown command /eval-checkpoint');
      expect(fake.modelRequests).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });
});
