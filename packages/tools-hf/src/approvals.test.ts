import { createApprovalPolicy, isReadOnlyCall, type AnyTool, type ApprovalMode } from '@ml-intern/core';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { hfTools } from './hf-tools.js';

const directories = temporaryDirectories();
afterAll(() => directories.removeAll());

const tools = new Map<string, AnyTool>(
  hfTools({ hubUrl: 'http://127.0.0.1:9', token: 'hf_unusedToken0123456789abcdefghijk', liveHardwareCatalog: false, cacheDir: directories.make('hf-approvals-') }).map((tool) => [tool.name, tool]),
);

type Expected = 'allow' | 'ask' | 'never-auto';

/** Every operation of every tool with its SPEC section 3 default. */
const CASES: [string, Record<string, unknown>, Expected][] = [
  ['explore_hf_docs', { endpoint: 'trl' }, 'allow'],
  ['fetch_hf_docs', { url: '/docs/trl/index' }, 'allow'],
  ['find_hf_api', { query: 'webhook' }, 'allow'],
  ...['trending', 'search', 'paper_details', 'read_paper', 'find_models', 'find_datasets', 'find_collections', 'find_all_resources'].map(
    (operation): [string, Record<string, unknown>, Expected] => ['hf_papers', { operation, arxiv_id: '2401.00001', query: 'x' }, 'allow'],
  ),
  ['hf_hub_search', { query: 'llama' }, 'allow'],
  ['hf_hub_search', { operation: 'details', repo_id: 'a/b' }, 'allow'],
  ['hf_inspect_dataset', { dataset: 'a/b' }, 'allow'],
  ['hf_repo_files', { operation: 'list', repo_id: 'a/b' }, 'allow'],
  ['hf_repo_files', { operation: 'read', repo_id: 'a/b', path: 'x' }, 'allow'],
  ['hf_repo_files', { operation: 'upload', repo_id: 'a/b', path: 'x', content: 'y' }, 'ask'],
  ['hf_repo_files', { operation: 'delete', repo_id: 'a/b', path: 'x' }, 'ask'],
  ...['list_refs', 'create_branch', 'create_tag', 'list_prs', 'list_discussions', 'get_pr', 'create_pr', 'comment_pr', 'close_pr', 'change_pr_status'].map(
    (operation): [string, Record<string, unknown>, Expected] => ['hf_repo_git', { operation, repo_id: 'a/b' }, 'allow'],
  ),
  ...['delete_branch', 'delete_tag', 'merge_pr', 'create_repo', 'update_repo'].map((operation): [string, Record<string, unknown>, Expected] => ['hf_repo_git', { operation, repo_id: 'a/b' }, 'ask']),
  ['hf_jobs', { operation: 'run', script: 'print(1)' }, 'ask'],
  ['hf_jobs', { operation: 'run', script: 'print(1)', hardware_flavor: 'a100-large' }, 'ask'],
  ...['ps', 'logs', 'inspect', 'cancel', 'scheduled ps', 'scheduled inspect'].map((operation): [string, Record<string, unknown>, Expected] => ['hf_jobs', { operation, job_id: 'j' }, 'allow']),
  ...['scheduled run', 'scheduled delete', 'scheduled suspend', 'scheduled resume'].map(
    (operation): [string, Record<string, unknown>, Expected] => ['hf_jobs', { operation, script: 'print(1)', schedule: '@daily', scheduled_job_id: 's' }, 'never-auto'],
  ),
];

const MODE_OUTCOME: Record<ApprovalMode, Record<Expected, 'allow' | 'ask' | 'deny'>> = {
  default: { allow: 'allow', ask: 'ask', 'never-auto': 'ask' },
  yolo: { allow: 'allow', ask: 'allow', 'never-auto': 'ask' },
  headless: { allow: 'allow', ask: 'deny', 'never-auto': 'deny' },
  strict: { allow: 'allow', ask: 'deny', 'never-auto': 'deny' },
  auto: { allow: 'allow', ask: 'allow', 'never-auto': 'deny' },
  'read-only': { allow: 'allow', ask: 'deny', 'never-auto': 'deny' },
};

