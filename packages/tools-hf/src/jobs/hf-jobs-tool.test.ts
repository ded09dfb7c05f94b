import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageMeter, createApprovalPolicy, createSession, type AgentEvent } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { runTool, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfJobsTool } from './hf-jobs-tool.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

function decodeInlineScript(command: string[]): string {
  const encoded = command[2]?.match(/printf %s (\S+) \| base64 -d/)?.[1] ?? '';
  return Buffer.from(encoded, 'base64').toString('utf8');
}

describe('hf_jobs run', () => {
  test('starts an inline script with uv on the requested hardware and returns id and URL at once', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    const result = await runTool(tool, {
      operation: 'run',
      script: 'import trl\nprint("hi")\n',
      dependencies: ['trl>=0.12', 'peft'],
      script_args: ['--epochs', '3'],
      hardware_flavor: 'a10g-large',
      timeout: '2h',
      env: { WANDB_DISABLED: 'true' },
    });
    expect(result.isError).toBe(false);
    const job = [...setup.hub.jobs.values()][0];
    expect(job).toBeDefined();
    expect(result.output).toContain(`Started job ${job?.id} (python: inline script) on a10g-large, timeout 2h, estimated cost up to $3.60 (live catalog).`);
    expect(result.output).toContain(`URL: ${setup.hub.hubUrl}/jobs/tester/${job?.id}`);
    expect(result.logs[0]?.message).toContain(`Started HF job ${job?.id}`);
    const request = job?.request as { dockerImage: string; command: string[]; environment: Record<string, string>; secrets: Record<string, string>; flavor: string; timeoutSeconds: number };
    expect(request.dockerImage).toBe('ghcr.io/astral-sh/uv:python3.12-bookworm');
    expect(request.flavor).toBe('a10g-large');
    expect(request.timeoutSeconds).toBe(7200);
    expect(request.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(request.command[2]).toContain("exec uv run --with 'trl>=0.12' --with peft /tmp/script.py --epochs 3");
    expect(decodeInlineScript(request.command)).toBe('import trl\nprint("hi")\n');
    expect(request.environment).toMatchObject({ WANDB_DISABLED: 'true', PYTHONUNBUFFERED: '1', HF_HUB_DISABLE_PROGRESS_BARS: '1' });
    expect(request.secrets).toEqual({ HF_TOKEN: setup.hub.token, HUGGINGFACE_HUB_TOKEN: setup.hub.token });
    expect(result.output).not.toContain(setup.hub.token);
    expect(requestsTo(setup.hub, /whoami/)).toHaveLength(1);
    await runTool(tool, { operation: 'ps' });
    expect(requestsTo(setup.hub, /whoami/)).toHaveLength(1);
  });

  test('runs a workspace file, a URL, or an image with a command', async () => {
    await using setup = await startTestHub({}, { namespace: 'ml-org' });
    const workspace = directories.make('ml-intern-jobs-');
    writeFileSync(path.join(workspace, 'train.py'), '# /// script\n# dependencies = ["torch"]\n# ///\nprint("train")\n');
    const tool = createHfJobsTool(setup.options);
    const file = await runTool(tool, { operation: 'run', script: 'train.py' }, { cwd: workspace });
    expect(file.output).toContain('(python: workspace file train.py)');
    const fromUrl = await runTool(tool, { operation: 'run', script: 'https://example.com/train.py', dependencies: ['datasets'] });
    expect(fromUrl.output).toContain('(python: https://example.com/train.py)');
    const docker = await runTool(tool, { operation: 'run', command: ['python', '-c', 'print(1)'], hardware_flavor: 'cpu-upgrade' });
    expect(docker.output).toContain('(docker: command) on cpu-upgrade');
    const [fileJob, urlJob, dockerJob] = [...setup.hub.jobs.values()];
    expect(fileJob?.namespace).toBe('ml-org');
    expect(decodeInlineScript((fileJob?.request as { command: string[] }).command)).toContain('print("train")');
    expect((fileJob?.request as { command: string[] }).command[2]).toContain('/tmp/train.py');
    expect((urlJob?.request as { command: string[] }).command).toEqual(['uv', 'run', '--with', 'datasets', 'https://example.com/train.py']);
    expect(dockerJob?.request).toMatchObject({ dockerImage: 'python:3.12', command: ['python', '-c', 'print(1)'] });
    expect(requestsTo(setup.hub, /whoami/)).toHaveLength(0);
  });

  test('rejects ambiguous or broken run requests before creating anything', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    const cases: [Record<string, unknown>, string][] = [
      [{ operation: 'run', script: 'print(1)\n', command: ['ls'] }, 'exactly one of script'],
      [{ operation: 'run' }, 'exactly one of script'],
      [{ operation: 'run', script: 'missing.py' }, 'script file missing.py was not found in the workspace'],
      [{ operation: 'run', script: 'print(1)\n', timeout: 'forever' }, 'timeout "forever" is not a duration'],
      [{ operation: 'run', script: 'print(1)\n', timeout: '30s' }, 'shorter than a minute'],
    ];
    for (const [args, message] of cases) {
      const result = await runTool(tool, args);
      expect(result.isError).toBe(true);
      expect(result.output).toContain(message);
    }
    expect(setup.hub.jobs.size).toBe(0);
    const flavor = await runTool(tool, { operation: 'run', script: 'print(1)\n', hardware_flavor: 'tpu-v9' });
    expect(flavor.output).toContain('rejected the request for HF Jobs (your namespace) (HTTP 400). Server said: Invalid flavor: tpu-v9');
  });

  test('reports missing credits as a billing problem', async () => {
    await using setup = await startTestHub();
    setup.hub.fail({ method: 'POST', path: '/api/jobs/tester', status: 402, body: { error: 'Insufficient credits' } });
    const result = await runTool(createHfJobsTool(setup.options), { operation: 'run', script: 'print(1)\n' });
    expect(result.output).toContain(`the namespace has no credits for this. Add credits at ${setup.hub.hubUrl}/settings/billing`);
  });

  test('needs a token, and says so', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createHfJobsTool({ ...setup.options, token: undefined }), { operation: 'ps' });
    expect(result.output).toContain('HF Jobs need a token');
  });

  test('streams logs as tool_log lines while waiting, and reports the final status', async () => {
    await using setup = await startTestHub({ jobScript: { chunks: [['epoch 1'], ['epoch 2', 'saved']], releasePerRequest: Number.POSITIVE_INFINITY } });
    const result = await runTool(createHfJobsTool(setup.options), { operation: 'run', script: 'print(1)\n', wait_seconds: 30 });
    expect(result.logs.map((log) => log.message).filter((line) => !line.startsWith('[metrics]')).slice(1)).toEqual(['epoch 1', 'epoch 2', 'saved']);
    expect(result.output).toContain('Status after waiting: COMPLETED');
    expect(result.output).toContain('```\nepoch 1\nepoch 2\nsaved\n```');
    expect(result.output).not.toContain('Still running');
  });
});

