import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTool, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfRepoFilesTool } from './hf-repo-files-tool.js';
import { neverUploaded } from './workspace-folder.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const GITHUB_TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';

function write(root: string, relative: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  writeFileSync(path.join(root, relative), content);
}

/** A training output folder with everything an upload must leave behind. */
function workspaceWithRun(): string {
  const workspace = directories.make('ml-intern-upload-');
  write(workspace, 'out/model.safetensors', Buffer.from([0, 1, 2, 3, 0, 5]));
  write(workspace, 'out/config.json', '{"model_type": "qwen2"}\n');
  write(workspace, 'out/README.md', '# my model\n');
  write(workspace, 'out/checkpoint-10/optimizer.pt', 'opt');
  write(workspace, 'out/logs/train.log', 'step 1 loss 2.0\n');
  write(workspace, 'out/.env', `HF_TOKEN=hf_${'x'.repeat(34)}\n`);
  write(workspace, 'out/sub/.env.local', 'A=1\n');
  write(workspace, 'out/.git/config', '[core]\n');
  write(workspace, 'out/.venv/pyvenv.cfg', 'home = /usr\n');
  write(workspace, 'out/myenv/pyvenv.cfg', 'home = /usr\n');
  write(workspace, 'out/myenv/lib/site.py', 'x = 1\n');
  write(workspace, 'out/__pycache__/train.cpython-312.pyc', 'bytecode');
  write(workspace, 'out/.cache/huggingface/token', 'hf_cached');
  symlinkSync('/etc/hostname', path.join(workspace, 'out', 'hostname'));
  return workspace;
}

