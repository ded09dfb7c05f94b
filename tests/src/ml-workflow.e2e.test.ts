import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { JsonlSessionStore, readSessionLog } from '@ml-intern/context';
import { createApprovalPolicy, createSession, openReservations, type AgentEvent, type ModelRequest } from '@ml-intern/core';
import { createLocalSandbox, sandboxTools } from '@ml-intern/sandbox';
import { ScriptedModel, startFakeHub, temporaryDirectories, textTurn, toolTurn, type ScriptedTurn } from '@ml-intern/testing';
import { hfTools } from '@ml-intern/tools-hf';
import { afterEach, describe, expect, test } from 'vitest';
import { CLI, isolatedEnv, runBinary } from './run-binary.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

/** The TRL script the job runs (never executed here: no weights can be downloaded). */
const TRL_SCRIPT = `# /// script
# dependencies = ["trl>=0.12", "peft", "trackio"]
# ///
from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

dataset = load_dataset("tester/chat-demo", split="train")
trainer = SFTTrainer(
    model="tester/tiny-model",
    train_dataset=dataset,
    args=SFTConfig(output_dir="out", max_steps=200, report_to="trackio", push_to_hub=True, hub_model_id="tester/tiny-model-chat-lora"),
    peft_config=LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]),
)
trainer.train()
`;

/** A pure-Python stand-in for the trainer: the same output folder layout, run in the sandbox. */
const STAND_IN = `import json, os
os.makedirs("out", exist_ok=True)
history = []
loss = 2.4
for step in range(1, 6):
    loss = round(loss * 0.8, 4)
    history.append({"step": step, "loss": loss})
    print(f"step {step}/5 loss={loss}")
history.append({"step": 5, "train_loss": round(sum(entry["loss"] for entry in history) / 5, 4), "train_runtime": 1.5})
json.dump({"global_step": 5, "log_history": history}, open("out/trainer_state.json", "w"))
json.dump({"base_model_name_or_path": "tester/tiny-model", "peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"]}, open("out/adapter_config.json", "w"))
open("out/adapter_model.safetensors", "wb").write(bytes(range(64)))
print("saved out/")
`;

const REPO = 'tester/tiny-model-chat-lora';

function toolResults(request: ModelRequest): string[] {
  return request.messages.filter((message) => message.role === 'tool').map((message) => ('content' in message ? String(message.content) : ''));
}

