import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApprovalPolicy, createSession, UsageMeter } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { type FakeHub, temporaryDirectories, startFakeHub } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalSandbox } from './local-sandbox.js';
import { sandboxTools } from './sandbox-tools.js';
import { SPACE_DOCKERFILE } from './space-files.js';
import { createSpaceLeaseStore } from './space-leases.js';
import { createSpaceSandbox, deleteSpaceSandbox, listSandboxSpaces, spaceUrl } from './space-sandbox.js';
import { createSandboxCreateTool, createSpaceSandboxManager, type HardwareOffer } from './space-sandbox-tool.js';
import { createSwitchableSandbox } from './switchable-sandbox.js';

const directories = temporaryDirectories();
const hubs: FakeHub[] = [];
const temporaryDirectory = directories.make;
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  directories.removeAll();
});

const OFFERS: HardwareOffer[] = [
  { name: 'cpu-basic', hourlyUsd: 0 },
  { name: 't4-small', hourlyUsd: 0.4 },
  { name: 'a10g-small', hourlyUsd: 1 },
];
const FAST = { pollIntervalMs: 20, startTimeoutMs: 20_000, healthTimeoutMs: 10_000 };

async function hubFor(options: Parameters<typeof startFakeHub>[0] = {}) {
  const hub = await startFakeHub(options);
  hubs.push(hub);
  return { hub, connection: { token: hub.token, hubUrl: hub.hubUrl, spaceUrlTemplate: hub.spaceUrlTemplate } };
}

function setup(connection: { token: string; hubUrl: string; spaceUrlTemplate: string }, extra: { capUsd?: number; renewIntervalMs?: number } = {}) {
  const workspace = temporaryDirectory('ml-intern-space-local-');
  const leases = createSpaceLeaseStore(temporaryDirectory('ml-intern-space-leases-'));
  const switchable = createSwitchableSandbox(createLocalSandbox({ workspace, hostEnv: process.env, isolation: 'none' }));
  const notices: string[] = [];
  const manager = createSpaceSandboxManager({ ...connection, ...FAST, ...extra, switchable, leases, hardware: () => OFFERS, notify: (message) => notices.push(message) });
  const tool = createSandboxCreateTool(manager, { ...connection, leases, hardware: () => OFFERS });
  return { workspace, leases, switchable, manager, tool, notices };
}

