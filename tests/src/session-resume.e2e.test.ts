import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { startFakeOpenAI, type OpenAIScriptStep } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { CLI, HEADLESS, isolatedEnv, parseJsonl, runBinary } from './run-binary.js';

const MODEL = 'openai/gpt-4o';

/** The fake answers every request with the last user message echoed, slowly enough for two runs to overlap. */
function echo(delayMs: number): (context: { body: Record<string, unknown> }) => OpenAIScriptStep {
  return ({ body }) => {
    const messages = (body.messages as { role: string; content: unknown }[]) ?? [];
    const last = [...messages].reverse().find((message) => message.role === 'user');
    return { text: `done: ${typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content)}`, textChunks: 10, delayMs };
  };
}

async function withFake<T>(options: Parameters<typeof startFakeOpenAI>[0], body: (env: Record<string, string>, sessions: string) => Promise<T>): Promise<T> {
  const fake = await startFakeOpenAI(options);
  try {
    const env = isolatedEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL });
    return await body(env, path.join(env.XDG_DATA_HOME as string, 'ml-intern', 'sessions'));
  } finally {
    await fake.close();
  }
}

function userMessages(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { kind: string; message?: { role: string; content: string }; messages?: { role: string; content: string }[] })
    .flatMap((record) => (record.kind === 'message' && record.message?.role === 'user' ? [record.message.content] : record.kind === 'replace' ? (record.messages ?? []).filter((message) => message.role === 'user').map((message) => message.content) : []));
}

function header(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8').split('\n')[0] as string) as Record<string, unknown>;
}

describe('two runs resuming one session', () => {
  it('each forks a new session (announced); the old log is untouched and neither sees the other', async () => {
    await withFake({ steps: echo(40) }, async (env, sessions) => {
      const first = parseJsonl((await runBinary(HEADLESS, ['first task'], { env })).stdout).result;
      const id = first?.session_id as string;
      const original = readFileSync(path.join(sessions, `${id}.jsonl`), 'utf8');

      const [a, b] = await Promise.all([runBinary(HEADLESS, ['--resume', id, 'task A'], { env }), runBinary(HEADLESS, ['--resume', id, 'task B'], { env })]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const runs = [parseJsonl(a.stdout), parseJsonl(b.stdout)];
      const ids = runs.map((run) => run.result?.session_id as string);
      expect(new Set([id, ...ids]).size).toBe(3);
      expect(readFileSync(path.join(sessions, `${id}.jsonl`), 'utf8')).toBe(original);
      runs.forEach((run, index) => {
        const started = run.events.find((event) => event.type === 'session_started');
        expect(started).toMatchObject({ resumed: true, forked_from: id });
        expect(run.events.some((event) => event.type === 'tool_log' && event.message.includes(`Resumed session ${id} as new session ${ids[index]}`))).toBe(true);
        const file = path.join(sessions, `${ids[index]}.jsonl`);
        expect(header(file)).toMatchObject({ id: ids[index], forked_from: id });
        expect(userMessages(file)).toEqual(['first task', index === 0 ? 'task A' : 'task B']);
      });
      expect(runs[0]?.result?.final_text).toBe('done: task A');
      expect(runs[1]?.result?.final_text).toBe('done: task B');
    });
  }, 60_000);

  it('with --no-fork the first continues the log in place and the second is refused with a clear message', async () => {
    await withFake({ steps: echo(150) }, async (env, sessions) => {
      const id = parseJsonl((await runBinary(HEADLESS, ['first task'], { env })).stdout).result?.session_id as string;
      let second: Promise<Awaited<ReturnType<typeof runBinary>>> | undefined;
      const first = runBinary(HEADLESS, ['--resume', id, '--no-fork', 'task A'], {
        env,
        // Once the first run is under way (its log is locked), start the second.
        onStdout: (stdout) => {
          if (!second && stdout.includes('"processing"')) second = runBinary(HEADLESS, ['--resume', id, '--no-fork', 'task B'], { env });
        },
      });
      const a = await first;
      const b = await (second as Promise<Awaited<ReturnType<typeof runBinary>>>);
      expect(a.code).toBe(0);
      expect(parseJsonl(a.stdout).result?.session_id).toBe(id);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(new RegExp(`cannot resume with --no-fork: session ${id} is in use by another ml-intern process \\(pid \\d+, since [^)]+\\)\\. Wait for it to finish, or resume without --no-fork`));
      expect(userMessages(path.join(sessions, `${id}.jsonl`)).filter((text) => text !== 'first task')).toEqual(['task A']);
      expect(existsSync(path.join(sessions, `${id}.lock`))).toBe(false);
    });
  }, 60_000);

  it('a lock left by a run that died is stale: --no-fork takes it over', async () => {
    await withFake({ steps: echo(0) }, async (env, sessions) => {
      const id = parseJsonl((await runBinary(HEADLESS, ['first task'], { env })).stdout).result?.session_id as string;
      const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      writeFileSync(path.join(sessions, `${id}.lock`), JSON.stringify({ pid: gone, host: hostname(), since: '2025-01-01T00:00:00.000Z', token: 'crashed' }));
      const run = await runBinary(HEADLESS, ['--resume', id, '--no-fork', 'again'], { env });
      expect(run.code).toBe(0);
      expect(parseJsonl(run.stdout).result?.session_id).toBe(id);
    });
  }, 60_000);
});

describe('ml-intern sessions', () => {
  it('prune removes old logs with their spill folders and keeps recent ones', async () => {
    await withFake({ steps: echo(0) }, async (env, sessions) => {
      const old = parseJsonl((await runBinary(HEADLESS, ['old task'], { env })).stdout).result?.session_id as string;
      const recent = parseJsonl((await runBinary(HEADLESS, ['recent task'], { env })).stdout).result?.session_id as string;
      mkdirSync(path.join(sessions, old, 'spill'), { recursive: true });
      writeFileSync(path.join(sessions, old, 'spill', 'call_1.txt'), 'x'.repeat(5000));
      const when = new Date(Date.now() - 40 * 86_400_000);
      utimesSync(path.join(sessions, `${old}.jsonl`), when, when);
      const run = await runBinary(CLI, ['sessions', 'prune', '--older-than', '30d'], { env });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`removed  ${old}`);
      expect(run.stdout).toMatch(/Removed 1 session older than 30d from .* \(\d+\.\d KiB\)\./);
      expect(existsSync(path.join(sessions, `${old}.jsonl`))).toBe(false);
      expect(existsSync(path.join(sessions, old))).toBe(false);
      expect(existsSync(path.join(sessions, `${recent}.jsonl`))).toBe(true);
      expect((await runBinary(CLI, ['sessions', 'prune', '--older-than', 'soon'], { env })).code).toBe(2);
    });
  }, 60_000);

  it('show --last names a newer log it skipped', async () => {
    await withFake({ steps: echo(0) }, async (env, sessions) => {
      const id = parseJsonl((await runBinary(HEADLESS, ['a task'], { env })).stdout).result?.session_id as string;
      const broken = path.join(sessions, 'broken.jsonl');
      writeFileSync(broken, 'not a log\n');
      const later = new Date(Date.now() + 60_000);
      utimesSync(broken, later, later);
      const run = await runBinary(CLI, ['sessions', 'show', 'last'], { env });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`── session ${id}`);
      expect(run.stderr).toContain(`warning: ${broken} is newer but could not be read as a session log`);
    });
  }, 60_000);
});

