import { ConfigError, createApprovalPolicy, createSession, type AgentEvent } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn, type ScriptedTurn } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { HF_TOOL_NAMES, hfTools } from './hf-tools.js';
import { startTestHub } from './__fixtures__/test-hub.js';

const TRAIN_SCRIPT = `# /// script
# dependencies = ["trl", "datasets"]
# ///
from datasets import load_dataset
from trl import SFTConfig, SFTTrainer
dataset = load_dataset("tester/chat-demo", split="train")
trainer = SFTTrainer(model="tester/tiny-model", train_dataset=dataset, args=SFTConfig(output_dir="out", push_to_hub=True, hub_model_id="tester/tiny-model-sft"))
trainer.train()
`;

describe('hfTools', () => {
  test('builds every tool once, validates options up front and touches no network', async () => {
    await using setup = await startTestHub();
    const tools = hfTools(setup.options);
    expect(tools.map((tool) => tool.name)).toEqual([...HF_TOOL_NAMES]);
    expect(hfTools({ ...setup.options, include: ['hf_jobs', 'hf_papers'] }).map((tool) => tool.name)).toEqual(['hf_papers', 'hf_jobs']);
    expect(() => hfTools({ hubUrl: 'not a url' })).toThrow(ConfigError);
    expect(() => hfTools({ datasetsServerUrl: 'ftp://example.com' })).toThrow(/datasetsServerUrl must use http or https/);
    expect(setup.hub.requests).toHaveLength(0);
    for (const tool of tools) expect(tool.spec.inputSchema.type).toBe('object');
  });
});

describe('an agent session with the HF tools', () => {
  test('inspects a dataset, uploads a script, launches an approved job, polls it to completion and reports the URL', async () => {
    await using setup = await startTestHub();
    const { hub } = setup;
    let jobId: string | undefined;
    const model = new ScriptedModel({
      turns: (request, index): ScriptedTurn => {
        const lastTool = [...request.messages].reverse().find((message) => message.role === 'tool');
        const result = lastTool && 'content' in lastTool ? String(lastTool.content) : '';
        if (index === 0) return toolTurn({ name: 'hf_inspect_dataset', arguments: { dataset: 'tester/chat-demo', sample_rows: 1 } });
        if (index === 1) return toolTurn({ name: 'hf_repo_files', arguments: { operation: 'upload', repo_id: 'tester/tiny-model', path: 'scripts/train.py', content: TRAIN_SCRIPT } });
        if (index === 2) {
          return toolTurn({ name: 'hf_jobs', arguments: { operation: 'run', script: `${hub.hubUrl}/tester/tiny-model/resolve/main/scripts/train.py`, hardware_flavor: 'a10g-large', timeout: '1h' } });
        }
        jobId ??= result.match(/Started job (\w+)/)?.[1];
        if (!/: COMPLETED/.test(result)) return toolTurn({ name: 'hf_jobs', arguments: { operation: 'logs', job_id: jobId } });
        return textTurn(`Training finished; model pushed. Job: ${result.match(/https?:\/\/\S+\/jobs\/\S+/)?.[0]}`);
      },
    });
    const session = createSession({ model, tools: hfTools(setup.options), policy: createApprovalPolicy({ mode: 'default' }), planTool: false });
    const events: AgentEvent[] = [];
    session.subscribe((event) => {
      events.push(event);
      if (event.type === 'approval_required') {
        session.submit({ type: 'exec_approval', decisions: event.tools.map((tool) => ({ tool_call_id: tool.tool_call_id, approved: true })) });
      }
    });
    const outcome = await session.run('Fine-tune tester/tiny-model on tester/chat-demo with HF Jobs and tell me where to watch it.');
    await session.close();

    const job = [...hub.jobs.values()][0];
    expect(outcome.status).toBe('completed');
    expect(outcome.text).toBe(`Training finished; model pushed. Job: ${hub.hubUrl}/jobs/tester/${job?.id}`);
    const approvals = events.flatMap((event) => (event.type === 'approval_required' ? event.tools : []));
    expect(approvals.map((tool) => [tool.tool, tool.estimated_cost_usd])).toEqual([
      ['hf_repo_files', null],
      ['hf_jobs', 1.5],
    ]);
    expect(approvals[1]?.reason).toContain('runs a job on a10g-large, up to $1.50');
    // Reserved at $1.50 on approval, then reconciled to runtime × price once the job was seen finished (milliseconds here).
    expect(session.usage.jobCostUsd).toBeLessThan(0.01);
    expect(hub.readFile('model', 'tester/tiny-model', 'scripts/train.py')).toBe(TRAIN_SCRIPT);
    expect((job?.request as { command: string[] }).command).toEqual(['uv', 'run', `${hub.hubUrl}/tester/tiny-model/resolve/main/scripts/train.py`]);
    expect(job?.stage).toBe('COMPLETED');
    expect(events.some((event) => event.type === 'tool_log' && event.message.includes(`Started HF job ${job?.id}`))).toBe(true);
    const logsCalls = model.requests.length - 4;
    expect(logsCalls).toBe(2);
    const transcript = JSON.stringify(events);
    expect(transcript).not.toContain(hub.token);
  });

  test('an interrupted session cancels the job it started', async () => {
    await using setup = await startTestHub({ jobScript: { chunks: [['working'], ['more']], releasePerRequest: 1 } });
    const model = new ScriptedModel({
      turns: [toolTurn({ name: 'hf_jobs', arguments: { operation: 'run', script: 'import time\ntime.sleep(3600)\n', hardware_flavor: 'cpu-basic' } }), textTurn('started'), toolTurn({ name: 'hf_jobs', arguments: { operation: 'logs', job_id: 'later', follow_seconds: 60 } })],
    });
    const session = createSession({ model, tools: hfTools({ ...setup.options, confirmCpuJobs: false }), planTool: false });
    await session.run('start a long job');
    const job = [...setup.hub.jobs.values()][0];
    expect(job?.stage).toBe('RUNNING');
    const interrupted = new Promise<void>((resolve) => session.subscribe((event) => event.type === 'interrupted' && resolve()));
    session.submit({ type: 'user_input', text: 'keep watching' });
    await new Promise<void>((resolve) => session.subscribe((event) => event.type === 'tool_call' && resolve()));
    session.submit({ type: 'interrupt' });
    await interrupted;
    await session.close();
    expect(setup.hub.jobs.get(job?.id as string)?.stage).toBe('CANCELED');
  });
});