describe('sandbox_create on the fake Hub, with the real host running as the Space app', () => {
  it('creates a private Space, runs bash there, and deletes it at teardown', async () => {
    const { hub, connection } = await hubFor();
    const { workspace, leases, switchable, manager, tool } = setup(connection);
    writeFileSync(path.join(workspace, 'local-only.txt'), 'here\n');
    const model = new ScriptedModel({
      turns: [
        toolTurn({ name: 'sandbox_create', arguments: { hardware: 't4-small' } }),
        toolTurn({ name: 'bash', arguments: { command: "python3 -c 'print(1+1)' && pwd && ls" } }),
        toolTurn({ name: 'write', arguments: { path: 'train.py', content: 'print("hi")\n' } }),
        textTurn('done'),
      ],
    });
    const meter = new UsageMeter();
    const workspaceTools = sandboxTools({ sandbox: switchable });
    const bash = workspaceTools.find((one) => one.name === 'bash');
    const session = createSession({ model, tools: [...workspaceTools, tool], cwd: workspace, dataDir: temporaryDirectory('ml-intern-space-data-'), policy: createApprovalPolicy({ mode: 'yolo' }), planTool: false, meter });
    const events: { type: string; message?: string }[] = [];
    session.subscribe((event) => events.push(event as never));
    const outcome = await session.run('Smoke-test on a T4.');
    expect(outcome.status).toBe('completed');

    const results = model.requests.flatMap((request) => request.messages).filter((message) => message.role === 'tool');
    const created = results.find((message) => message.toolName === 'sandbox_create');
    expect(created?.content).toMatch(/Sandbox Space tester\/mli-sandbox-[0-9a-f]{8} is running on t4-small \(\$0\.40\/h\)\. Visibility: private\./);
    const repoId = /(tester\/mli-sandbox-[0-9a-f]{8})/.exec(String(created?.content))?.[1] as string;
    expect(results.find((message) => message.toolName === 'bash')?.content).toContain('2\n');
    expect(results.find((message) => message.toolName === 'bash')?.content).not.toContain('local-only.txt');
    // Progress while it was built, as tool_log lines.
    expect(events.filter((event) => event.type === 'tool_log').map((event) => event.message).join('\n')).toMatch(/building[\s\S]*running on t4-small[\s\S]*Sandbox ready/);

    // What the Hub saw: a private docker Space with the host's files, both secrets and a GPU with a sleep time.
    const repo = hub.repo('space', repoId);
    expect(repo?.settings.private).toBe(true);
    expect(hub.readFile('space', repoId, 'Dockerfile')).toBe(SPACE_DOCKERFILE);
    expect(hub.readFile('space', repoId, 'README.md')).toMatch(/sdk: docker\napp_port: 7860/);
    const space = hub.spaces.get(repoId);
    expect([...(space?.secrets.keys() ?? [])].sort()).toEqual(['HF_TOKEN', 'ML_INTERN_SANDBOX_TOKEN']);
    expect(space?.hardware).toEqual({ current: 't4-small', requested: 't4-small' });
    expect(space?.sleepTimeSeconds).toBe(2700);
    // The write went to the Space's workspace, not the local one.
    expect(existsSync(path.join(workspace, 'train.py'))).toBe(false);
    expect(readFileSync(path.join(space?.root as string, 'app', 'train.py'), 'utf8')).toBe('print("hi")\n');
    // The Space has the internet and the user's token: its commands ask, as on any full-network sandbox.
    expect(bash?.approval?.({ command: 'ls' })).toMatchObject({ decision: 'ask', reason: 'the sandbox has network access' });
    // The hour is reserved, and the lease says a live process holds it.
    expect(meter.jobCostUsd).toBeCloseTo(0.4);
    expect(leases.list().map((lease) => [lease.repoId, lease.state, leases.isLive(lease)])).toEqual([[repoId, 'running', true]]);

    await manager.teardown();
    expect(hub.repo('space', repoId)).toBeUndefined();
    expect(leases.list()).toEqual([]);
    expect(switchable.workspace).toBe(workspace);
    // Reconciled to its lifetime at the hourly price (seconds here: $0.00).
    expect(meter.jobCostUsd).toBe(0);
    // Neither token reached the model or the events (the log is made of them).
    const sandboxToken = space?.secrets.get('ML_INTERN_SANDBOX_TOKEN') as string;
    expect(sandboxToken.length).toBeGreaterThanOrEqual(40);
    for (const secret of [hub.token, sandboxToken]) expect(JSON.stringify(model.requests) + JSON.stringify(events)).not.toContain(secret);
    await session.close();
  });

  it('refuses requests without the sandbox token (401), and without the owner\'s HF token at the gateway', async () => {
    const { connection } = await hubFor();
    const space = await createSpaceSandbox({ ...connection, ...FAST, hardware: 'cpu-basic' });
    try {
      const wrong = await fetch(`${space.url}/v1/describe`, { headers: { authorization: `Bearer ${connection.token}`, 'x-sandbox-authorization': 'Bearer not-the-token' } });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
      const anonymous = await fetch(`${space.url}/v1/describe`);
      expect(anonymous.status).toBe(404);
      const health = await fetch(`${space.url}/health`, { headers: { authorization: `Bearer ${connection.token}` } });
      expect(health.status).toBe(200);
      expect((await space.sandbox.exec('echo ok')).output).toBe('ok\n');
    } finally {
      await deleteSpaceSandbox(space.repoId, connection);
    }
  });

  it('a Space that never reaches RUNNING times out with a clear error and is deleted', async () => {
    const { hub, connection } = await hubFor({ spaces: { neverRuns: true } });
    const leases = createSpaceLeaseStore(temporaryDirectory('ml-intern-space-leases-'));
    const logs: string[] = [];
    const error = await createSpaceSandbox({ ...connection, hardware: 't4-small', pollIntervalMs: 20, startTimeoutMs: 300, leases, log: (line) => logs.push(line) }).catch((caught: Error) => caught);
    expect((error as Error).message).toMatch(/did not reach RUNNING within 0 s \(last stage BUILDING\); it was deleted/);
    expect(logs.join('\n')).toMatch(/Deleting the unfinished Space/);
    expect([...hub.spaces.keys()]).toEqual([]);
    expect(hub.requests.filter((request) => request.method === 'DELETE' && request.path === '/api/repos/delete')).toHaveLength(1);
    expect(leases.list()).toEqual([]);
  });

  it('a build error is reported with the Hub\'s message, and the Space is deleted', async () => {
    const { hub, connection } = await hubFor({ spaces: { failStage: { stage: 'BUILD_ERROR', errorMessage: 'Docker build failed at step 3' } } });
    const error = await createSpaceSandbox({ ...connection, ...FAST, hardware: 'cpu-basic' }).catch((caught: Error) => caught);
    expect((error as Error).message).toMatch(/stopped at BUILD_ERROR: Docker build failed at step 3/);
    expect([...hub.spaces.keys()]).toEqual([]);
  });

  it('interrupting creation deletes the half-made Space', async () => {
    const { hub, connection } = await hubFor({ spaces: { neverRuns: true } });
    const controller = new AbortController();
    const creating = createSpaceSandbox({ ...connection, hardware: 'a10g-small', pollIntervalMs: 20, startTimeoutMs: 60_000, signal: controller.signal, log: (line) => {
      if (line.includes('building')) controller.abort();
    } });
    await expect(creating).rejects.toThrow(/abort/i);
    expect([...hub.spaces.keys()]).toEqual([]);
    expect(hub.requests.some((request) => request.method === 'DELETE' && request.path === '/api/repos/delete')).toBe(true);
  });

  it('a host that dies mid-command fails that call clearly; the session goes on', async () => {
    const { hub, connection } = await hubFor();
    const space = await createSpaceSandbox({ ...connection, ...FAST, hardware: 'cpu-basic' });
    try {
      const running = space.sandbox.exec('echo started; sleep 30');
      await new Promise((resolve) => setTimeout(resolve, 400));
      hub.spaces.get(space.repoId)?.process?.kill('SIGKILL');
      await expect(running).rejects.toThrow(/closed the command stream before the command exited|unreachable/);
      await expect(space.sandbox.exec('echo again')).rejects.toThrow(/HTTP 50[23]\): Space tester\/mli-sandbox-\w+( is not running|: the app is not answering)/);
    } finally {
      await deleteSpaceSandbox(space.repoId, connection);
    }
  });

  it('asks with the hourly price; cpu-basic needs no approval; unknown hardware lists the choices', async () => {
    const { connection } = await hubFor();
    const { tool } = setup(connection);
    expect(tool.approval?.({ hardware: 'a10g-small' })).toMatchObject({ decision: 'ask', billable: true, costUsd: 1 });
    expect(tool.approval?.({ hardware: 'cpu-basic' })).toEqual({ decision: 'allow' });
    // A dashboard Space is written to: a person decides, even on free hardware.
    expect(tool.approval?.({ hardware: 'cpu-basic', trackio_space_id: 'tester/my-demo' })).toMatchObject({ decision: 'ask', reason: expect.stringContaining('seeds the Trackio dashboard Space tester/my-demo') });
    expect(tool.description).toContain('t4-small ($0.40/h)');
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'sandbox_create', arguments: { hardware: 'tpu-v9' } }), textTurn('ok')] });
    const session = createSession({ model, tools: [tool], cwd: temporaryDirectory('ml-intern-space-cwd-'), dataDir: temporaryDirectory('ml-intern-space-data-'), policy: createApprovalPolicy({ mode: 'yolo' }), planTool: false });
    await session.run('go');
    const result = model.requests[1]?.messages.find((message) => message.role === 'tool');
    expect(result).toMatchObject({ isError: true });
    expect(result?.content).toContain('unknown hardware "tpu-v9". Choose one of: cpu-basic (free), t4-small ($0.40/h), a10g-small ($1.00/h)');
    await session.close();
  });

  it('reconciling a reservation from a log deletes only sandbox Spaces', async () => {
    const { hub, connection } = await hubFor({ seed: { repos: [{ type: 'space', id: 'tester/my-demo', files: { 'README.md': '---\nsdk: docker\n---\n' } }] } });
    const { tool } = setup(connection);
    const logs: string[] = [];
    const meter = new UsageMeter();
    const reservation = meter.reserve(1);
    const context = { signal: AbortSignal.timeout(5_000), log: (message: string) => logs.push(message), toolCallId: 'c1', reservation, session: { id: 's', cwd: '/', model: 'm', dataDir: '/tmp', onInterrupt: () => () => {} } };
    await tool.reconcile?.({ kind: 'space_sandbox', id: 'tester/my-demo', hourly_usd: 1 }, context);
    expect(hub.repo('space', 'tester/my-demo')).toBeDefined();
    expect(logs).toEqual(['not deleting tester/my-demo: it is not a sandbox Space']);
  });

  it('renewing an hour past the cap deletes the Space with a notice', async () => {
    const { hub, connection } = await hubFor();
    const { manager, notices, switchable, workspace } = setup(connection, { capUsd: 1.5, renewIntervalMs: 150 });
    const meter = new UsageMeter();
    const reservation = meter.reserve(1);
    const space = await manager.create('a10g-small', { meter, reservation });
    await expect.poll(() => hub.repo('space', space.repoId), { timeout: 5_000 }).toBeUndefined();
    await expect.poll(() => notices.join('\n')).toMatch(/deleted: another hour at \$1\.00 would pass the auto-approval cap \(\$1\.50\)/);
    expect(switchable.workspace).toBe(workspace);
    expect(reservation.actualUsd).toBe(0);
  });

  it('a run killed with kill -9 leaves its lease: the next start finds the orphan and deletes it', async () => {
    const { hub, connection } = await hubFor();
    const leases = createSpaceLeaseStore(temporaryDirectory('ml-intern-space-leases-'));
    const space = await createSpaceSandbox({ ...connection, ...FAST, hardware: 'cpu-basic', leases });
    // The lease now names a process that died without cleaning up.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    leases.write({ ...leases.list()[0]!, pid: dead });
    expect(leases.orphans().map((lease) => lease.repoId)).toEqual([space.repoId]);
    const listed = await listSandboxSpaces(connection);
    expect(listed).toEqual([expect.objectContaining({ repoId: space.repoId, stage: 'RUNNING', hardware: 'cpu-basic' })]);
    for (const orphan of leases.orphans()) await deleteSpaceSandbox(orphan.repoId, { ...connection, leases });
    expect(hub.repo('space', space.repoId)).toBeUndefined();
    expect(leases.list()).toEqual([]);
  });
});

describe('spaceUrl', () => {
  it('follows the Hub subdomain rules, or the template', () => {
    expect(spaceUrl('My_Org.x/mli-sandbox-0a1b2c3d')).toBe('https://my-org-x-mli-sandbox-0a1b2c3d.hf.space');
    expect(spaceUrl('alice/mli-sandbox-0a1b2c3d', 'http://127.0.0.1:9000/{owner}/{name}/')).toBe('http://127.0.0.1:9000/alice/mli-sandbox-0a1b2c3d');
  });
});