describe('a model that sends headers and then nothing', () => {
  it('is given up after model_idle_timeout_s and retried, with a notice', async () => {
    await withFake({ steps: [{ failure: { kind: 'hang', afterFrames: 0 } }, { text: 'recovered' }] }, async (env) => {
      const started = Date.now();
      const run = await runBinary(HEADLESS, ['hello'], { env: { ...env, ML_INTERN_MODEL_IDLE_TIMEOUT_S: '1' }, timeoutMs: 30_000 });
      const { events, result } = parseJsonl(run.stdout);
      expect(result).toMatchObject({ status: 'done', final_text: 'recovered' });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(events.some((event) => event.type === 'tool_log' && event.level === 'warn' && /sent nothing for 1 s.*trying again/.test(event.message))).toBe(true);
    });
  }, 60_000);

  it('an invalid ML_INTERN_MODEL_IDLE_TIMEOUT_S is a config error', async () => {
    const run = await runBinary(HEADLESS, ['hello'], { env: isolatedEnv({ OPENAI_API_KEY: 'sk-test', ML_INTERN_MODEL: MODEL, ML_INTERN_MODEL_IDLE_TIMEOUT_S: 'soon' }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ML_INTERN_MODEL_IDLE_TIMEOUT_S');
  });
});

describe('headless batch file', () => {
  it('accepts a UTF-8 BOM and CRLF line ends', async () => {
    await withFake({ steps: echo(0) }, async (env) => {
      const file = path.join(env.HOME as string, 'tasks.jsonl');
      writeFileSync(file, '\uFEFF{"task":"one","id":"a"}\r\n{"task":"two","id":"b"}\r\n');
      const run = await runBinary(HEADLESS, ['--batch', file], { env });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { task_id: string; status: string });
      expect(results.map((result) => result.task_id).sort()).toEqual(['a', 'b']);
      expect(results.every((result) => result.status === 'done')).toBe(true);
    });
  }, 60_000);
});
