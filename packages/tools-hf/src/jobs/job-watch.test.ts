import { runTool } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { seedTrackioSpace, TRACKIO_DASHBOARD_FILES } from '../trackio/trackio-space.js';
import { createHfJobsTool } from './hf-jobs-tool.js';
import { trainingWarnings } from './training-guidance.js';

const GIB = 1024 ** 3;

describe('hf_jobs with Trackio', () => {
  test('run seeds a private dashboard Space once, gives the job TRACKIO_* and reports the dashboard', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    const first = await runTool(tool, { operation: 'run', script: 'print(1)\n', trackio_space_id: 'tester/trackio', trackio_project: 'sft-run' });
    expect(first.isError).toBe(false);
    const job = [...setup.hub.jobs.values()][0];
    expect((job?.request as { environment: Record<string, string> }).environment).toMatchObject({ TRACKIO_SPACE_ID: 'tester/trackio', TRACKIO_PROJECT: 'sft-run' });
    const space = setup.hub.repo('space', 'tester/trackio');
    expect(space?.settings.private).toBe(true);
    expect(space?.seed.sdk).toBe('gradio');
    for (const [file, text] of Object.entries(TRACKIO_DASHBOARD_FILES)) expect(setup.hub.readFile('space', 'tester/trackio', file)).toBe(text);
    expect(setup.hub.readFile('space', 'tester/trackio', 'README.md')).not.toContain('hf_oauth');
    expect(first.output).toContain(`Trackio dashboard: ${setup.hub.hubUrl}/spaces/tester/trackio (project "sft-run"`);
    expect(first.states).toEqual([{ jobUrl: `${setup.hub.hubUrl}/jobs/tester/${job?.id}`, trackioSpaceId: 'tester/trackio', trackioProject: 'sft-run' }]);
    const commits = requestsTo(setup.hub, /\/api\/spaces\/tester\/trackio\/commit\//);
    expect(commits).toHaveLength(1);

    // Seeded already: the second job only checks app.py; a bare name is put under the user.
    const second = await runTool(tool, { operation: 'run', script: 'print(2)\n', trackio_space_id: 'trackio' });
    expect(second.isError).toBe(false);
    expect(requestsTo(setup.hub, /\/api\/spaces\/tester\/trackio\/commit\//)).toHaveLength(1);
    expect(second.states[0]).toMatchObject({ trackioSpaceId: 'tester/trackio', trackioProject: 'trackio' });
  });

  test('scheduled runs log to the dashboard too', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createHfJobsTool(setup.options), { operation: 'scheduled run', schedule: '@daily', script: 'print(1)\n', trackio_space_id: 'tester/nightly' });
    expect(result.output).toContain(`Trackio dashboard: ${setup.hub.hubUrl}/spaces/tester/nightly (project "nightly")`);
    const scheduled = [...setup.hub.scheduledJobs.values()][0]?.request as { jobSpec: { environment: Record<string, string> } };
    expect(scheduled.jobSpec.environment).toMatchObject({ TRACKIO_SPACE_ID: 'tester/nightly', TRACKIO_PROJECT: 'nightly' });
  });

  test('a Space whose app.py is not the dashboard is re-seeded; a bad id is refused before any job starts', async () => {
    await using setup = await startTestHub({ seed: { repos: [{ type: 'space', id: 'tester/board', sdk: 'gradio', files: { 'app.py': 'import gradio as gr\n' } }] } });
    const seeded = await seedTrackioSpace({ ...setup.options, spaceId: 'tester/board' });
    expect(seeded).toMatchObject({ seeded: true, created: false, env: { TRACKIO_SPACE_ID: 'tester/board', TRACKIO_PROJECT: 'board' } });
    expect(setup.hub.readFile('space', 'tester/board', 'app.py')).toContain('trackio.show()');
    expect(await seedTrackioSpace({ ...setup.options, spaceId: 'tester/board' })).toMatchObject({ seeded: false });
    const bad = await runTool(createHfJobsTool(setup.options), { operation: 'run', script: 'print(1)\n', trackio_space_id: 'a/b/c' });
    expect(bad.isError).toBe(true);
    expect(bad.output).toContain('trackio_space_id "a/b/c" is not a Space id');
    expect(setup.hub.jobs.size).toBe(0);
  });
});