function request(name: string, args: Record<string, unknown>) {
  const tool = tools.get(name) as AnyTool;
  const input = tool.inputSchema.parse(args) as Record<string, unknown>;
  return { tool: name, input, hint: tool.approval?.(input), readOnly: tool.readOnly === true };
}

describe('approval defaults (SPEC section 3)', () => {
  test.each(CASES)('%s %j → %s', async (name, args, expected) => {
    const call = request(name, args);
    expect(call.hint?.decision ?? 'allow').toBe(expected === 'allow' ? 'allow' : 'ask');
    expect(call.hint?.neverAuto === true).toBe(expected === 'never-auto');
    for (const mode of ['default', 'yolo', 'headless', 'strict', 'auto', 'read-only'] as const) {
      // auto and strict are the unattended modes: nobody can answer there.
      const outcome = await createApprovalPolicy({ mode, interactive: mode !== 'auto' && mode !== 'strict' }).decide(call);
      const wanted = mode === 'read-only' && !call.readOnly ? 'deny' : MODE_OUTCOME[mode][expected];
      expect([mode, outcome.decision]).toEqual([mode, wanted]);
    }
  });

  test('read-only tools are marked so; mixed tools are read-only only for their reading operations', () => {
    const readOnly = [...tools.values()].filter((tool) => tool.readOnly === true).map((tool) => tool.name);
    expect(readOnly).toEqual(['explore_hf_docs', 'fetch_hf_docs', 'find_hf_api', 'hf_papers', 'hf_hub_search', 'hf_inspect_dataset']);
    const reads = (name: string, input: Record<string, unknown>) => isReadOnlyCall(tools.get(name) as AnyTool, input);
    expect(reads('hf_repo_files', { operation: 'read' })).toBe(true);
    expect(reads('hf_repo_files', { operation: 'upload' })).toBe(false);
    expect(reads('hf_repo_git', { operation: 'list_refs' })).toBe(true);
    expect(reads('hf_repo_git', { operation: 'merge_pr' })).toBe(false);
    expect(reads('hf_jobs', { operation: 'logs' })).toBe(true);
    expect(reads('hf_jobs', { operation: 'run' })).toBe(false);
    expect(reads('hf_jobs', { operation: 'scheduled delete' })).toBe(false);
  });

  test('the job cost estimate reaches the policy: auto-approval stops at the session budget', async () => {
    const policy = createApprovalPolicy({ mode: 'yolo', budgetUsd: 2 });
    const cheap = request('hf_jobs', { operation: 'run', script: 'x', hardware_flavor: 't4-small', timeout: '1h' });
    const costly = request('hf_jobs', { operation: 'run', script: 'x', hardware_flavor: 'a100-large', timeout: '2h' });
    expect(await policy.decide(cheap)).toMatchObject({ decision: 'allow', costUsd: 0.4 });
    expect(await policy.decide(costly)).toMatchObject({ decision: 'ask', costUsd: 5 });
    expect(await policy.decide(cheap, { spentUsd: 1.9 })).toMatchObject({ decision: 'ask' });
  });

  test('a user rule can allow CPU runs, but never scheduled writes', async () => {
    const policy = createApprovalPolicy({ rules: [{ tool: 'hf_jobs', args: { operation: ['run', 'scheduled *'] }, action: 'allow' }] });
    expect((await policy.decide(request('hf_jobs', { operation: 'run', script: 'x' }))).decision).toBe('allow');
    policy.addSessionRule({ tool: 'hf_jobs', action: 'allow' });
    expect((await policy.decide(request('hf_jobs', { operation: 'scheduled run', script: 'x', schedule: '@daily' }))).decision).toBe('ask');
  });
});