describe('the ML workflow end to end: find, check, train, watch, ship', () => {
  test('a scripted session drives the real tools against the fake Hub and every artifact lands there', async () => {
    const workspace = directories.make('ml-intern-workflow-');
    await using hub = await startFakeHub({ logLineDelayMs: 1 });
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, network: false });
    let jobId = '';
    const model = new ScriptedModel({
      turns: (request, index): ScriptedTurn => {
        const started = toolResults(request).map((text) => /Started job (\w+)/.exec(text)?.[1]).find(Boolean);
        if (started) jobId = started;
        const script: ScriptedTurn[] = [
          toolTurn({ name: 'hf_hub_search', arguments: { kind: 'model', task: 'text-generation', limit: 5 } }),
          toolTurn({ name: 'hf_hub_search', arguments: { kind: 'dataset', query: 'chat' } }),
          toolTurn({ name: 'hf_inspect_dataset', arguments: { dataset: 'tester/chat-demo', sample_rows: 2 } }),
          toolTurn({ name: 'write', arguments: { path: 'train_trl.py', content: TRL_SCRIPT } }),
          toolTurn({ name: 'write', arguments: { path: 'stand_in_train.py', content: STAND_IN } }),
          toolTurn({ name: 'bash', arguments: { command: 'python3 stand_in_train.py', description: 'smoke-test the training loop' } }),
          toolTurn({ name: 'hf_jobs', arguments: { operation: 'run', script: 'train_trl.py', hardware_flavor: 'a10g-large', timeout: '2h', trackio_space_id: 'trackio', trackio_project: 'chat-sft' } }),
          toolTurn({ name: 'hf_jobs', arguments: { operation: 'logs', job_id: jobId, follow_seconds: 1 } }),
          toolTurn({ name: 'hf_jobs', arguments: { operation: 'logs', job_id: jobId } }),
          toolTurn({ name: 'hf_repo_files', arguments: { operation: 'upload', repo_id: REPO, local_path: 'out', model_card: { training_script: 'train_trl.py', dataset: 'tester/chat-demo' }, commit_message: 'Upload the LoRA adapter' } }),
        ];
        return script[index] ?? textTurn(`Trained and shipped ${REPO}.`);
      },
    });
    const tools = [
      ...sandboxTools({ sandbox }),
      ...hfTools({ hubUrl: hub.hubUrl, datasetsServerUrl: hub.datasetsServerUrl, token: hub.token, cacheDir: directories.make('ml-intern-hf-cache-'), workspaceDir: workspace, logIdleMs: 200, retry: { attempts: 2, baseDelayMs: 1 } }),
    ];
    const session = createSession({ model, tools, policy: createApprovalPolicy({ mode: 'default' }), planTool: false, cwd: workspace });
    const events: AgentEvent[] = [];
    session.subscribe((event) => {
      events.push(event);
      if (event.type === 'approval_required') session.submit({ type: 'exec_approval', decisions: event.tools.map((tool) => ({ tool_call_id: tool.tool_call_id, approved: true })) });
    });
    const outcome = await session.run('Fine-tune a small chat model with LoRA on a chat dataset, watch the run on Trackio, and ship the adapter with a model card.');
    await session.close();
    await sandbox.close?.();
    expect(outcome.status).toBe('completed');
    const results = toolResults(model.requests.at(-1) as ModelRequest);

    // Find and check.
    expect(results[0]).toContain('tester/tiny-model');
    expect(results[1]).toContain('tester/chat-demo');
    expect(results[2]).toContain('- SFT: fits — conversational "messages" column');

    // The stand-in training ran in the sandbox and left its output folder.
    expect(results[5]).toContain('step 5/5 loss=0.7864');
    expect(existsSync(path.join(workspace, 'out/adapter_model.safetensors'))).toBe(true);
    expect(readFileSync(path.join(workspace, 'train_trl.py'), 'utf8')).toBe(TRL_SCRIPT);

    // The job: launched with Trackio on a seeded private dashboard, followed, completed.
    const job = hub.jobs.get(jobId);
    expect(job).toBeDefined();
    const request = job?.request as { environment: Record<string, string>; secrets: Record<string, string>; flavor: string; command: string[] };
    expect(request.flavor).toBe('a10g-large');
    expect(request.environment).toMatchObject({ TRACKIO_SPACE_ID: 'tester/trackio', TRACKIO_PROJECT: 'chat-sft' });
    expect(Buffer.from(/printf %s (\S+) \|/.exec(request.command[2] ?? '')?.[1] ?? '', 'base64').toString('utf8')).toBe(TRL_SCRIPT);
    expect(Object.keys(request.secrets)).toContain('HF_TOKEN');
    expect(hub.repo('space', 'tester/trackio')?.settings.private).toBe(true);
    expect(hub.readFile('space', 'tester/trackio', 'app.py')).toContain('trackio.show()');
    expect(results[6]).toContain(`Trackio dashboard: ${hub.hubUrl}/spaces/tester/trackio (project "chat-sft"`);
    const states = events.filter((event) => event.type === 'tool_state_change' && event.trackioSpaceId);
    expect(states[0]).toMatchObject({ tool: 'hf_jobs', state: 'running', jobUrl: `${hub.hubUrl}/jobs/tester/${jobId}`, trackioSpaceId: 'tester/trackio', trackioProject: 'chat-sft' });
    const logLines = events.flatMap((event) => (event.type === 'tool_log' ? [event.message] : []));
    expect(logLines).toContain('step 1/4 loss=2.31');
    expect(logLines.some((line) => line.startsWith('[metrics] GPU 0: 93% util'))).toBe(true);
    expect(results[8]).toContain(`Job ${jobId}: COMPLETED`);
    expect(job?.stage).toBe('COMPLETED');

    // Shipped: one approval that showed the card, one commit with the card, provenance and the collection.
    const upload = events.flatMap((event) => (event.type === 'approval_required' ? event.tools : [])).find((tool) => tool.tool === 'hf_repo_files');
    expect(upload?.reason).toContain('Model card written as README.md');
    const repo = hub.repo('model', REPO);
    expect(repo?.settings.private).toBe(true);
    expect([...(repo?.branches.get('main')?.files.keys() ?? [])].sort()).toEqual(['.gitattributes', 'README.md', 'adapter_config.json', 'adapter_model.safetensors', 'trainer_state.json']);
    expect(hub.requests.filter((one) => one.path === `/api/models/${REPO}/commit/main`)).toHaveLength(1);
    const card = hub.readFile('model', REPO, 'README.md') ?? '';
    expect(card).toMatch(/^---\nbase_model: tester\/tiny-model\ndatasets:\n- tester\/chat-demo\nlibrary_name: peft\ntags:\n- ml-intern\n/);
    expect(card).toContain('- Method: SFT with LoRA');
    expect(card).toContain('| train_loss | 1.291 |');
    expect(card).toContain(TRL_SCRIPT.trim());
    expect(card).toContain('## Generated by ml-intern');
    const info = (await (await fetch(`${hub.hubUrl}/api/models/${REPO}`, { headers: { authorization: `Bearer ${hub.token}` } })).json()) as { tags: string[] };
    expect(info.tags).toContain('ml-intern');
    const collections = (await (await fetch(`${hub.hubUrl}/api/collections?owner=tester&q=ml-intern%20artifacts`, { headers: { authorization: `Bearer ${hub.token}` } })).json()) as { private: boolean; items: { id: string }[] }[];
    expect(collections).toHaveLength(1);
    expect(collections[0]).toMatchObject({ private: true, items: [{ id: REPO }] });
    expect(JSON.stringify(events)).not.toContain(hub.token);
  });

  test('jobs outlive runs: `ml-intern jobs` lists a job a session left running and reconciles its reservation once it has ended', async () => {
    const env = isolatedEnv();
    const workspace = directories.make('ml-intern-workflow-');
    await using hub = await startFakeHub();
    const store = new JsonlSessionStore(path.join(env.XDG_DATA_HOME as string, 'ml-intern', 'sessions'));
    const model = new ScriptedModel({
      turns: [toolTurn({ name: 'hf_jobs', arguments: { operation: 'run', script: 'print("training")\n', hardware_flavor: 'a10g-large', timeout: '1h' } }), textTurn('The job is running.')],
    });
    const tools = hfTools({ hubUrl: hub.hubUrl, token: hub.token, cacheDir: directories.make('ml-intern-hf-cache-'), include: ['hf_jobs'] });
    const session = createSession({ model, tools, store, policy: createApprovalPolicy({ mode: 'default' }), planTool: false, cwd: workspace });
    session.subscribe((event) => {
      if (event.type === 'approval_required') session.submit({ type: 'exec_approval', decisions: event.tools.map((tool) => ({ tool_call_id: tool.tool_call_id, approved: true })) });
    });
    expect((await session.run('Start the training job.')).status).toBe('completed');
    await session.close();
    const [jobId] = [...hub.jobs.keys()];
    const log = path.join(store.dir, `${session.id}.jsonl`);
    expect(openReservations(readSessionLog(log).records)).toMatchObject([{ tool: 'hf_jobs', reservedUsd: 1.5, resource: { kind: 'hf_job', id: jobId, namespace: 'tester' } }]);

    const jobsEnv = { ...env, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token };
    const running = await runBinary(CLI, ['jobs'], { env: jobsEnv });
    expect(running.code).toBe(0);
    expect(running.stdout).toMatch(new RegExp(`tester/${jobId}\\s+RUNNING\\s+a10g-large\\s+\\d+m\\s+\\$0\\.00 so far\\s+${session.id.slice(0, 8)}`));
    expect(openReservations(readSessionLog(log).records)).toHaveLength(1);

    await fetch(`${hub.hubUrl}/api/jobs/tester/${jobId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${hub.token}` } });
    const ended = await runBinary(CLI, ['jobs', '--json'], { env: jobsEnv });
    expect(ended.code).toBe(0);
    expect(JSON.parse(ended.stdout)).toMatchObject([{ id: jobId, status: 'CANCELED', hardware: 'a10g-large', cost_usd: 0, session: session.id }]);
    expect(openReservations(readSessionLog(log).records)).toEqual([]);
    expect(`${running.stdout}${running.stderr}${ended.stdout}${ended.stderr}`).not.toContain(hub.token);
  });
});
