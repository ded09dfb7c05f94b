import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startFakeHub, startFakeOpenAI, type FakeHub } from '@ml-intern/testing';
import type { AgentEvent } from '@ml-intern/events';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, HEADLESS, isolatedEnv, parseJsonl, runBinary } from './run-binary.js';

const hubs: FakeHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
});

async function fakeHub(): Promise<FakeHub> {
  const hub = await startFakeHub();
  hubs.push(hub);
  return hub;
}

function hubEnv(hub: FakeHub, openaiBaseURL: string, extra: Record<string, string> = {}): Record<string, string> {
  return isolatedEnv({
    OPENAI_BASE_URL: openaiBaseURL,
    OPENAI_API_KEY: 'sk-test-key-0123456789abcdef',
    ML_INTERN_MODEL: 'openai/gpt-4o',
    HF_TOKEN: hub.token,
    HF_ENDPOINT: hub.hubUrl,
    ML_INTERN_SPACE_URL_TEMPLATE: hub.spaceUrlTemplate,
    ...extra,
  });
}

function leaseFiles(env: Record<string, string>): string[] {
  const dir = path.join(env.XDG_DATA_HOME as string, 'ml-intern', 'sandboxes');
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
}

function sandboxSpaces(hub: FakeHub): string[] {
  return [...hub.spaces.keys()].filter((id) => hub.repo('space', id));
}

/** The bash call's first output line, streamed as a tool_log: the command runs in the Space now. */
const STARTED = /"tool":"bash","level":"info","message":"started"/;

function outputs(events: AgentEvent[]) {
  return events.flatMap((event) => (event.type === 'tool_output' ? [event] : []));
}

