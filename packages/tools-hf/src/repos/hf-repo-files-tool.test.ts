import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ToolExecutionError } from '@ml-intern/core';
import { runTool, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfRepoFilesTool } from './hf-repo-files-tool.js';
import { globToRegExp } from './repo-reference.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const bigText = Array.from({ length: 3000 }, (_, index) => `line ${index}`).join('\n');

describe('hf_repo_files', () => {
  test('lists files recursively with sizes, optionally under a folder', async () => {
    await using setup = await startTestHub();
    const tool = createHfRepoFilesTool(setup.options);
    const all = await runTool(tool, { operation: 'list', repo_id: 'tester/chat-demo', repo_type: 'dataset' });
    expect(all.output).toContain('# tester/chat-demo (dataset, main)\n3 files');
    expect(all.output).toContain('data/train-00000-of-00001.parquet  23 B');
    const folder = await runTool(tool, { operation: 'list', repo_id: 'tester/chat-demo', repo_type: 'dataset', path: 'data' });
    expect(folder.output).not.toContain('README.md');
    const missing = await runTool(tool, { operation: 'list', repo_id: 'tester/nope' });
    expect(missing.isError).toBe(true);
    expect(missing.output).toContain('not found: model repo "tester/nope"; check the repo id ("owner/name") and repo_type');
  });

  test('reads text in windows, refuses binary content and explains missing files and gated repos', async () => {
    await using setup = await startTestHub({ seed: { repos: [{ type: 'model', id: 'tester/big', files: { 'log.txt': bigText, 'weights.bin': 'ab\u0000cd' } }] } });
    const tool = createHfRepoFilesTool(setup.options);
    const first = await runTool(tool, { operation: 'read', repo_id: 'tester/big', path: 'log.txt', max_chars: 1000 });
    expect(first.output).toContain('line 0\nline 1');
    const offset = Number(first.output.match(/offset (\d+)\./)?.[1]);
    expect(offset).toBe(1000);
    const next = await runTool(tool, { operation: 'read', repo_id: 'tester/big', path: 'log.txt', offset, max_chars: 100_000 });
    expect(next.output).toContain('line 2999');
    expect(next.output).not.toContain('more bytes');
    const ranges = requestsTo(setup.hub, /\/resolve\//).map((request) => request.headers.range);
    expect(ranges).toEqual(['bytes=0-0', 'bytes=0-999', 'bytes=0-0', `bytes=1000-${bigText.length - 1}`]);
    const binary = await runTool(tool, { operation: 'read', repo_id: 'tester/big', path: 'weights.bin' });
    expect(binary.output).toBe('weights.bin is a binary file (5 B); it cannot be shown as text.');
    const missing = await runTool(tool, { operation: 'read', repo_id: 'tester/big', path: 'nope.txt' });
    expect(missing.output).toContain('file not found: "nope.txt" in model repo "tester/big" at main');
    const gated = await runTool(tool, { operation: 'read', repo_id: 'gated-org/medical-notes', repo_type: 'dataset', path: 'notes.jsonl' });
    expect(gated.output).toContain(`is gated: accept its terms at ${setup.hub.hubUrl}/datasets/gated-org/medical-notes`);
    expect(gated.output).not.toContain('secret');
  });

  test('uploads text or a workspace file with the commit protocol, optionally as a pull request', async () => {
    await using setup = await startTestHub();
    const workspace = directories.make('ml-intern-workspace-');
    mkdirSync(path.join(workspace, 'scripts'));
    writeFileSync(path.join(workspace, 'scripts', 'train.py'), 'print("train v2")\n');
    const tool = createHfRepoFilesTool(setup.options);
    const text = await runTool(tool, { operation: 'upload', repo_id: 'tester/tiny-model', path: 'notes/hello.md', content: '# hi', commit_message: 'Add notes' });
    expect(text.output).toContain('Uploaded notes/hello.md (4 B) to tester/tiny-model (model).');
    expect(setup.hub.readFile('model', 'tester/tiny-model', 'notes/hello.md')).toBe('# hi');
    const commit = requestsTo(setup.hub, /\/commit\/main$/)[0];
    expect(commit?.headers['content-type']).toBe('application/x-ndjson');
    expect(JSON.parse(commit?.body.split('\n')[0] ?? '{}')).toMatchObject({ key: 'header', value: { summary: 'Add notes' } });

    const local = await runTool(tool, { operation: 'upload', repo_id: 'tester/tiny-model', local_path: 'scripts/train.py', create_pr: true }, { cwd: workspace });
    expect(local.output).toContain(`Pull request: ${setup.hub.hubUrl}/tester/tiny-model/discussions/1`);
    expect(setup.hub.readFile('model', 'tester/tiny-model', 'train.py', 'refs/pr/1')).toBe('print("train v2")\n');
    expect(setup.hub.readFile('model', 'tester/tiny-model', 'train.py')).toBe("print('training')\n");

    const escape = await runTool(tool, { operation: 'upload', repo_id: 'tester/tiny-model', local_path: '../../etc/passwd' }, { cwd: workspace });
    expect(escape.output).toContain('local_path must be inside the workspace');
    const both = await runTool(tool, { operation: 'upload', repo_id: 'tester/tiny-model', path: 'x', content: 'a', local_path: 'scripts/train.py' }, { cwd: workspace });
    expect(both.output).toContain('exactly one of content or local_path');
  });

  test('deletes by path or glob, and reports when nothing matches', async () => {
    await using setup = await startTestHub();
    const tool = createHfRepoFilesTool(setup.options);
    const removed = await runTool(tool, { operation: 'delete', repo_id: 'tester/chat-demo', repo_type: 'dataset', patterns: ['data/*.parquet'] });
    expect(removed.output).toContain('Deleted 2 files from tester/chat-demo (dataset):\n- data/test-00000-of-00001.parquet\n- data/train-00000-of-00001.parquet');
    expect(setup.hub.readFile('dataset', 'tester/chat-demo', 'data/train-00000-of-00001.parquet')).toBeUndefined();
    expect(setup.hub.readFile('dataset', 'tester/chat-demo', 'README.md')).toBeDefined();
    const nothing = await runTool(tool, { operation: 'delete', repo_id: 'tester/chat-demo', repo_type: 'dataset', patterns: ['*.safetensors'] });
    expect(nothing.output).toContain('no file of tester/chat-demo@main matches *.safetensors');
  });

  test('explains a missing write permission and a malformed token, never echoing the token', async () => {
    await using setup = await startTestHub({ validTokens: ['hf_validToken0123456789abcdefghijkl'] });
    const tool = createHfRepoFilesTool({ ...setup.options, token: 'hf_validToken0123456789abcdefghijkl' });
    const denied = await runTool(tool, { operation: 'upload', repo_id: 'gated-org/medical-notes', repo_type: 'dataset', path: 'x.txt', content: 'x' });
    expect(denied.output).toContain('permission denied for dataset repo "gated-org/medical-notes"');
    const rejected = await runTool(createHfRepoFilesTool({ ...setup.options, token: 'hf_revokedToken0123456789abcdefghij' }), { operation: 'list', repo_id: 'tester/tiny-model' });
    expect(rejected.output).toContain('the configured HF token was rejected');
    expect(rejected.output).not.toContain('hf_revokedToken');
    const malformed = await runTool(createHfRepoFilesTool({ ...setup.options, token: 'not-a-token' }), { operation: 'list', repo_id: 'tester/tiny-model' });
    expect(malformed.output).toContain('the configured HF token is malformed');
  });

  test('asks before uploads and deletes only', () => {
    const tool = createHfRepoFilesTool({ hubUrl: 'http://127.0.0.1:9' });
    const hint = (operation: string) => tool.approval?.(tool.inputSchema.parse({ operation, repo_id: 'a/b' }));
    expect(hint('list')?.decision).toBe('allow');
    expect(hint('read')?.decision).toBe('allow');
    expect(hint('upload')).toEqual({ decision: 'ask', reason: 'uploads a file to model repo "a/b" on main (creates the repo, private, if missing)' });
    expect(hint('delete')?.decision).toBe('ask');
  });

  test('normalises repo paths for execution and approval rules, and refuses .. and absolute paths', async () => {
    await using setup = await startTestHub();
    const tool = createHfRepoFilesTool(setup.options);
    const ruleInput = (args: Record<string, unknown>) => tool.ruleInput?.(tool.inputSchema.parse({ repo_id: 'tester/tiny-model', ...args }));
    expect(await ruleInput({ operation: 'upload', path: './notes//a/./b.md', content: 'x', local_path: './scripts/../train.py' })).toMatchObject({ path: 'notes/a/b.md', local_path: 'train.py' });
    expect(await ruleInput({ operation: 'delete', patterns: ['./checkpoints/**', 'logs//*.txt'] })).toMatchObject({ patterns: ['checkpoints/**', 'logs/*.txt'] });
    expect(await ruleInput({ operation: 'list', path: 'data/' })).toMatchObject({ path: 'data' });
    expect(await ruleInput({ operation: 'list', path: '.' })).toMatchObject({ path: '' });
    expect(await ruleInput({ operation: 'list' })).not.toHaveProperty('path');
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{ operation: 'upload', path: '../other-repo/x.md', content: 'x' }, /path "\.\.\/other-repo\/x\.md" contains "\.\."/],
      [{ operation: 'upload', path: 'a/../README.md', content: 'x' }, /contains "\.\."/],
      [{ operation: 'upload', path: 'a\\..\\README.md', content: 'x' }, /contains "\.\."/],
      [{ operation: 'upload', path: '/README.md', content: 'x' }, /path "\/README\.md" is absolute; repo paths are relative to the repo root \(e\.g\. "README\.md"\)/],
      [{ operation: 'delete', patterns: ['data/*', '../**'] }, /patterns\[1\] "\.\.\/\*\*" contains "\.\."/],
      [{ operation: 'read', path: 'x/../../secret' }, /contains "\.\."/],
    ];
    for (const [args, message] of refusals) {
      expect(() => ruleInput(args), JSON.stringify(args)).toThrow(ToolExecutionError);
      expect(() => ruleInput(args)).toThrow(message);
      const result = await runTool(tool, { repo_id: 'tester/tiny-model', ...args });
      expect(result).toMatchObject({ isError: true, output: expect.stringMatching(message) });
    }
    // Nothing reached the Hub's commit endpoint.
    expect(requestsTo(setup.hub, /\/commit\//)).toEqual([]);
    // The normalised path is what runs.
    const uploaded = await runTool(tool, { operation: 'upload', repo_id: 'tester/tiny-model', path: './notes//hello.md', content: '# hi' });
    expect(uploaded.output).toContain('Uploaded notes/hello.md');
    expect(setup.hub.readFile('model', 'tester/tiny-model', 'notes/hello.md')).toBe('# hi');
    expect((await runTool(tool, { operation: 'read', repo_id: 'tester/tiny-model', path: './notes/hello.md' })).output).toContain('# hi');
  });

  test('refuses to upload a workspace link that leads out of the workspace', async () => {
    await using setup = await startTestHub();
    const workspace = directories.make('ml-intern-workspace-');
    const outside = directories.make('ml-intern-outside-');
    writeFileSync(path.join(outside, 'token'), 'hf_secret_token_value\n');
    symlinkSync(path.join(outside, 'token'), path.join(workspace, 'innocent.txt'));
    const tool = createHfRepoFilesTool(setup.options);
    const result = await runTool(tool, { operation: 'upload', repo_id: 'tester/tiny-model', local_path: 'innocent.txt', path: 'notes.txt' }, { cwd: workspace });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('leads through a symbolic link') });
    expect(setup.hub.readFile('model', 'tester/tiny-model', 'notes.txt')).toBeUndefined();
  });

  test('matches repository globs', () => {
    expect(globToRegExp('*.bin').test('sub/model.bin')).toBe(true);
    expect(globToRegExp('data/*.parquet').test('data/x/y.parquet')).toBe(false);
    expect(globToRegExp('data/**').test('data/x/y.parquet')).toBe(true);
    expect(globToRegExp('**/*.{json,txt}').test('a/b/c.txt')).toBe(true);
    expect(globToRegExp('file?.md').test('file1.md')).toBe(true);
  });
});