describe('hf_repo_files upload of a folder', () => {
  test('one approval listing the files and total size, one commit, nothing of .env, .git, virtualenvs, caches or links', async () => {
    await using setup = await startTestHub();
    const workspace = workspaceWithRun();
    const tool = createHfRepoFilesTool({ ...setup.options, workspaceDir: workspace });
    const args = { operation: 'upload', repo_id: 'tester/tiny-model', local_path: './out', path: 'run-1', exclude: ['checkpoint-*/**'] };
    const hint = tool.approval?.(tool.inputSchema.parse(args));
    expect(hint?.decision).toBe('ask');
    expect(hint?.reason).toContain('uploads folder out to model repo "tester/tiny-model" on main under run-1/ (creates the repo, private, if missing): 4 files, 57 B in one commit:');
    expect(hint?.reason).toContain('  run-1/README.md (11 B)\n  run-1/config.json (24 B)\n  run-1/logs/train.log (16 B)\n  run-1/model.safetensors (6 B)');
    expect(hint?.reason).toContain('Never uploaded: .cache/ (cache or tool folder), .env (environment file), .git/ (version control), .venv/ (virtualenv)');
    expect(hint?.reason).not.toContain('optimizer');

    const result = await runTool(tool, args, { cwd: workspace });
    expect(result.isError).toBe(false);
    expect(result.output).toContain('Uploaded 4 files (57 B) from out to tester/tiny-model (model) in one commit:');
    expect(result.output).toContain('Left out: .cache/ (cache or tool folder), .env (environment file), .git/ (version control), .venv/ (virtualenv), __pycache__/ (cache or tool folder), hostname (symbolic link (not followed)), myenv/ (virtualenv), sub/.env.local (environment file)');
    expect(requestsTo(setup.hub, /\/commit\/main$/)).toHaveLength(1);
    const files = [...(setup.hub.repo('model', 'tester/tiny-model')?.branches.get('main')?.files.keys() ?? [])].filter((file) => file.startsWith('run-1/')).sort();
    expect(files).toEqual(['run-1/README.md', 'run-1/config.json', 'run-1/logs/train.log', 'run-1/model.safetensors']);
    expect(setup.hub.repo('model', 'tester/tiny-model')?.branches.get('main')?.files.get('run-1/model.safetensors')).toEqual(Buffer.from([0, 1, 2, 3, 0, 5]));

    const only = await runTool(tool, { ...args, path: 'weights', include: ['*.safetensors', '*.json'], exclude: undefined }, { cwd: workspace });
    expect(only.output).toContain('Uploaded 2 files');
    expect(setup.hub.readFile('model', 'tester/tiny-model', 'weights/config.json')).toContain('qwen2');
    expect(setup.hub.readFile('model', 'tester/tiny-model', 'weights/README.md')).toBeUndefined();
  });

  test('scans for secrets first and refuses with the findings, uploading nothing', async () => {
    await using setup = await startTestHub();
    const workspace = workspaceWithRun();
    write(workspace, 'out/train_args.json', `{\n  "report_to": "wandb",\n  "wandb_key": "my-configured-wandb-key-123"\n}\n`);
    write(workspace, 'out/notes.md', `push with\n\ntoken ${GITHUB_TOKEN}\n`);
    const tool = createHfRepoFilesTool({ ...setup.options, secretValues: ['my-configured-wandb-key-123'] });
    const result = await runTool(tool, { operation: 'upload', repo_id: 'tester/tiny-model', local_path: 'out' }, { cwd: workspace });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('refused: 2 file(s) contain secrets; nothing was uploaded.');
    expect(result.output).toContain('- notes.md:3: GitHub token');
    expect(result.output).toContain('- train_args.json:3: a configured secret value');
    expect(result.output).not.toContain(GITHUB_TOKEN);
    expect(result.output).not.toContain('my-configured-wandb-key-123');
    expect(requestsTo(setup.hub, /\/(commit|preupload)\//)).toHaveLength(0);

    const detector = createHfRepoFilesTool({ ...setup.options, redact: (text) => text.replace(/CUSTOM-SECRET-\w+/g, '[REDACTED]') });
    write(workspace, 'clean/a.txt', 'fine\nline two CUSTOM-SECRET-abc\n');
    const detected = await runTool(detector, { operation: 'upload', repo_id: 'tester/tiny-model', local_path: 'clean' }, { cwd: workspace });
    expect(detected.output).toContain('- a.txt:2: a secret (detector)');
    const text = await runTool(detector, { operation: 'upload', repo_id: 'tester/tiny-model', path: 'x.md', content: `token: ${setup.hub.token}` });
    expect(text.output).toContain('refused: the upload contains secrets');
    expect(text.output).not.toContain(setup.hub.token);
    const env = await runTool(detector, { operation: 'upload', repo_id: 'tester/tiny-model', local_path: 'out/.env' }, { cwd: workspace });
    expect(env.output).toContain('refused: out/.env is never uploaded (environment file).');
  });

  test('creates a missing repo private unless told otherwise', async () => {
    await using setup = await startTestHub();
    const workspace = workspaceWithRun();
    const tool = createHfRepoFilesTool(setup.options);
    const created = await runTool(tool, { operation: 'upload', repo_id: 'tester/new-model', local_path: 'out', include: ['README.md'] }, { cwd: workspace });
    expect(created.output).toContain('Created private model repo tester/new-model.');
    expect(setup.hub.repo('model', 'tester/new-model')?.settings.private).toBe(true);
    // The repo was created by the agent: its README carries the provenance (see provenance.test.ts).
    expect(setup.hub.readFile('model', 'tester/new-model', 'README.md')).toMatch(/^---\ntags:\n- ml-intern\n---\n\n# my model\n\n## Generated by ml-intern/);
    const open = await runTool(tool, { operation: 'upload', repo_id: 'tester/open-data', repo_type: 'dataset', private: false, path: 'a.txt', content: 'a' });
    expect(open.output).toContain('Created public dataset repo tester/open-data.');
    expect(setup.hub.repo('dataset', 'tester/open-data')?.settings.private).toBe(false);
    const again = await runTool(tool, { operation: 'upload', repo_id: 'tester/new-model', path: 'b.txt', content: 'b' });
    expect(again.output).not.toContain('Created');
  });

  test('refuses when the folder changed after the approval', async () => {
    await using setup = await startTestHub();
    const workspace = workspaceWithRun();
    const tool = createHfRepoFilesTool({ ...setup.options, workspaceDir: workspace });
    const args = { operation: 'upload', repo_id: 'tester/tiny-model', local_path: 'out' };
    tool.approval?.(tool.inputSchema.parse(args));
    write(workspace, 'out/planted.txt', 'added after approval');
    const result = await runTool(tool, args, { cwd: workspace });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('changed after the upload was approved; nothing was uploaded');
    expect(requestsTo(setup.hub, /\/commit\//)).toHaveLength(0);
  });

  test('knows what is never uploaded', () => {
    expect(neverUploaded('a/.env.production', false)).toBe('environment file');
    expect(neverUploaded('.git', true)).toBe('version control');
    expect(neverUploaded('x/.git/HEAD', false)).toBe('version control');
    expect(neverUploaded('venv', true)).toBe('virtualenv');
    expect(neverUploaded('home/.netrc', false)).toBe('credentials file');
    expect(neverUploaded('models/environment.json', false)).toBeUndefined();
  });
});
