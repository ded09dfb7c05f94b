import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Dirent, constants } from 'node:fs';
import { lstat, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Git directories in the workspace that appeared or changed since the last check lose what would
 * make the user's own git run a program: hooks, and configuration outside an allow-list
 * (`core.fsmonitor`, `core.pager`, `core.sshCommand`, `core.hooksPath`, `core.editor`,
 * `diff.external`, `filter.*`, `credential.helper`, `!` aliases, includes, …). Runs inside the
 * sandbox host after each command, so it sees the workspace as commands do and cannot be raced
 * into writing outside it. What was there when the session started is the user's and is kept.
 */

/** Configuration keys kept as they are: `section.name` or `section.*.name` (subsection any). */
const ALLOWED_KEYS = new Set([
  'core.repositoryformatversion', 'core.filemode', 'core.bare', 'core.logallrefupdates', 'core.ignorecase',
  'core.precomposeunicode', 'core.symlinks', 'core.autocrlf', 'core.eol', 'core.safecrlf', 'core.compression',
  'core.sparsecheckout', 'core.sparsecheckoutcone', 'core.sharedrepository', 'core.quotepath', 'core.abbrev',
  'core.untrackedcache', 'core.splitindex', 'core.commentchar', 'core.whitespace', 'core.checkstat', 'core.trustctime',
  'remote.*.url', 'remote.*.pushurl', 'remote.*.fetch', 'remote.*.push', 'remote.*.tagopt', 'remote.*.prune',
  'remote.*.mirror', 'remote.*.skipdefaultupdate', 'remote.*.skipfetchall', 'remote.*.partialclonefilter', 'remote.*.promisor',
  'branch.*.remote', 'branch.*.merge', 'branch.*.rebase', 'branch.*.pushremote', 'branch.*.description',
  'user.name', 'user.email', 'author.name', 'author.email', 'committer.name', 'committer.email',
  'init.defaultbranch', 'pull.rebase', 'pull.ff', 'fetch.prune', 'fetch.prunetags', 'push.default', 'push.followtags',
  'push.autosetupremote', 'merge.ff', 'merge.conflictstyle', 'merge.log', 'diff.renames', 'diff.algorithm',
  'diff.mnemonicprefix', 'diff.noprefix', 'diff.colormoved', 'status.showuntrackedfiles', 'log.date', 'color.ui',
  'gc.auto', 'gc.autodetach', 'pack.threads', 'index.version', 'rerere.enabled', 'advice.detachedhead',
  'submodule.*.url', 'submodule.*.path', 'submodule.*.active', 'submodule.*.branch', 'submodule.*.ignore', 'submodule.*.shallow',
  'lfs.repositoryformatversion', 'lfs.url', 'lfs.fetchinclude', 'lfs.fetchexclude', 'lfs.*.access', 'lfs.*.locksverify',
  'extensions.objectformat', 'extensions.worktreeconfig', 'extensions.partialclone', 'extensions.refstorage', 'extensions.preciousobjects',
  'extensions.noop',
]);

/** Where a name could lead: the `section.*.name` form of a full key. */
function keyPattern(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  const section = key.slice(0, first).toLowerCase();
  const name = key.slice(last + 1).toLowerCase();
  return first === last ? `${section}.${name}` : `${section}.*.${name}`;
}

/** A config entry git would honour that can make it run a program, or that is not known safe. */
export function isAllowedGitConfig(key: string, value: string): boolean {
  const pattern = keyPattern(key);
  if (pattern === 'alias.*.' || pattern.startsWith('alias.')) return !value.trimStart().startsWith('!');
  return ALLOWED_KEYS.has(pattern);
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', '__pycache__', '.venv', 'venv', 'site-packages', '.mypy_cache', '.pytest_cache', '.tox']);
const MAX_DEPTH = 3;
const MAX_DIRECTORIES = 2_000;

interface GitDirectoryState {
  fingerprint: string;
  /** Hook files (name → identity) that were there at the start, and so are the user's. */
  hooks: Map<string, string>;
  /** `key\0value` of non-allowed entries that were there at the start. */
  config: Set<string>;
}

export interface GitSanitizerOptions {
  workspace: string;
  /** Absolute path of git, if it exists here; without it a changed config is moved aside whole. */
  git?: string;
}

export interface GitSanitizer {
  /** Record the git directories as they are now (the user's own state). */
  baseline(): Promise<void>;
  /** Sanitise what appeared or changed since; returns a line per removal, for the model. */
  check(): Promise<string[]>;
}

function identity(info: { ino: number | bigint; size: number | bigint; mtimeMs: number; ctimeMs: number; mode: number }): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.mode}`;
}

async function lstatIdentity(file: string): Promise<string> {
  try {
    return identity(await lstat(file));
  } catch {
    return '-';
  }
}

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function runGit(git: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(git, args, { env: { PATH: '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', HOME: '/nonexistent' }, maxBuffer: 16 << 20, timeout: 10_000 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
}

export function createGitSanitizer(options: GitSanitizerOptions): GitSanitizer {
  const workspace = options.workspace;
  const known = new Map<string, GitDirectoryState>();
  let started = false;

  /** Git directories in the workspace: `.git` folders, `.git` files' targets, bare layouts. */
  async function discover(): Promise<string[]> {
    const found = new Set<string>();
    let queue: Array<{ directory: string; depth: number }> = [{ directory: workspace, depth: 0 }];
    let visited = 0;
    while (queue.length > 0 && visited < MAX_DIRECTORIES) {
      const next: typeof queue = [];
      await Promise.all(
        queue.map(async ({ directory, depth }) => {
          visited += 1;
          let entries: Dirent[];
          try {
            entries = await readdir(directory, { withFileTypes: true });
          } catch {
            return;
          }
          const names = new Set(entries.map((entry) => entry.name));
          if (names.has('HEAD') && names.has('objects') && names.has('refs')) found.add(directory);
          for (const entry of entries) {
            if (entry.name === '.git') {
              if (entry.isDirectory()) found.add(path.join(directory, entry.name));
              else if (entry.isFile()) {
                const target = await gitFileTarget(path.join(directory, entry.name));
                if (target) found.add(target);
              }
              continue;
            }
            if (entry.isDirectory() && depth < MAX_DEPTH && !SKIPPED_DIRECTORIES.has(entry.name)) next.push({ directory: path.join(directory, entry.name), depth: depth + 1 });
          }
        }),
      );
      queue = next;
    }
    // A git directory's `commondir` holds its config and hooks.
    for (const directory of [...found]) {
      const common = (await readFile(path.join(directory, 'commondir'), 'utf8').catch(() => '')).trim();
      if (common) {
        const resolved = path.resolve(directory, common);
        if (isWithin(resolved, workspace)) found.add(resolved);
      }
    }
    return [...found];
  }

  async function gitFileTarget(file: string): Promise<string | undefined> {
    const text = await readFile(file, 'utf8').catch(() => '');
    const match = /^gitdir:\s*(.+)$/m.exec(text);
    if (!match?.[1]) return undefined;
    const target = path.resolve(path.dirname(file), match[1].trim());
    return isWithin(target, workspace) ? target : undefined;
  }

  async function hookFiles(directory: string): Promise<Map<string, string>> {
    const hooks = new Map<string, string>();
    const hooksDirectory = path.join(directory, 'hooks');
    let names: string[];
    try {
      names = await readdir(hooksDirectory);
    } catch {
      return hooks;
    }
    await Promise.all(names.map(async (name) => hooks.set(name, await lstatIdentity(path.join(hooksDirectory, name)))));
    return hooks;
  }

  async function fingerprint(directory: string, hooks: Map<string, string>): Promise<string> {
    const parts = await Promise.all(['config', 'config.worktree', 'hooks', 'commondir'].map((name) => lstatIdentity(path.join(directory, name))));
    return `${parts.join('|')}|${[...hooks].sort().join(',')}`;
  }

  async function configEntries(file: string): Promise<Array<[string, string]> | undefined> {
    if (!options.git) return undefined;
    const output = await runGit(options.git, ['config', '--file', file, '--null', '--list']);
    const entries: Array<[string, string]> = [];
    for (const record of output.split('\0')) {
      if (record === '') continue;
      const newline = record.indexOf('\n');
      entries.push(newline === -1 ? [record, ''] : [record.slice(0, newline), record.slice(newline + 1)]);
    }
    return entries;
  }

  async function disallowedOf(file: string): Promise<Set<string>> {
    const entries = await configEntries(file).catch(() => undefined);
    return new Set((entries ?? []).filter(([key, value]) => !isAllowedGitConfig(key, value)).map(([key, value]) => `${key}\0${value}`));
  }

  async function record(directory: string): Promise<GitDirectoryState> {
    const hooks = await hookFiles(directory);
    const [print, config, worktree] = await Promise.all([fingerprint(directory, hooks), disallowedOf(path.join(directory, 'config')), disallowedOf(path.join(directory, 'config.worktree'))]);
    return { fingerprint: print, hooks, config: new Set([...config, ...worktree]) };
  }

  async function sanitizeConfig(directory: string, name: string, kept: Set<string>, notices: string[]): Promise<void> {
    const file = path.join(directory, name);
    const info = await lstat(file).catch(() => undefined);
    if (!info) return;
    const shown = path.relative(workspace, file) || file;
    if (!info.isFile() || !options.git) {
      // A link or a config git cannot be asked about: move it aside whole.
      await rename(file, `${file}.removed-by-ml-intern`).catch(() => rm(file, { force: true }));
      notices.push(`${shown} (moved aside: ${info.isFile() ? 'git is not available to check it' : 'not a regular file'})`);
      return;
    }
    let entries: Array<[string, string]> | undefined;
    try {
      entries = await configEntries(file);
    } catch {
      // Git cannot parse it, so the user's git refuses it too; nothing runs from it.
      return;
    }
    if (!entries) return;
    const removed = entries.filter(([key, value]) => !isAllowedGitConfig(key, value) && !kept.has(`${key}\0${value}`));
    if (removed.length === 0) return;
    const keptEntries = entries.filter((entry) => !removed.includes(entry));
    await writeConfig(file, keptEntries, info.mode & 0o777);
    for (const [key, value] of removed) notices.push(`${shown}: ${key} = ${value.length > 80 ? `${value.slice(0, 77)}...` : value}`);
  }

  async function sanitize(directory: string, state: GitDirectoryState | undefined, notices: string[]): Promise<void> {
    const hooksDirectory = path.join(directory, 'hooks');
    const hooksInfo = await lstat(hooksDirectory).catch(() => undefined);
    if (hooksInfo?.isSymbolicLink()) {
      await unlink(hooksDirectory).catch(() => {});
      notices.push(`${path.relative(workspace, hooksDirectory)} (a link)`);
    } else if (hooksInfo?.isDirectory()) {
      const current = await hookFiles(directory);
      for (const [name, print] of current) {
        if (state?.hooks.get(name) === print) continue;
        if (name.endsWith('.sample')) {
          const info = await lstat(path.join(hooksDirectory, name)).catch(() => undefined);
          if (info?.isFile()) continue; // samples never run, whatever their mode
        }
        await rm(path.join(hooksDirectory, name), { recursive: true, force: true }).catch(() => {});
        notices.push(`${path.relative(workspace, path.join(hooksDirectory, name))} (a hook)`);
      }
    }
    const kept = state?.config ?? new Set<string>();
    await sanitizeConfig(directory, 'config', kept, notices);
    await sanitizeConfig(directory, 'config.worktree', kept, notices);
  }

  return {
    async baseline() {
      started = true;
      for (const directory of await discover()) known.set(directory, await record(directory));
    },
    async check() {
      if (!started) await this.baseline();
      const notices: string[] = [];
      for (const directory of await discover()) {
        const state = known.get(directory);
        const hooks = await hookFiles(directory);
        if (state && state.fingerprint === (await fingerprint(directory, hooks))) continue;
        await sanitize(directory, state, notices);
        const after = await hookFiles(directory);
        known.set(directory, { fingerprint: await fingerprint(directory, after), hooks: state?.hooks ?? new Map(), config: state?.config ?? new Set() });
      }
      return notices;
    },
  };
}

function quoteValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** Rewrite a config file from its parsed entries (comments and layout are lost; only on removal). */
async function writeConfig(file: string, entries: Array<[string, string]>, mode: number): Promise<void> {
  const sections = new Map<string, string[]>();
  for (const [key, value] of entries) {
    const first = key.indexOf('.');
    const last = key.lastIndexOf('.');
    const section = key.slice(0, first);
    const header = first === last ? `[${section}]` : `[${section} "${key.slice(first + 1, last).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"]`;
    const lines = sections.get(header) ?? [];
    lines.push(`\t${key.slice(last + 1)} = ${quoteValue(value)}`);
    sections.set(header, lines);
  }
  const text = [...sections].map(([header, lines]) => `${header}\n${lines.join('\n')}\n`).join('');
  const temporary = path.join(path.dirname(file), `.config.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode || 0o644);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

/** Absolute path of git among the usual places, if any. */
export async function findGit(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/git', '/usr/local/bin/git', '/bin/git']) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) return candidate;
  }
  return undefined;
}
