import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeOpenAI, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, HEADLESS, isolatedEnv, parseJsonl, runBinary } from './run-binary.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const MODEL = 'openai/gpt-4o';

async function withFake<T>(options: Parameters<typeof startFakeOpenAI>[0], body: (env: Record<string, string>, fake: Awaited<ReturnType<typeof startFakeOpenAI>>) => Promise<T>): Promise<T> {
  const fake = await startFakeOpenAI(options);
  try {
    return await body(isolatedEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL }), fake);
  } finally {
    await fake.close();
  }
}

describe('ml-intern one-shot', () => {
  it('prints the streamed answer and exits 0', async () => {
    await withFake({ steps: [{ text: 'Hello from the fake model.' }] }, async (env, fake) => {
      const run = await runBinary(CLI, ['say hello'], { env });
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain('Hello from the fake model.');
      expect(run.code).toBe(0);
      expect(fake.modelRequests[0]?.headers.authorization).toMatch(/^Bearer sk-tes/);
    });
  });

  it('stream-json: session_started first, JSONL events, a result line', async () => {
    await withFake({ scenario: { tool: 'bash', arguments: { command: 'echo from-the-sandbox' }, times: 1, finalText: 'ran it' } }, async (env) => {
      const run = await runBinary(CLI, ['--output-format', 'stream-json', 'run echo'], { env });
      const { events, result } = parseJsonl(run.stdout);
      expect(events[0]?.type).toBe('session_started');
      const output = events.find((event) => event.type === 'tool_output');
      expect(output && output.type === 'tool_output' && output.output).toContain('from-the-sandbox');
      expect(result).toMatchObject({ type: 'result', status: 'done', final_text: 'ran it', iterations: 2 });
      expect(run.code).toBe(0);
    });
  });

  it('reads the prompt from stdin with "-" and honours --no-stream', async () => {
    await withFake({ steps: [{ text: 'got it' }] }, async (env, fake) => {
      const run = await runBinary(CLI, ['--no-stream', '-'], { env, input: 'the task from stdin\n' });
      expect(run.stdout).toBe('got it\n');
      expect(JSON.stringify(fake.modelRequests[0]?.json)).toContain('the task from stdin');
    });
  });

  it('exit 3 at max iterations, after a final summary', async () => {
    await withFake({ scenario: { tool: 'bash', arguments: (call) => ({ command: `echo step ${call}` }), times: 50, finalText: 'summary' } }, async (env) => {
      const run = await runBinary(CLI, ['--max-iterations', '2', '--output-format', 'json', 'loop'], { env });
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'max_iterations' });
      expect(run.code).toBe(3);
    });
  });

  it('exit 4 when the budget is spent', async () => {
    await withFake({ scenario: { tool: 'bash', arguments: (call) => ({ command: `echo ${call}` }), times: 50 } }, async (env) => {
      const run = await runBinary(CLI, ['--budget-usd', '0.0000001', '--output-format', 'json', 'spend'], { env });
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'budget_exceeded' });
      expect(run.code).toBe(4);
    });
  });

  it('exit 5 when the agent loops after being warned', async () => {
    await withFake({ scenario: { tool: 'bash', arguments: { command: 'echo same' }, times: 50 } }, async (env) => {
      const run = await runBinary(CLI, ['--output-format', 'stream-json', 'loop'], { env });
      const { events, result } = parseJsonl(run.stdout);
      expect(events.filter((event) => event.type === 'loop_detected').map((event) => event.type === 'loop_detected' && event.action)).toEqual(['nudge', 'stop']);
      expect(result).toMatchObject({ status: 'loop_detected' });
      expect(run.code).toBe(5);
    });
  });

  it('exit 2 with a clear message for a broken config', async () => {
    const env = isolatedEnv({ OPENAI_API_KEY: 'sk-x', ML_INTERN_MODEL: MODEL });
    const configFile = path.join(env.HOME as string, 'bad.json');
    writeFileSync(configFile, JSON.stringify({ max_iterations: 'many' }));
    const run = await runBinary(CLI, ['--config', configFile, 'hi'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(configFile);
    expect(run.stderr).toMatch(/max_iterations: .*number.*found "many"/);
    const missing = await runBinary(CLI, ['hi'], { env: { ...env, ML_INTERN_CLI_CONFIG: '/nonexistent/config.json' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\/nonexistent\/config\.json .*does not exist/);
  });

  it('usage errors exit 2 and name the flag or value at fault', async () => {
    const env = isolatedEnv({ OPENAI_API_KEY: 'sk-x', ML_INTERN_MODEL: MODEL });
    const unknown = await runBinary(CLI, ['--bogus', 'hi'], { env });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown option '--bogus'") });
    const iterations = await runBinary(CLI, ['--max-iterations', 'lots', 'hi'], { env });
    expect(iterations).toMatchObject({ code: 2, stderr: expect.stringMatching(/max_iterations: .*found "lots"/) });
    const cwd = await runBinary(CLI, ['--cwd', '/nonexistent/project', 'hi'], { env });
    expect(cwd).toMatchObject({ code: 2, stderr: 'ml-intern: --cwd /nonexistent/project is not a directory\n' });
    expect(await runBinary(HEADLESS, ['--bogus', 'hi'], { env })).toMatchObject({ code: 2 });
  });

  it('stops quietly when the reader of its output goes away (`| head`)', async () => {
    const env = isolatedEnv({ OPENAI_API_KEY: 'sk-x', ML_INTERN_MODEL: MODEL });
    const child = spawn(process.execPath, [CLI, 'config', 'show'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Close the read end before the CLI writes: its write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number];
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });

  it('a provider error is printed once and the run exits 1', async () => {
    await withFake({ steps: [{ failure: { kind: 'http_error', status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } } }] }, async (env) => {
      const run = await runBinary(CLI, ['hi'], { env });
      expect(run.code).toBe(1);
      expect(run.stderr.match(/Incorrect API key provided/g)).toHaveLength(1);
    });
  });

  it('tool_runtime "local": announced, bash asks (denied unattended), --yolo runs it on the host', async () => {
    const step = { toolCalls: [{ name: 'bash', arguments: { command: 'echo "home is $HOME"' } }] };
    await withFake({ steps: [step, { text: 'denied' }, step, { text: 'ran' }] }, async (env) => {
      const cwd = directories.make('ml-intern-local-runtime-');
      writeFileSync(path.join(cwd, 'config.json'), JSON.stringify({ tool_runtime: 'local' }));
      const options = ['--config', path.join(cwd, 'config.json'), '--output-format', 'stream-json', 'run it'];
      const denied = parseJsonl((await runBinary(CLI, options, { env, cwd })).stdout);
      expect(denied.events[0]).toMatchObject({ type: 'session_started', runtime: 'local-unsandboxed' });
      expect(denied.events.find((event) => event.type === 'tool_output')).toMatchObject({ is_error: true, output: expect.stringContaining('auto mode does not run unsandboxed commands without --yolo') });
      const allowed = parseJsonl((await runBinary(CLI, ['--yolo', ...options], { env, cwd })).stdout);
      // Not sandboxed: the command sees the host's HOME, not the sandbox's /tmp/home.
      expect(allowed.events.find((event) => event.type === 'tool_output')).toMatchObject({ is_error: false, output: expect.stringContaining(`home is ${env.HOME}`) });
    });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('exit 130 when interrupted by %s', async (signal) => {
    await withFake({ steps: [{ text: 'a very slow answer '.repeat(40), delayMs: 50 }] }, async (env) => {
      const run = await runBinary(CLI, ['--output-format', 'stream-json', 'slow'], {
        env,
        onStdout: (stdout, child) => {
          if (stdout.includes('assistant_chunk') && !child.killed) child.kill(signal);
        },
      });
      const { events, result } = parseJsonl(run.stdout);
      expect(events.some((event) => event.type === 'interrupted')).toBe(true);
      expect(result).toMatchObject({ status: 'interrupted' });
      expect(run.code).toBe(130);
    });
  });

  it('resumes the last session with its history', async () => {
    await withFake({ steps: [{ text: 'first answer' }, { text: 'second answer' }] }, async (env, fake) => {
      expect((await runBinary(CLI, ['remember the number 42'], { env })).code).toBe(0);
      const run = await runBinary(CLI, ['--last', 'what number?'], { env });
      expect(run.stdout).toContain('second answer');
      const body = JSON.stringify(fake.modelRequests[1]?.json);
      expect(body).toContain('remember the number 42');
      expect(body).toContain('first answer');
      const list = await runBinary(CLI, ['sessions'], { env });
      expect(list.stdout).toContain('remember the number 42');
    });
  });

  it('without credentials: says how to configure one and offers the demo', async () => {
    const run = await runBinary(CLI, ['hello'], { env: isolatedEnv() });
    expect(run.code).toBe(2);
    for (const text of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'HF_TOKEN', 'ollama', 'ml-intern demo']) expect(run.stderr).toContain(text);
  });

  it('--version and --help answer without a model', async () => {
    const env = isolatedEnv();
    const version = await runBinary(CLI, ['--version'], { env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runBinary(CLI, ['--help'], { env });
    expect(help.stdout).toContain('--output-format');
  });

  it('the offline demo trains a model in the sandbox and reports the metric', async () => {
    const run = await runBinary(CLI, ['demo'], { env: isolatedEnv(), timeoutMs: 60_000 });
    // The demo keeps its workspace for the user to look at; the test removes it.
    const workspace = /^Workspace: (.+)$/m.exec(run.stderr)?.[1];
    if (workspace) rmSync(workspace, { recursive: true, force: true });
    expect(run.stderr).toContain('SCRIPTED');
    expect(workspace).toMatch(/ml-intern-demo-/);
    expect(run.stdout).toMatch(/test accuracy 0\.\d+/);
    expect(run.code).toBe(0);
  });
});

describe('ml-intern-headless', () => {
  it('--approval strict denies operations that need approval and tells the model', async () => {
    await withFake({ scenario: { tool: 'hf_jobs', arguments: { operation: 'run', image: 'python:3.12', command: ['python', '-c', 'print(1)'], flavor: 'a10g-small' }, times: 1, finalText: 'could not launch' } }, async (env, fake) => {
      const run = await runBinary(HEADLESS, ['--approval', 'strict', 'launch a job'], { env: { ...env, HF_TOKEN: 'hf_fake_token_for_tests_0123456789' } });
      const { events, result } = parseJsonl(run.stdout);
      expect(events.find((event) => event.type === 'tool_state_change' && event.state === 'rejected')).toBeDefined();
      expect(JSON.stringify(fake.modelRequests[1]?.json)).toMatch(/strict approval mode/);
      expect(result).toMatchObject({ status: 'done', final_text: 'could not launch' });
      expect(run.stdout).not.toContain('hf_fake_token_for_tests_0123456789');
    });
  });

  it('batch: one result line per task; a failing task does not stop the others', async () => {
    await withFake({ fallbackText: 'task done' }, async (env) => {
      const dir = directories.make('ml-intern-batch-');
      const tasks = path.join(dir, 'tasks.jsonl');
      writeFileSync(tasks, [JSON.stringify({ id: 'a', task: 'first' }), JSON.stringify({ id: 'b', task: 'second', model: 'nope/model' }), JSON.stringify({ id: 'c', task: 'third' })].join('\n'));
      const events = path.join(dir, 'events.jsonl');
      const run = await runBinary(HEADLESS, ['--batch', tasks, '--concurrency', '2', '--events', events], { env });
      const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { task_id: string; status: string; error?: { message: string } });
      expect(results.map((result) => result.task_id).sort()).toEqual(['a', 'b', 'c']);
      expect(results.find((result) => result.task_id === 'a')?.status).toBe('done');
      expect(results.find((result) => result.task_id === 'c')?.status).toBe('done');
      expect(results.find((result) => result.task_id === 'b')).toMatchObject({ status: 'error', error: { message: expect.stringMatching(/nope/) } });
      expect(run.code).toBe(2);
      expect(readFileSync(events, 'utf8')).toContain('"task_id":"a"');
    });
  });

  it('writes events to --events and the result to stdout', async () => {
    await withFake({ steps: [{ text: 'done' }] }, async (env) => {
      const file = path.join(env.HOME as string, 'events.jsonl');
      const run = await runBinary(HEADLESS, ['--events', file, 'task'], { env });
      expect(JSON.parse(run.stdout)).toMatchObject({ type: 'result', status: 'done', final_text: 'done' });
      const { events } = parseJsonl(readFileSync(file, 'utf8'));
      expect(events[0]?.type).toBe('session_started');
      expect(run.code).toBe(0);
    });
  });

  it('an events file that cannot be written, or a bad --concurrency, is a usage error before any work', async () => {
    await withFake({ steps: [{ text: 'done' }] }, async (env, fake) => {
      const events = await runBinary(HEADLESS, ['--events', '/nonexistent/dir/events.jsonl', 'task'], { env });
      expect(events).toMatchObject({ code: 2, stderr: expect.stringContaining("cannot write the events file: ENOENT: no such file or directory, open '/nonexistent/dir/events.jsonl'") });
      const batch = path.join(env.HOME as string, 'tasks.jsonl');
      writeFileSync(batch, '{"task":"one"}\n');
      const concurrency = await runBinary(HEADLESS, ['--batch', batch, '--concurrency', 'none'], { env });
      expect(concurrency).toMatchObject({ code: 2, stderr: expect.stringContaining('--concurrency must be a whole number of at least 1, found "none"') });
      expect(fake.modelRequests).toHaveLength(0);
    });
  });
});