describe('--sandbox space: the session runs in a private Space on the fake Hub', () => {
  it('creates the Space before the session, runs bash in it, and deletes it at exit', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'bash', arguments: { command: "python3 -c 'print(1+1)'" } }] }, { text: 'two' }] });
    const env = hubEnv(hub, openai.baseURL);
    const run = await runBinary(HEADLESS, ['--sandbox', 'space:t4-small', 'add one and one'], { env, timeoutMs: 60_000 });
    const { events, result } = parseJsonl(run.stdout);
    expect(run.stderr).toMatch(/Creating the private Space tester\/mli-sandbox-[0-9a-f]{8} \(t4-small\)/);
    expect(run.stderr).toMatch(/Sandbox ready: tester\/mli-sandbox-[0-9a-f]{8} on t4-small, workspace \/tmp\/fake-space-\w+\/app/);
    expect(events[0]).toMatchObject({ type: 'session_started', runtime: 'remote:sandbox-host' });
    expect(outputs(events)[0]).toMatchObject({ is_error: false, output: expect.stringContaining('2') });
    expect(result).toMatchObject({ status: 'done', final_text: 'two' });
    // Deleted at exit, its lease with it; the hour was reserved in the run's spend.
    expect(hub.requests.filter((request) => request.method === 'DELETE' && request.path === '/api/repos/delete')).toHaveLength(1);
    expect(sandboxSpaces(hub)).toEqual([]);
    expect(leaseFiles(env)).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain(hub.token);
  });

  it('without an HF token it says what to set', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({ steps: [{ text: 'never' }] });
    const env = hubEnv(hub, openai.baseURL);
    delete env.HF_TOKEN;
    const run = await runBinary(HEADLESS, ['--sandbox', 'space', 'anything'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tool_runtime "space" (--sandbox space) needs a Hugging Face token with write access: set HF_TOKEN');
    expect(openai.modelRequests).toHaveLength(0);
  });

  it('an unknown hardware tier is refused before anything is created', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({ steps: [{ text: 'never' }] });
    const run = await runBinary(HEADLESS, ['--sandbox', 'space:tpu-v9', 'anything'], { env: hubEnv(hub, openai.baseURL) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('sandbox.space_hardware "tpu-v9" is not a Space hardware tier; use one of cpu-basic, cpu-upgrade');
    expect(hub.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    expect(openai.modelRequests).toHaveLength(0);
  });

  it('SIGTERM mid-command ends the run and deletes the Space within 10 s', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'bash', arguments: { command: 'echo started; sleep 60' } }] }, { text: 'stopped' }] });
    const env = hubEnv(hub, openai.baseURL);
    let signalledAt = 0;
    const run = await runBinary(HEADLESS, ['--sandbox', 'space', 'run something long'], {
      env,
      timeoutMs: 60_000,
      onStdout: (text, child) => {
        if (!signalledAt && STARTED.test(text)) {
          signalledAt = Date.now();
          child.kill('SIGTERM');
        }
      },
    });
    expect(signalledAt).toBeGreaterThan(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(sandboxSpaces(hub)).toEqual([]);
    expect(leaseFiles(env)).toEqual([]);
    expect(run.code).not.toBe(0);
  });

  it('a run killed with kill -9 leaves its lease; `sandboxes` lists the Space and the next run deletes it', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'bash', arguments: { command: 'echo started; sleep 60' } }] }, { text: 'never' }] });
    const env = hubEnv(hub, openai.baseURL);
    await runBinary(HEADLESS, ['--sandbox', 'space:a10g-small', 'run something long'], {
      env,
      timeoutMs: 60_000,
      onStdout: (text, child) => {
        if (STARTED.test(text)) child.kill('SIGKILL');
      },
    });
    const [orphan] = sandboxSpaces(hub);
    expect(orphan).toMatch(/^tester\/mli-sandbox-[0-9a-f]{8}$/);
    expect(leaseFiles(env)).toHaveLength(1);

    const listed = await runBinary(CLI, ['sandboxes'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${orphan}\\s+\\d+m\\s+a10g-small\\s+RUNNING\\s+\\$0\\.\\d\\d\\s+left behind by an ended run`));

    await using next = await startFakeOpenAI({ steps: [{ text: 'hello' }] });
    const again = await runBinary(HEADLESS, ['say hello'], { env: { ...env, OPENAI_BASE_URL: next.baseURL } });
    expect(again.stderr).toContain(`Deleted the sandbox Space ${orphan} an earlier run left behind.`);
    expect(sandboxSpaces(hub)).toEqual([]);
    expect(leaseFiles(env)).toEqual([]);
  });

  it('`sandboxes delete <suffix>` removes one; `--all` skips none when no run holds them', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'sandbox_create', arguments: { hardware: 'cpu-basic' } }] }, { toolCalls: [{ name: 'bash', arguments: { command: 'echo started; sleep 60' } }] }, { text: 'never' }] });
    const env = hubEnv(hub, openai.baseURL);
    await runBinary(HEADLESS, ['make a sandbox'], {
      env,
      timeoutMs: 60_000,
      onStdout: (text, child) => {
        if (STARTED.test(text)) child.kill('SIGKILL');
      },
    });
    const [left] = sandboxSpaces(hub);
    expect(left).toBeDefined();
    const suffix = (left as string).slice(-8);
    const removed = await runBinary(CLI, ['sandboxes', 'delete', suffix], { env });
    expect(removed.stdout).toBe(`Deleted ${left}.\n`);
    expect(sandboxSpaces(hub)).toEqual([]);
    const none = await runBinary(CLI, ['sandboxes', 'delete', '--all'], { env });
    expect(none.stdout).toBe('Nothing to delete.\n');
    const missing = await runBinary(CLI, ['sandboxes', 'delete', 'deadbeef'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no sandbox Space matches "deadbeef"');
  });
});

describe('sandbox_create through the built runner', () => {
  it('hf_jobs runs the script the model wrote in the Space, not a local file', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({
      steps: [
        { toolCalls: [{ name: 'sandbox_create', arguments: { hardware: 'cpu-basic' } }] },
        { toolCalls: [{ name: 'write', arguments: { path: 'train.py', content: 'print("trained in the Space")\n' } }] },
        { toolCalls: [{ name: 'hf_jobs', arguments: { operation: 'run', script: 'train.py', hardware_flavor: 'cpu-basic', timeout: '10m' } }] },
        { text: 'launched' },
      ],
    });
    const env = hubEnv(hub, openai.baseURL);
    const run = await runBinary(HEADLESS, ['smoke-test, then launch'], { env, timeoutMs: 60_000 });
    const { events, result } = parseJsonl(run.stdout);
    expect(outputs(events).map((output) => output.is_error)).toEqual([false, false, false]);
    expect(result).toMatchObject({ status: 'done' });
    const [job] = [...hub.jobs.values()];
    expect(JSON.stringify(job?.request)).toContain(Buffer.from('print("trained in the Space")\n').toString('base64'));
  });

  it('is auto-approved within the cap, moves bash to the Space, and the Space is deleted at exit', async () => {
    const hub = await fakeHub();
    await using openai = await startFakeOpenAI({
      steps: [
        { toolCalls: [{ name: 'sandbox_create', arguments: { hardware: 'a10g-small', trackio_space_id: 'tester/dash', trackio_project: 'smoke' } }] },
        { toolCalls: [{ name: 'bash', arguments: { command: 'pwd; echo "trackio=$TRACKIO_SPACE_ID/$TRACKIO_PROJECT"' } }] },
        { text: 'checked' },
      ],
    });
    const env = hubEnv(hub, openai.baseURL);
    const run = await runBinary(HEADLESS, ['check the GPU box'], { env, timeoutMs: 60_000 });
    const { events, result } = parseJsonl(run.stdout);
    expect(outputs(events)[0]?.output).toMatch(/Sandbox Space tester\/mli-sandbox-[0-9a-f]{8} is running on a10g-small \(\$1\.00\/h\)\. Visibility: private\./);
    expect(outputs(events)[1]?.output).toMatch(/\/tmp\/fake-space-\w+\/app\ntrackio=tester\/dash\/smoke/);
    // The dashboard was seeded, and the UI heard which one it is.
    expect(outputs(events)[0]?.output).toContain('Trackio dashboard:');
    expect(hub.readFile('space', 'tester/dash', 'app.py')).toContain('trackio');
    expect(events.findLast((event) => event.type === 'tool_state_change' && event.tool === 'sandbox_create')).toMatchObject({ trackioSpaceId: 'tester/dash', trackioProject: 'smoke' });
    expect(events.some((event) => event.type === 'cost_reservation' && event.tool === 'sandbox_create' && event.state === 'reconciled')).toBe(true);
    expect(result).toMatchObject({ status: 'done' });
    expect(sandboxSpaces(hub)).toEqual([]);
    // Commands in the Space are remote effects: a rewind of the local workspace cannot undo them.
    expect(events.flatMap((event) => (event.type === 'remote_effect' ? [event.tool] : []))).toEqual(['sandbox_create', 'bash']);
    // The system prompt told the model the Space's workspace is its own.
    expect(JSON.stringify(openai.modelRequests[0])).toContain('nothing is synced with the local one');
  });
});