describe('hf_jobs monitoring', () => {
  test('polls logs until the job completes, with the last lines only and install noise hidden', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    const first = await runTool(tool, { operation: 'logs', job_id: id });
    expect(first.output).toContain(`Job ${id}: RUNNING`);
    expect(first.output).toContain('[2 lines of dependency installation hidden]\nInstalled 12 packages in 250ms');
    expect(first.output).toContain('still running');
    const second = await runTool(tool, { operation: 'logs', job_id: id, tail: 3 });
    expect(second.output).toContain(`Job ${id}: COMPLETED`);
    expect(second.output).toContain('Last 3 of 10 lines:\n```\nstep 4/4 loss=1.20\nPushed model to tester/tiny-model-sft\nDone\n```');
    const inspect = await runTool(tool, { operation: 'inspect', job_id: id });
    expect(inspect.output).toContain(`Job ${id}: COMPLETED`);
    expect(inspect.output).toContain('Command: /bin/sh -c [inline script → /tmp/script.py] uv run /tmp/script.py');
    expect(inspect.output).toContain('Secrets: HF_TOKEN, HUGGINGFACE_HUB_TOKEN (values hidden)');
    expect(inspect.output).not.toContain(setup.hub.token);
  });

  test('follows logs for a bounded time, sending each line as tool_log', async () => {
    await using setup = await startTestHub({ jobScript: { chunks: [['a', 'b'], ['c']] } });
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    const followed = await runTool(tool, { operation: 'logs', job_id: id, follow_seconds: 1 });
    expect(followed.logs.map((log) => log.message).filter((line) => !line.startsWith('[metrics]'))).toEqual(['a', 'b']);
    expect(followed.output).toContain('RUNNING');
  });

  test('lists running jobs by default, all on request, filtered by status, and cancels', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    await runTool(tool, { operation: 'run', script: 'print(2)\n', hardware_flavor: 't4-small' });
    const [first, second] = [...setup.hub.jobs.keys()] as [string, string];
    const cancelled = await runTool(tool, { operation: 'cancel', job_id: first });
    expect(cancelled.output).toContain(`Cancellation requested for job ${first} (status now CANCELED)`);
    const running = await runTool(tool, { operation: 'ps' });
    expect(running.output).toContain(second);
    expect(running.output).not.toContain(first);
    const all = await runTool(tool, { operation: 'ps', all: true });
    expect(all.output).toContain(first);
    const filtered = await runTool(tool, { operation: 'ps', all: true, status: 'cancel' });
    expect(filtered.output).toContain(first);
    expect(filtered.output).not.toContain(second);
    const missing = await runTool(tool, { operation: 'inspect', job_id: 'nope' });
    expect(missing.output).toContain('not found: job nope');
    const noId = await runTool(tool, { operation: 'logs' });
    expect(noId.output).toContain('logs needs job_id');
  });

  test('cancels the jobs a session started when the session is interrupted, but not finished ones', async () => {
    await using setup = await startTestHub({ jobScript: { chunks: [['x']], releasePerRequest: 1 } });
    const tool = createHfJobsTool(setup.options);
    const handlers: (() => void | Promise<void>)[] = [];
    const session = { onInterrupt: (handler: () => void | Promise<void>) => (handlers.push(handler), () => handlers.splice(handlers.indexOf(handler), 1)) };
    await runTool(tool, { operation: 'run', script: 'print(1)\n' }, { session });
    await runTool(tool, { operation: 'run', script: 'print(2)\n' }, { session });
    const [done, running] = [...setup.hub.jobs.keys()] as [string, string];
    await runTool(tool, { operation: 'logs', job_id: done }, { session });
    expect(setup.hub.jobs.get(done)?.stage).toBe('COMPLETED');
    expect(handlers).toHaveLength(1);
    await Promise.all(handlers.map((handler) => handler()));
    expect(setup.hub.jobs.get(running)?.stage).toBe('CANCELED');
    expect(requestsTo(setup.hub, new RegExp(`${done}/cancel`))).toHaveLength(0);
  });
});

