import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApprovalPolicy, createSession, type AgentEvent } from '@ml-intern/core';
import { ScriptedModel, temporaryDirectories, textTurn, toolTurn, type ScriptedTurn } from '@ml-intern/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from './__fixtures__/test-hub.js';
import { hfTools } from './hf-tools.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

describe('find a base model and a dataset, check the format, ship the output folder', () => {
  test('a session searches, inspects, and uploads a folder in one commit after one approval that lists the files', async () => {
    const workspace = directories.make('ml-intern-ship-');
    for (const [file, content] of Object.entries({ 'out/adapter_model.safetensors': 'weights', 'out/adapter_config.json': '{"r": 16}', 'out/README.md': '# tiny-model-sft\n', 'out/.env': 'WANDB_API_KEY=abc', 'out/__pycache__/x.pyc': 'b' })) {
      mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
      writeFileSync(path.join(workspace, file), content);
    }
    await using setup = await startTestHub({}, { workspaceDir: workspace });
    const model = new ScriptedModel({
      turns: (_request, index): ScriptedTurn => {
        const script: ScriptedTurn[] = [
          toolTurn({ name: 'hf_hub_search', arguments: { kind: 'model', task: 'text-generation', library: 'transformers', limit: 5 } }),
          toolTurn({ name: 'hf_hub_search', arguments: { kind: 'dataset', task: 'text-generation' } }),
          toolTurn({ name: 'hf_inspect_dataset', arguments: { dataset: 'tester/chat-demo', sample_rows: 2 } }),
          toolTurn({ name: 'hf_repo_files', arguments: { operation: 'upload', repo_id: 'tester/tiny-model-sft', local_path: 'out', commit_message: 'Upload the SFT adapter' } }),
        ];
        return script[index] ?? textTurn('Uploaded the adapter to tester/tiny-model-sft.');
      },
    });
    const session = createSession({ model, tools: hfTools(setup.options), policy: createApprovalPolicy({ mode: 'default' }), planTool: false, cwd: workspace });
    const events: AgentEvent[] = [];
    session.subscribe((event) => {
      events.push(event);
      if (event.type === 'approval_required') session.submit({ type: 'exec_approval', decisions: event.tools.map((tool) => ({ tool_call_id: tool.tool_call_id, approved: true })) });
    });
    const outcome = await session.run('Fine-tune a small text-generation model on a chat dataset and push the adapter.');
    await session.close();
    expect(outcome.status).toBe('completed');

    const results = model.requests.at(-1)?.messages.filter((message) => message.role === 'tool').map((message) => ('content' in message ? String(message.content) : '')) ?? [];
    expect(results[0]).toContain('1. tester/tiny-model — text-generation | transformers');
    expect(results[1]).toContain('1. tester/chat-demo');
    expect(results[2]).toContain('- SFT: fits — conversational "messages" column');

    const approvals = events.flatMap((event) => (event.type === 'approval_required' ? event.tools : []));
    expect(approvals.map((tool) => tool.tool)).toEqual(['hf_repo_files']);
    expect(approvals[0]?.reason).toContain('uploads folder out to model repo "tester/tiny-model-sft" on main (creates the repo, private, if missing): 3 files, 33 B in one commit:');
    expect(approvals[0]?.reason).toContain('  adapter_model.safetensors (7 B)');
    expect(approvals[0]?.reason).toContain('Never uploaded: .env (environment file), __pycache__/ (cache or tool folder)');

    const repo = setup.hub.repo('model', 'tester/tiny-model-sft');
    expect(repo?.settings.private).toBe(true);
    expect([...(repo?.branches.get('main')?.files.keys() ?? [])].sort()).toEqual(['.gitattributes', 'README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    expect(requestsTo(setup.hub, /\/commit\/main$/)).toHaveLength(1);
    expect(results[3]).toContain('Created private model repo tester/tiny-model-sft.');
  });
});
