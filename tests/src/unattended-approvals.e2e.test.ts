import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeHub, startFakeOpenAI, temporaryDirectories } from '@ml-intern/testing';
import type { AgentEvent } from '@ml-intern/events';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, HEADLESS, isolatedEnv, parseJsonl, runBinary } from './run-binary.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const MODEL = 'openai/gpt-4o';

/** One model call that starts an HF job, then a final answer. */
function jobSteps(flavor: string, timeout = '1h') {
  return [{ toolCalls: [{ name: 'hf_jobs', arguments: { operation: 'run', script: 'print("train")\n', hardware_flavor: flavor, timeout } }] }, { text: 'finished' }];
}

/** Outputs of one tool in call order (a denied call reports before the allowed ones have run). */
function toolOutputs(events: AgentEvent[], tool: string) {
  const outputs = events.flatMap((event) => (event.type === 'tool_output' && event.tool === tool ? [event] : []));
  const order = events.flatMap((event) => (event.type === 'tool_call' && event.tool === tool ? [event.tool_call_id] : []));
  return outputs.sort((a, b) => order.indexOf(a.tool_call_id) - order.indexOf(b.tool_call_id));
}

describe('unattended runs: auto-approval within a cap, never a hang', () => {
  it('one-shot auto-approves an HF job that fits the default $5 cap and says so in session_started', async () => {
    await using hub = await startFakeHub();
    await using openai = await startFakeOpenAI({ steps: jobSteps('t4-small') });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token });
    const run = await runBinary(CLI, ['--output-format', 'stream-json', 'train on a t4'], { env });
    const { events, result } = parseJsonl(run.stdout);
    const started = events[0];
    expect(started?.type === 'session_started' && started.config).toMatchObject({ approval_mode: 'auto', interactive_approvals: false, auto_approval_cap_usd: 5 });
    expect(toolOutputs(events, 'hf_jobs')[0]).toMatchObject({ is_error: false, output: expect.stringContaining('Started job') });
    expect(hub.jobs.size).toBe(1);
    expect(events.some((event) => event.type === 'approval_required')).toBe(false);
    expect(result).toMatchObject({ status: 'done' });
    expect(run.code).toBe(0);
  });

  it('--approval strict denies it with a reason that says how to allow it', async () => {
    await using hub = await startFakeHub();
    await using openai = await startFakeOpenAI({ steps: jobSteps('t4-small') });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token });
    const run = await runBinary(HEADLESS, ['--approval', 'strict', 'train on a t4'], { env });
    const { events, result } = parseJsonl(run.stdout);
    expect(toolOutputs(events, 'hf_jobs')[0]?.output).toMatch(/Not executed: strict approval mode .*--approval auto/);
    expect(hub.jobs.size).toBe(0);
    expect(result).toMatchObject({ status: 'done' });
  });

  it('a job over the cap, and an unpriced GPU flavour even with --yolo, are denied, not left waiting', async () => {
    await using hub = await startFakeHub();
    await using openai = await startFakeOpenAI({
      steps: [
        {
          toolCalls: [
            { name: 'hf_jobs', arguments: { operation: 'run', script: 'print(1)\n', hardware_flavor: 'a100x8', timeout: '2h' } },
            { name: 'hf_jobs', arguments: { operation: 'run', script: 'print(1)\n', hardware_flavor: 'tpu-v9', timeout: '1h' } },
          ],
        },
        { text: 'could not' },
      ],
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token });
    const run = await runBinary(HEADLESS, ['--yolo', '--budget-usd', '1', 'train big'], { env, timeoutMs: 30_000 });
    const { events, result } = parseJsonl(run.stdout);
    const [overCap, unpriced] = toolOutputs(events, 'hf_jobs');
    expect(overCap?.output).toMatch(/Not executed: .*would exceed the session budget/);
    expect(unpriced?.output).toMatch(/Not executed: .*cost cannot be estimated/);
    expect(hub.jobs.size).toBe(0);
    expect(result).toMatchObject({ status: 'done', final_text: 'could not' });
  });

  it('without a sandbox (tool_runtime "local") bash runs only with --yolo or a matching rule, parsed', async () => {
    const workspace = directories.make('ml-intern-local-');
    const marker = path.join(workspace, 'pwned');
    const steps = [
      {
        toolCalls: [
          { name: 'bash', arguments: { command: 'echo allowed-by-rule' } },
          { name: 'bash', arguments: { command: `echo allowed-by-rule; touch ${marker}` } },
          { name: 'bash', arguments: { command: `echo $(touch ${marker})` } },
        ],
      },
      { text: 'done' },
    ];
    await using openai = await startFakeOpenAI({ steps });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL });
    const config = path.join(env.HOME as string, 'config.json');
    writeFileSync(config, JSON.stringify({ tool_runtime: 'local', approval: { rules: [{ tool: 'bash', args: { command: 'echo *' }, action: 'allow' }] } }));
    const run = await runBinary(HEADLESS, ['--config', config, '--cwd', workspace, 'run things'], { env });
    const outputs = toolOutputs(parseJsonl(run.stdout).events, 'bash');
    expect(outputs[0]).toMatchObject({ is_error: false, output: expect.stringContaining('allowed-by-rule') });
    expect(outputs[1]?.output).toMatch(/^Not executed/);
    expect(outputs[2]?.output).toMatch(/^Not executed/);
    expect(existsSync(marker)).toBe(false);

    // --yolo: unattended runs may then run unsandboxed commands.
    await using again = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'bash', arguments: { command: `touch ${marker}` } }] }, { text: 'done' }] });
    const yolo = await runBinary(HEADLESS, ['--config', config, '--cwd', workspace, '--yolo', 'touch it'], { env: { ...env, OPENAI_BASE_URL: again.baseURL } });
    expect(toolOutputs(parseJsonl(yolo.stdout).events, 'bash')[0]).toMatchObject({ is_error: false });
    expect(existsSync(marker)).toBe(true);
  });
});
