import { runTool } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfRepoFilesTool } from './hf-repo-files-tool.js';
import { createHfRepoGitTool } from './hf-repo-git-tool.js';

describe('hf_repo_git', () => {
  test('creates, lists and deletes branches and tags', async () => {
    await using setup = await startTestHub();
    const git = createHfRepoGitTool(setup.options);
    const repo = { repo_id: 'tester/tiny-model' };
    expect((await runTool(git, { operation: 'create_branch', ...repo, branch: 'experiment' })).output).toContain('Created branch experiment in tester/tiny-model');
    const duplicate = await runTool(git, { operation: 'create_branch', ...repo, branch: 'experiment' });
    expect(duplicate.isError).toBe(true);
    expect(duplicate.output).toContain('conflict on model repo "tester/tiny-model": it already exists');
    expect((await runTool(git, { operation: 'create_tag', ...repo, tag: 'v1.0', tag_message: 'first release' })).output).toContain('Created tag v1.0 on main');
    const refs = await runTool(git, { operation: 'list_refs', ...repo });
    expect(refs.output).toMatch(/## Branches \(2\)\n- main @ \w{12} \(refs\/heads\/main\)\n- experiment/);
    expect(refs.output).toContain('- v1.0 @');
    expect((await runTool(git, { operation: 'delete_tag', ...repo, tag: 'v1.0' })).output).toBe('Deleted tag v1.0 from tester/tiny-model.');
    expect((await runTool(git, { operation: 'delete_branch', ...repo, branch: 'experiment' })).output).toBe('Deleted branch experiment from tester/tiny-model.');
    const gone = await runTool(git, { operation: 'delete_branch', ...repo, branch: 'experiment' });
    expect(gone.output).toContain('revision not found in model repo "tester/tiny-model"');
    const missing = await runTool(git, { operation: 'create_branch', ...repo });
    expect(missing.output).toContain('create_branch needs branch.');
  });

  test('runs a pull request from opening to merge, with comments, listing and details', async () => {
    await using setup = await startTestHub();
    const git = createHfRepoGitTool(setup.options);
    const files = createHfRepoFilesTool(setup.options);
    const repo = { repo_id: 'tester/chat-demo', repo_type: 'dataset' };
    const opened = await runTool(git, { operation: 'create_pr', ...repo, title: 'Add a split', description: 'Adds validation data.' });
    expect(opened.output).toContain(`Opened pull request #1 on tester/chat-demo: ${setup.hub.hubUrl}/datasets/tester/chat-demo/discussions/1`);
    await runTool(files, { operation: 'upload', ...repo, revision: 'refs/pr/1', path: 'data/validation.jsonl', content: '{"a":1}\n' });
    await runTool(git, { operation: 'comment_pr', ...repo, pr_num: 1, comment: 'Looks good' });
    const listed = await runTool(git, { operation: 'list_prs', ...repo });
    expect(listed.output).toContain('- #1 [PR, open] Add a split — by tester');
    const details = await runTool(git, { operation: 'get_pr', ...repo, pr_num: 1 });
    expect(details.output).toContain('Git ref: refs/pr/1 → refs/heads/main');
    expect(details.output).toContain('- tester');
    expect(details.output).toContain('Looks good');
    expect(details.output).toContain('diff --git a/data/validation.jsonl b/data/validation.jsonl');
    expect((await runTool(git, { operation: 'merge_pr', ...repo, pr_num: 1 })).output).toBe('Merged pull request #1 into tester/chat-demo.');
    expect(setup.hub.readFile('dataset', 'tester/chat-demo', 'data/validation.jsonl')).toBe('{"a":1}\n');
    const closedList = await runTool(git, { operation: 'list_discussions', ...repo, status: 'closed' });
    expect(closedList.output).toContain('[PR, merged]');
    const unknown = await runTool(git, { operation: 'get_pr', ...repo, pr_num: 9 });
    expect(unknown.output).toContain('not found: #9 of dataset repo "tester/chat-demo"');
  });

  test('closes and reopens a pull request', async () => {
    await using setup = await startTestHub();
    const git = createHfRepoGitTool(setup.options);
    const repo = { repo_id: 'tester/tiny-model' };
    await runTool(git, { operation: 'create_pr', ...repo, title: 'Try' });
    expect((await runTool(git, { operation: 'close_pr', ...repo, pr_num: 1, comment: 'not needed' })).output).toBe('Set #1 of tester/tiny-model to closed.');
    expect((await runTool(git, { operation: 'change_pr_status', ...repo, pr_num: 1, new_status: 'open' })).output).toBe('Set #1 of tester/tiny-model to open.');
    const needsStatus = await runTool(git, { operation: 'change_pr_status', ...repo, pr_num: 1 });
    expect(needsStatus.output).toContain('change_pr_status needs new_status');
  });

  test('creates repos private by default, tolerates existing ones on request, and updates settings', async () => {
    await using setup = await startTestHub();
    const git = createHfRepoGitTool(setup.options);
    const created = await runTool(git, { operation: 'create_repo', repo_id: 'tester/new-model' });
    expect(created.output.split('\n')[0]).toBe(`Created private model repo tester/new-model: ${setup.hub.hubUrl}/tester/new-model`);
    expect(setup.hub.repo('model', 'tester/new-model')?.settings.private).toBe(true);
    expect(requestsTo(setup.hub, /\/api\/repos\/create/)[0]?.json).toMatchObject({ name: 'new-model', organization: 'tester', visibility: 'private', type: 'model' });
    const space = await runTool(git, { operation: 'create_repo', repo_id: 'ml-org/demo', repo_type: 'space', private: false, space_sdk: 'gradio' });
    expect(space.output).toContain('Created public space repo ml-org/demo');
    expect(requestsTo(setup.hub, /\/api\/repos\/create/)[1]?.json).toMatchObject({ type: 'space', sdk: 'gradio', visibility: 'public' });
    const again = await runTool(git, { operation: 'create_repo', repo_id: 'tester/new-model' });
    expect(again.isError).toBe(true);
    expect((await runTool(git, { operation: 'create_repo', repo_id: 'tester/new-model', exist_ok: true })).output).toContain('already exists');
    const updated = await runTool(git, { operation: 'update_repo', repo_id: 'tester/new-model', private: false, gated: 'manual' });
    expect(updated.output).toBe('Updated tester/new-model: private=false, gated=manual.');
    expect(setup.hub.repo('model', 'tester/new-model')?.settings).toEqual({ private: false, gated: 'manual' });
    await runTool(git, { operation: 'update_repo', repo_id: 'tester/new-model', gated: 'false' });
    expect(setup.hub.repo('model', 'tester/new-model')?.settings.gated).toBe(false);
    const foreign = await runTool(git, { operation: 'create_repo', repo_id: 'someone-else/x' });
    expect(foreign.output).toContain('permission denied');
  });

  test('asks before deleting refs, merging, creating or changing repos — and only then', () => {
    const git = createHfRepoGitTool({ hubUrl: 'http://127.0.0.1:9' });
    const decision = (operation: string) => git.approval?.(git.inputSchema.parse({ operation, repo_id: 'a/b', branch: 'dev', tag: 't', pr_num: 2 }))?.decision;
    const asks = ['delete_branch', 'delete_tag', 'merge_pr', 'create_repo', 'update_repo'];
    const allows = ['list_refs', 'create_branch', 'create_tag', 'list_prs', 'list_discussions', 'get_pr', 'create_pr', 'comment_pr', 'close_pr', 'change_pr_status'];
    for (const operation of asks) expect([operation, decision(operation)]).toEqual([operation, 'ask']);
    for (const operation of allows) expect([operation, decision(operation)]).toEqual([operation, 'allow']);
    expect(git.approval?.(git.inputSchema.parse({ operation: 'create_repo', repo_id: 'a/b' }))?.reason).toBe('creates private model repo "a/b"');
  });
});
