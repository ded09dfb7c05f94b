import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Checkpoint, CheckpointChange, CheckpointHistory, CheckpointLocation, WorkspaceCheckpoints } from '@ml-intern/core';

/**
 * Never snapshotted, on top of the workspace's own `.gitignore`: credentials (a copy of `.env` in
 * the data folder would outlive the project's), environments, caches, run logs.
 */
export const DEFAULT_CHECKPOINT_EXCLUDES: readonly string[] = [
  '.env',
  '.env.*',
  '.netrc',
  '*.pem',
  'node_modules/',
  '.venv/',
  'venv/',
  '__pycache__/',
  '*.pyc',
  '.cache/',
  '.mypy_cache/',
  '.pytest_cache/',
  '.ruff_cache/',
  '.tox/',
  '.ipynb_checkpoints/',
  'wandb/',
  'mlruns/',
  '.DS_Store',
];

export interface GitCheckpointsOptions {
  /** The git program (default `git` on PATH). */
  git?: string;
  /** Files larger than this are left out of snapshots (default 5 MiB): weights and datasets are not code. */
  maxFileBytes?: number;
  /**
   * A first snapshot (or one change) of more new files than this is refused, and checkpoints go
   * off for the session with a message, instead of copying a whole dataset (default 20,000).
   */
  maxNewFiles?: number;
  /** Patterns left out besides the workspace's `.gitignore` (default {@link DEFAULT_CHECKPOINT_EXCLUDES}). */
  exclude?: readonly string[];
  /** Tools whose calls may change workspace files (default `write`, `edit`, `bash`). */
  tools?: readonly string[];
}

export type { CheckpointChange } from '@ml-intern/core';

export interface GitCheckpoints extends WorkspaceCheckpoints, CheckpointHistory {
  /** The latest checkpoint in a repository (after a restore: the restored state); undefined when it has none. */
  latest(repository: string): Promise<string | undefined>;
}

/** The checkpoint repository of a session's data folder. */
export function checkpointRepository(dataDir: string): string {
  return path.join(dataDir, 'checkpoints');
}

const REF = 'refs/heads/checkpoints';

/** A pattern for `info/exclude` that matches exactly this workspace-relative path. */
function literalPattern(file: string): string {
  return `/${file.replace(/[\\*?[\]!#]/g, (character) => `\\${character}`).replace(/ $/, '\\ ')}`;
}

/**
 * Workspace snapshots in a shadow git repository under the session's data folder (never the
 * project's own `.git`), with the system git. The workspace's `.gitignore` is respected, and
 * environments, caches and files over a size cap are left out. Git runs with no global or system
 * config, so nothing a workspace plants (`.gitattributes` filters, hooks) makes it run a program.
 */