describe('hf_jobs scheduled', () => {
  test('creates, lists, inspects, suspends, resumes and deletes scheduled jobs', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    const created = await runTool(tool, { operation: 'scheduled run', script: 'print("nightly")\n', schedule: '@daily', hardware_flavor: 'cpu-basic', timeout: '1h' });
    const id = [...setup.hub.scheduledJobs.keys()][0] as string;
    expect(created.output).toContain(`Created scheduled job ${id} (@daily), up to $0.01 per run.`);
    expect(setup.hub.scheduledJobs.get(id)?.request).toMatchObject({ schedule: '@daily', jobSpec: { flavor: 'cpu-basic', timeoutSeconds: 3600 } });
    expect((await runTool(tool, { operation: 'scheduled ps' })).output).toContain(`Scheduled job ${id}: ACTIVE | schedule @daily`);
    expect((await runTool(tool, { operation: 'scheduled suspend', scheduled_job_id: id })).output).toContain('Suspended');
    expect((await runTool(tool, { operation: 'scheduled inspect', scheduled_job_id: id })).output).toContain('SUSPENDED');
    expect((await runTool(tool, { operation: 'scheduled resume', scheduled_job_id: id })).output).toContain('Resumed');
    expect(setup.hub.scheduledJobs.get(id)?.suspend).toBe(false);
    expect((await runTool(tool, { operation: 'scheduled delete', scheduled_job_id: id })).output).toBe(`Deleted scheduled job ${id}.`);
    expect(setup.hub.scheduledJobs.size).toBe(0);
    const badSchedule = await runTool(tool, { operation: 'scheduled run', script: 'print(1)\n', schedule: 'every day' });
    expect(badSchedule.output).toContain('needs schedule: a 5-field cron expression');
  });
});

describe('hf_jobs approval', () => {
  test('asks for runs with the estimated cost, which moves from the built-in table to the live catalog', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    const input = tool.inputSchema.parse({ operation: 'run', script: 'x', hardware_flavor: 'a10g-large', timeout: '30m' });
    const first = tool.approval?.(input);
    expect(first).toMatchObject({ decision: 'ask', costUsd: 0.75 });
    expect(first?.reason).toContain('a10g-large at $1.50/h from the built-in table × 30m');
    await vi.waitFor(() => expect(tool.approval?.(input)?.costUsd).toBe(0.9));
    expect(tool.approval?.(input)?.reason).toContain('$1.80/h from the live catalog');
    expect(requestsTo(setup.hub, /jobs\/hardware/)).toHaveLength(1);
  });

  test('CPU runs ask unless confirmCpuJobs is false; scheduled writes always ask and are never auto-approved', () => {
    const options = { hubUrl: 'http://127.0.0.1:9', liveHardwareCatalog: false };
    const strict = createHfJobsTool(options);
    const relaxed = createHfJobsTool({ ...options, confirmCpuJobs: false });
    const hint = (tool: typeof strict, args: Record<string, unknown>) => tool.approval?.(tool.inputSchema.parse(args));
    expect(hint(strict, { operation: 'run', script: 'x' })).toMatchObject({ decision: 'ask', costUsd: 0.01 });
    expect(hint(relaxed, { operation: 'run', script: 'x' })).toMatchObject({ decision: 'allow', costUsd: 0.01 });
    expect(hint(relaxed, { operation: 'run', script: 'x', hardware_flavor: 't4-small' })?.decision).toBe('ask');
    expect(hint(relaxed, { operation: 'run', script: 'x', hardware_flavor: 'mystery-gpu' })).toMatchObject({ decision: 'ask' });
    expect(hint(relaxed, { operation: 'run', script: 'x', hardware_flavor: 'mystery-gpu' })?.costUsd).toBeUndefined();
    for (const operation of ['scheduled run', 'scheduled delete', 'scheduled suspend', 'scheduled resume']) {
      expect(hint(relaxed, { operation, script: 'x', schedule: '@daily', scheduled_job_id: 's1' })).toMatchObject({ decision: 'ask', neverAuto: true });
    }
    expect(hint(relaxed, { operation: 'scheduled run', script: 'x', schedule: '@daily', hardware_flavor: 'a100-large', timeout: '2h' })?.costUsd).toBe(5);
    for (const operation of ['ps', 'logs', 'inspect', 'cancel', 'scheduled ps', 'scheduled inspect']) {
      expect([operation, hint(strict, { operation })?.decision]).toEqual([operation, 'allow']);
    }
  });
});