describe('hf_jobs metrics and logs', () => {
  test('following a job streams GPU metrics as tool_log and warns when GPU memory is nearly full', async () => {
    const full = { cpu_usage_pct: 99, memory_used_bytes: 30 * GIB, memory_total_bytes: 32 * GIB, gpus: { '0': { utilization: 100, memory_used_bytes: 23.5 * GIB, memory_total_bytes: 24 * GIB } } };
    await using setup = await startTestHub({ jobScript: { chunks: [['step 1'], ['step 2']], metrics: [full] } });
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    const followed = await runTool(tool, { operation: 'logs', job_id: id, follow_seconds: 1 });
    const messages = followed.logs.map((log) => log.message);
    expect(messages).toContain('[metrics] GPU 0: 100% util, 23.5/24.0 GB (98%) | CPU 99% | RAM 30.0/32.0 GB (94%)');
    expect(followed.logs.find((log) => log.level === 'warn')?.message).toContain('GPU 0 memory is over 95% full');
    expect(messages).toContain('step 1');
    expect(requestsTo(setup.hub, new RegExp(`/api/jobs/tester/${id}/metrics`)).length).toBeGreaterThan(0);
  });

  test('inspect shows a running job\'s current metrics', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n', hardware_flavor: 'a10g-large' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    expect((await runTool(tool, { operation: 'inspect', job_id: id })).output).toContain('Metrics: GPU 0: 93% util');
    await runTool(tool, { operation: 'cancel', job_id: id });
    expect((await runTool(tool, { operation: 'inspect', job_id: id })).output).not.toContain('Metrics:');
  });

  test('following a long-running job streams its new lines, not the replay of its history', async () => {
    await using setup = await startTestHub({ jobScript: { chunks: [['old 1', 'old 2'], ['new 1'], ['new 2']] } }, { logClockSkewMs: 100 });
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    await runTool(tool, { operation: 'logs', job_id: id });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const followed = await runTool(tool, { operation: 'logs', job_id: id, follow_seconds: 1 });
    const streamed = followed.logs.map((log) => log.message).filter((line) => !line.startsWith('[metrics]'));
    expect(streamed).toEqual(['new 1', '(2 earlier log lines were replayed without streaming them; the last ones are in the result.)']);
    expect(followed.output).toContain('```\nold 1\nold 2\nnew 1\n```');
    expect(followed.output).not.toContain('still catching up');
  });

  test('a logs snapshot of a running job shows its current metrics; a finished job shows none', async () => {
    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    const running = await runTool(tool, { operation: 'logs', job_id: id });
    expect(running.output).toContain('Metrics: GPU 0: 93% util, 18.0/24.0 GB (75%) | CPU 63% | RAM 9.0/32.0 GB (28%)');
    const done = await runTool(tool, { operation: 'logs', job_id: id });
    expect(done.output).toContain('COMPLETED');
    expect(done.output).not.toContain('Metrics:');
  });

  test('a snapshot returns the latest lines of a long replay, and says so when the replay could not reach the end', async () => {
    const lines = Array.from({ length: 400 }, (_, index) => `line ${index + 1}`);
    await using setup = await startTestHub({ jobScript: { chunks: [lines], releasePerRequest: 1 }, logLineDelayMs: 0 });
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    const latest = await runTool(tool, { operation: 'logs', job_id: id, tail: 2 });
    expect(latest.output).toContain('Last 2 of 400 lines:\n```\nline 399\nline 400\n```');
    expect(latest.output).not.toContain('still catching up');
  });

  test('a replay cut off by the snapshot limit is reported as such, not passed off as the latest lines', async () => {
    const lines = Array.from({ length: 400 }, (_, index) => `line ${index + 1}`);
    await using setup = await startTestHub({ jobScript: { chunks: [lines, ['last']] }, logLineDelayMs: 5 }, { logSnapshotMaxMs: 300 });
    const tool = createHfJobsTool(setup.options);
    await runTool(tool, { operation: 'run', script: 'print(1)\n' });
    const id = [...setup.hub.jobs.keys()][0] as string;
    const cut = await runTool(tool, { operation: 'logs', job_id: id, tail: 2 });
    expect(cut.output).toMatch(/The log replay was still catching up when reading stopped, at lines from \d{4}-/);
    expect(cut.output).not.toContain('line 400');
  });
});

describe('hf_jobs guidance', () => {
  test('the description sizes hardware per model size and method and names the default timeout', () => {
    const { description } = createHfJobsTool({});
    expect(description).toMatch(/Full fine-tuning needs ~16 GB per 1B/);
    expect(description).toMatch(/QLoRA/);
    expect(description).toMatch(/LoRA needs/);
    expect(description).toContain('Default timeout is 30m');
  });

  test('warns about a short timeout for many steps and a trainer without push_to_hub, in the approval and the result', async () => {
    const script = 'from trl import SFTConfig, SFTTrainer\nargs = SFTConfig(output_dir="out", max_steps=5000)\ntrainer = SFTTrainer(model="Qwen/Qwen2.5-0.5B", args=args)\n';
    const warnings = trainingWarnings({ scriptText: script, hardwareFlavor: 'a10g-large', timeoutSeconds: 1800 });
    expect(warnings[0]).toContain('timeout 30m looks too short for max_steps=5000 on a10g-large');
    expect(warnings[1]).toContain('no push_to_hub');
    expect(trainingWarnings({ scriptText: script.replace('max_steps=5000', 'max_steps=100, push_to_hub=True'), hardwareFlavor: 'a10g-large', timeoutSeconds: 1800 })).toEqual([]);
    expect(trainingWarnings({ scriptText: 'print("not training")', hardwareFlavor: 'cpu-basic', timeoutSeconds: 60 })).toEqual([]);

    await using setup = await startTestHub();
    const tool = createHfJobsTool(setup.options);
    expect(tool.approval?.({ ...tool.inputSchema.parse({ operation: 'run', script, hardware_flavor: 'a10g-large' }) })?.reason).toContain('looks too short for max_steps=5000');
    const result = await runTool(tool, { operation: 'run', script, hardware_flavor: 'a10g-large' });
    expect(result.output).toContain('Warning: timeout 30m looks too short');
    expect(result.output).toContain('Warning: the trainer config has no push_to_hub');
  });
});