export function createGitCheckpoints(options: GitCheckpointsOptions = {}): GitCheckpoints {
  const git = options.git ?? 'git';
  const maxFileBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
  const maxNewFiles = options.maxNewFiles ?? 20_000;
  const tools = new Set(options.tools ?? ['write', 'edit', 'bash']);
  const excludes = options.exclude ?? DEFAULT_CHECKPOINT_EXCLUDES;
  /** The latest checkpoint and its tree, per repository. */
  const latest = new Map<string, { commit: string; tree: string }>();

  const run = (args: string[], repository: string, workTree?: string, input?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(
        git,
        args,
        {
          cwd: workTree ?? repository,
          maxBuffer: 256 * 1024 * 1024,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: repository,
            LC_ALL: 'C',
            GIT_DIR: repository,
            ...(workTree ? { GIT_WORK_TREE: workTree } : {}),
            GIT_CONFIG_NOSYSTEM: '1',
            GIT_CONFIG_GLOBAL: '/dev/null',
            GIT_TERMINAL_PROMPT: '0',
            // Paths are file names, never patterns: a file called `*.py` names only itself.
            GIT_LITERAL_PATHSPECS: '1',
            GIT_AUTHOR_NAME: 'ml-intern',
            GIT_AUTHOR_EMAIL: 'checkpoints@ml-intern.invalid',
            GIT_COMMITTER_NAME: 'ml-intern',
            GIT_COMMITTER_EMAIL: 'checkpoints@ml-intern.invalid',
          },
        },
        (error, stdout, stderr) => {
          if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(`${git} is not installed (checkpoints need git)`));
          else if (error) reject(new Error(`git ${args[0]} failed: ${(stderr || error.message).trim().split('\n').slice(-3).join(' ')}`));
          else resolve(stdout);
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });

  async function ensureRepository(repository: string): Promise<void> {
    if (existsSync(path.join(repository, 'HEAD'))) return;
    mkdirSync(repository, { recursive: true });
    await run(['init', '-q', '--bare'], repository);
    const settings: [string, string][] = [
      ['core.autocrlf', 'false'],
      ['core.untrackedCache', 'true'],
      ['core.hooksPath', '/dev/null'],
      ['core.quotePath', 'false'],
      ['gc.auto', '0'],
      ['commit.gpgSign', 'false'],
    ];
    for (const [key, value] of settings) await run(['config', key, value], repository);
    mkdirSync(path.join(repository, 'info'), { recursive: true });
    writeFileSync(path.join(repository, 'info', 'exclude'), `${excludes.join('\n')}\n`);
  }

  async function head(repository: string): Promise<{ commit: string; tree: string } | undefined> {
    const known = latest.get(repository);
    if (known) return known;
    const commit = (await run(['rev-parse', '-q', '--verify', `${REF}^{commit}`], repository).catch(() => '')).trim();
    if (!commit) return undefined;
    const tree = (await run(['rev-parse', `${commit}^{tree}`], repository)).trim();
    latest.set(repository, { commit, tree });
    return { commit, tree };
  }

  async function commitTree(repository: string, tree: string, message: string): Promise<string> {
    const parent = await head(repository);
    const commit = (await run(['commit-tree', tree, ...(parent ? ['-p', parent.commit] : []), '-m', message], repository)).trim();
    await run(['update-ref', REF, commit], repository);
    latest.set(repository, { commit, tree });
    return commit;
  }

  /** Leave files over the size cap out: drop them from the index and exclude them from now on. */
  async function excludeLargeFiles(repository: string, workTree: string, candidates: string[]): Promise<void> {
    const large: string[] = [];
    for (const file of candidates) {
      try {
        const info = lstatSync(path.join(workTree, file));
        if (info.isFile() && info.size > maxFileBytes) large.push(file);
      } catch {
        // Deleted since it was listed: `add -A` records the deletion.
      }
    }
    if (large.length === 0) return;
    await run(['rm', '-q', '--cached', '--ignore-unmatch', '--pathspec-from-file=-', '--pathspec-file-nul'], repository, workTree, `${large.join('\0')}\0`);
    const exclude = path.join(repository, 'info', 'exclude');
    const current = readFileSync(exclude, 'utf8');
    writeFileSync(exclude, `${current}${large.map(literalPattern).join('\n')}\n`);
  }

  async function snapshot(location: CheckpointLocation): Promise<Checkpoint> {
    const repository = checkpointRepository(location.dataDir);
    const workTree = location.cwd;
    await ensureRepository(repository);
    const previous = await head(repository);
    // One cheap listing: with nothing new, modified or deleted since the last snapshot, it is the checkpoint.
    const listed = (await run(['ls-files', '-z', '-o', '-m', '-d', '--exclude-standard'], repository, workTree)).split('\0').filter(Boolean);
    if (previous && listed.length === 0) return { id: previous.commit, repository };
    if (listed.length > maxNewFiles) {
      throw new Error(`${listed.length} new or changed files in ${workTree} (more than ${maxNewFiles}); add the data folders to .gitignore to keep checkpoints on`);
    }
    await excludeLargeFiles(repository, workTree, listed);
    await run(['add', '-A', '--ignore-errors', '--', '.'], repository, workTree);
    const tree = (await run(['write-tree'], repository, workTree)).trim();
    if (previous && previous.tree === tree) return { id: previous.commit, repository };
    return { id: await commitTree(repository, tree, 'checkpoint'), repository };
  }

  async function restore(location: CheckpointLocation, checkpoint: Checkpoint): Promise<{ files: string[] }> {
    const repository = checkpoint.repository;
    const current = await snapshot({ ...location, dataDir: path.dirname(repository) });
    const files = (await run(['diff-tree', '-r', '-z', '--name-only', '--no-renames', current.id, checkpoint.id], repository)).split('\0').filter(Boolean);
    if (files.length === 0) return { files };
    // The index holds the current snapshot: files in it but not in the checkpoint are removed,
    // the others written back; ignored and excluded files are never touched.
    await run(['read-tree', '-u', '--reset', checkpoint.id], repository, location.cwd);
    const tree = (await run(['rev-parse', `${checkpoint.id}^{tree}`], repository)).trim();
    await commitTree(repository, tree, `restore ${checkpoint.id}`);
    return { files };
  }

  return {
    changesWorkspace: (tool) => tools.has(tool),
    snapshot,
    restore,
    async latest(repository) {
      if (!existsSync(path.join(repository, 'HEAD'))) return undefined;
      return (await run(['rev-parse', '-q', '--verify', `${REF}^{commit}`], repository).catch(() => '')).trim() || undefined;
    },
    async changes(repository, from, to) {
      const output = await run(['diff-tree', '-r', '-z', '--name-status', '--no-renames', from, to], repository);
      const parts = output.split('\0').filter(Boolean);
      const changes: CheckpointChange[] = [];
      for (let index = 0; index + 1 < parts.length; index += 2) changes.push({ status: parts[index] as string, path: parts[index + 1] as string });
      return changes;
    },
    async diff(repository, from, to, diffOptions = {}) {
      const text = await run(['diff', '--no-color', '--no-ext-diff', '--no-textconv', ...(diffOptions.stat ? ['--stat'] : []), from, to], repository);
      const max = diffOptions.maxBytes;
      return max !== undefined && text.length > max ? `${text.slice(0, max)}\n… (diff cut at ${max} characters)\n` : text;
    },
  };
}