describe('hf_jobs cost accounting in a session', () => {
  test('the estimate is reserved at approval and reconciled to runtime × price when the job ends (or $0 when it fails to start)', async () => {
    await using setup = await startTestHub({ jobScript: { chunks: [['epoch 1'], ['done']], releasePerRequest: Number.POSITIVE_INFINITY } });
    const tool = createHfJobsTool(setup.options);
    const model = new ScriptedModel({
      turns: [
        // Started, then seen finished (a few ms of runtime: $0.00 once reconciled).
        toolTurn({ name: 'hf_jobs', arguments: { operation: 'run', script: 'print(1)\n', hardware_flavor: 'a10g-large', timeout: '2h', wait_seconds: 30 } }),
        // Fails before any job exists: a flavor the Hub refuses.
        toolTurn({ name: 'hf_jobs', arguments: { operation: 'run', script: 'print(1)\n', hardware_flavor: 'a10g-large', timeout: '1h', namespace: 'not-mine' } }),
        textTurn('done'),
      ],
    });
    const session = createSession({ model, tools: [tool], policy: createApprovalPolicy({ mode: 'auto', interactive: false, autoApprovalCapUsd: 10 }) });
    const events: AgentEvent[] = [];
    session.subscribe((event) => events.push(event));
    const outcome = await session.run('train');
    expect(outcome.status).toBe('completed');
    const results = (model.requests[2]?.messages ?? []).filter((message) => message.role === 'tool');
    expect(results[0]).toMatchObject({ isError: false, content: expect.stringContaining('COMPLETED') });
    expect(results[1]).toMatchObject({ isError: true });
    const reconciled = events.filter((event) => event.type === 'tool_log' && /reconciled/.test(event.message)).map((event) => (event.type === 'tool_log' ? event.message : ''));
    expect(reconciled).toHaveLength(2);
    for (const message of reconciled) expect(message).toMatch(/^Cost of hf_jobs reconciled: \$0\.00 \(reserved \$[1-9]\d*\.\d\d\)\.$/);
    expect(session.usage.jobCostUsd).toBe(0);
    const complete = events.find((event) => event.type === 'turn_complete');
    expect(complete?.type === 'turn_complete' && complete.cost_usd).toBe(session.usage.costUsd);
    await session.close();
  });
});

describe('hf_jobs reservations across runs', () => {
  test('reconcile: a job from an earlier run is settled at runtime × price once it has ended, and watched while it runs', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n', hardware_flavor: 'a10g-large', timeout: '2h' });
    const job = [...setup.hub.jobs.values()][0];
    if (!job) throw new Error('no job');
    const meter = new UsageMeter();
    const reservation = meter.reserve(3.6);
    const logs: string[] = [];
    const ctx = {
      signal: AbortSignal.timeout(10_000),
      log: (message: string) => logs.push(message),
      session: { id: 's', cwd: tmpdir(), model: 'm', dataDir: tmpdir(), onInterrupt: () => () => {} },
      toolCallId: 'call_1',
      reservation,
    };
    const resource = { kind: 'hf_job', id: job.id, namespace: 'tester', hourly_usd: 1.8 };
    await tool.reconcile?.(resource, ctx);
    expect(reservation.actualUsd).toBeUndefined();
    expect(logs.join('\n')).toContain(`Job ${job.id} from the previous run is still RUNNING`);
    job.stage = 'COMPLETED';
    job.finishedAt = new Date(new Date(job.createdAt).getTime() + 30 * 60_000).toISOString();
    await tool.reconcile?.(resource, ctx);
    expect(reservation.actualUsd).toBe(0.9);
    expect(meter.totals.jobCostUsd).toBeCloseTo(0.9, 10);
  });
});
