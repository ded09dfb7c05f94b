import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointRepository, createGitCheckpoints } from './git-checkpoints.js';
import { temporaryDirectories } from '@ml-intern/testing';

const directories = temporaryDirectories();
const temporaryDirectory = directories.make;
afterEach(() => {
  directories.removeAll();
});

function workspace(files: Record<string, string | Buffer>) {
  const cwd = temporaryDirectory('ml-intern-checkpoint-ws-');
  const dataDir = temporaryDirectory('ml-intern-checkpoint-data-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(cwd, name)), { recursive: true });
    writeFileSync(path.join(cwd, name), content);
  }
  return { cwd, dataDir, read: (name: string) => readFileSync(path.join(cwd, name), 'utf8'), has: (name: string) => existsSync(path.join(cwd, name)) };
}

describe('git checkpoints of a workspace', () => {
  it('keeps the snapshot outside the workspace and never touches the project .git', async () => {
    const ws = workspace({ 'train.py': 'lr = 1\n', '.git/HEAD': 'ref: refs/heads/main\n' });
    const checkpoints = createGitCheckpoints();
    const first = await checkpoints.snapshot(ws);
    expect(first.repository).toBe(checkpointRepository(ws.dataDir));
    expect(existsSync(path.join(ws.dataDir, 'checkpoints', 'HEAD'))).toBe(true);
    expect(ws.read('.git/HEAD')).toBe('ref: refs/heads/main\n');
    // Nothing changed: the same checkpoint.
    expect((await checkpoints.snapshot(ws)).id).toBe(first.id);
    writeFileSync(path.join(ws.cwd, 'train.py'), 'lr = 2\n');
    const second = await checkpoints.snapshot(ws);
    expect(second.id).not.toBe(first.id);
    expect(await checkpoints.changes(first.repository, first.id, second.id)).toEqual([{ status: 'M', path: 'train.py' }]);
    expect(await checkpoints.diff(first.repository, first.id, second.id)).toContain('-lr = 1\n+lr = 2');
  });

  it('restores edited, deleted and added files, and leaves ignored, excluded and oversized files alone', async () => {
    const ws = workspace({ 'train.py': 'lr = 1\n', 'notes.md': 'keep\n', '.gitignore': 'data/\n', 'data/shard.bin': 'old data', 'node_modules/x/index.js': 'v1', '.env': 'HF_TOKEN=hf_old\n' });
    const checkpoints = createGitCheckpoints({ maxFileBytes: 1024 });
    const before = await checkpoints.snapshot(ws);
    writeFileSync(path.join(ws.cwd, 'train.py'), 'lr = 2\n');
    rmSync(path.join(ws.cwd, 'notes.md'));
    mkdirSync(path.join(ws.cwd, 'src'));
    writeFileSync(path.join(ws.cwd, 'src', 'new.py'), 'print(1)\n');
    writeFileSync(path.join(ws.cwd, 'weights.pt'), Buffer.alloc(4096, 1));
    writeFileSync(path.join(ws.cwd, 'data', 'shard.bin'), 'new data');
    writeFileSync(path.join(ws.cwd, 'node_modules', 'x', 'index.js'), 'v2');
    writeFileSync(path.join(ws.cwd, '.env'), 'HF_TOKEN=hf_new\n');
    // A file named like a pattern is only itself.
    writeFileSync(path.join(ws.cwd, '*.py'), Buffer.alloc(4096, 2));
    const after = await checkpoints.snapshot(ws);
    expect((await checkpoints.changes(after.repository, before.id, after.id)).map((change) => `${change.status} ${change.path}`).sort()).toEqual(['D notes.md', 'M train.py', 'A src/new.py'].sort());

    const { files } = await checkpoints.restore(ws, before);
    expect(files.sort()).toEqual(['notes.md', 'src/new.py', 'train.py']);
    expect(ws.read('train.py')).toBe('lr = 1\n');
    expect(ws.read('notes.md')).toBe('keep\n');
    expect(ws.has('src/new.py')).toBe(false);
    // Not part of any checkpoint, so a restore leaves them as they are.
    expect(ws.read('data/shard.bin')).toBe('new data');
    expect(ws.read('node_modules/x/index.js')).toBe('v2');
    expect(ws.has('weights.pt')).toBe(true);
    expect(ws.read('.env')).toBe('HF_TOKEN=hf_new\n');
    expect(ws.has('*.py')).toBe(true);
    // The restore is itself recorded: the next snapshot is the restored state.
    expect((await checkpoints.snapshot(ws)).id).not.toBe(after.id);
    expect(await checkpoints.changes(after.repository, before.id, (await checkpoints.snapshot(ws)).id)).toEqual([]);
  });

  it('runs no filter a planted .gitattributes names, even one the user defined in their git config', async () => {
    const home = temporaryDirectory('ml-intern-checkpoint-home-');
    const marker = path.join(home, 'filter-ran');
    writeFileSync(path.join(home, '.gitconfig'), `[filter "evil"]\n\tclean = touch ${marker}; cat\n`);
    const ws = workspace({ '.gitattributes': '* filter=evil\n', 'train.py': 'lr = 1\n' });
    const previousHome = process.env.HOME;
    process.env.HOME = home;
    try {
      await createGitCheckpoints().snapshot(ws);
    } finally {
      process.env.HOME = previousHome;
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a change of more new files than the cap with a message that says how to fix it', async () => {
    const files: Record<string, string> = {};
    for (let index = 0; index < 30; index += 1) files[`rows/${index}.txt`] = String(index);
    const ws = workspace(files);
    await expect(createGitCheckpoints({ maxNewFiles: 10 }).snapshot(ws)).rejects.toThrow(/30 new or changed files .*add the data folders to \.gitignore/);
  });

  it('without git, says so (the session then turns checkpoints off with that message)', async () => {
    const ws = workspace({ 'train.py': 'lr = 1\n' });
    await expect(createGitCheckpoints({ git: 'ml-intern-no-such-git' }).snapshot(ws)).rejects.toThrow('ml-intern-no-such-git is not installed (checkpoints need git)');
  });
});
