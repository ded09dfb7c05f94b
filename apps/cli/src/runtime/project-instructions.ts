import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { findProjectRoot } from '@ml-intern/core';
import sections from '../../../../configs/system_prompt_sections.json' with { type: 'json' };

/** The file names read in each folder, in this order (AGENTS.md is the cross-tool convention). */
export const INSTRUCTION_FILE_NAMES = ['AGENTS.md', 'ML_INTERN.md'] as const;
/** At most this much of one file goes into the system prompt. */
export const MAX_INSTRUCTION_FILE_BYTES = 16 * 1024;
/** At most this much of all files together: the nearest files are kept first. */
export const MAX_INSTRUCTIONS_BYTES = 48 * 1024;

type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/ml-intern`, else `~/.config/ml-intern` (the real environment, never a project's `.env`). */
export function userConfigDir(env: Env, home: string = homedir()): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || home, '.config');
  return path.join(configHome, 'ml-intern');
}

/** What reading a small text file gave: its text (perhaps cut) or why it was skipped. */
export type SmallFile = { text: string; bytes: number; cut: boolean } | { skipped: string } | undefined;

/**
 * Read a regular file without following it into anything that can hang: opened non-blocking (a
 * FIFO planted under the name returns at once and is refused), checked on the open descriptor,
 * read only up to `maxBytes`. Undefined when there is no such file.
 */
export function readSmallTextFile(file: string, maxBytes: number): SmallFile {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    return { skipped: `cannot be read (${code ?? (error as Error).message})` };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { skipped: 'is not a regular file' };
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes));
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    // A cut in the middle of a character drops that character.
    const text = buffer.subarray(0, length).toString('utf8').replace(/\uFFFD$/, '');
    return { text, bytes: stats.size, cut: stats.size > length };
  } catch (error) {
    return { skipped: `cannot be read (${(error as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

/** One instruction file as it goes into the system prompt. */
export interface InstructionFile {
  path: string;
  /** `user`: the user's config dir; `project`: the project root or a folder below it. */
  scope: 'user' | 'project';
  text: string;
  /** Size of the file on disk. */
  bytes: number;
  /** Why only part of it (or none of it) is in the prompt. */
  cut?: string;
}

/** The instruction files of a run, in prompt order (user file first, nearest last). */
export interface LoadedInstructions {
  files: InstructionFile[];
  /** Files that exist but were not read (not a regular file, outside the project, unreadable). */
  skipped: { path: string; reason: string }[];
  /** Whether the project folder is trusted; an untrusted project's files are marked as coming from it. */
  trusted: boolean;
  root: string;
  /** The home folder, shown as `~`. */
  home: string;
}

function realOrResolved(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function inside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The folders from the project root down to cwd (root first). */
export function projectFolders(cwd: string, root: string): string[] {
  const folders: string[] = [];
  let dir = path.resolve(cwd);
  for (;;) {
    folders.unshift(dir);
    if (dir === root) break;
    const parent = path.dirname(dir);
    if (parent === dir || !inside(dir, root)) break;
    dir = parent;
  }
  return folders;
}

/**
 * Read `AGENTS.md` and `ML_INTERN.md` from the user config dir, the project root and each folder
 * between it and cwd (nearest last). Regular files only, each capped; the total is capped too,
 * dropping the farthest files first. A project file whose real path leaves the project (a symlink
 * to `~/.ssh/…`) is skipped.
 */
export function loadProjectInstructions(options: { cwd: string; env: Env; trusted: boolean; home?: string }): LoadedInstructions {
  const root = findProjectRoot(options.cwd);
  const realRoot = realOrResolved(root);
  const candidates: { path: string; scope: 'user' | 'project' }[] = [];
  const userDir = userConfigDir(options.env, options.home);
  for (const name of INSTRUCTION_FILE_NAMES) candidates.push({ path: path.join(userDir, name), scope: 'user' });
  for (const dir of projectFolders(options.cwd, root)) for (const name of INSTRUCTION_FILE_NAMES) candidates.push({ path: path.join(dir, name), scope: 'project' });

  const seen = new Set<string>();
  const found: InstructionFile[] = [];
  const skipped: LoadedInstructions['skipped'] = [];
  for (const candidate of candidates) {
    const real = realOrResolved(candidate.path);
    if (seen.has(real)) continue;
    const read = readSmallTextFile(candidate.path, MAX_INSTRUCTION_FILE_BYTES);
    if (!read) continue;
    seen.add(real);
    if ('skipped' in read) {
      skipped.push({ path: candidate.path, reason: read.skipped });
      continue;
    }
    if (candidate.scope === 'project' && !inside(real, realRoot)) {
      skipped.push({ path: candidate.path, reason: 'leads outside the project' });
      continue;
    }
    found.push({
      ...candidate,
      text: read.text,
      bytes: read.bytes,
      ...(read.cut ? { cut: `only the first ${formatBytes(MAX_INSTRUCTION_FILE_BYTES)} of ${formatBytes(read.bytes)} are included` } : {}),
    });
  }
  // The total cap keeps the nearest files: walk back from the last one.
  let budget = MAX_INSTRUCTIONS_BYTES;
  for (let index = found.length - 1; index >= 0; index -= 1) {
    const file = found[index] as InstructionFile;
    const size = Buffer.byteLength(file.text);
    if (size <= budget) {
      budget -= size;
      continue;
    }
    const kept = Buffer.from(file.text).subarray(0, budget).toString('utf8').replace(/\uFFFD$/, '');
    budget = 0;
    found[index] = { ...file, text: kept, cut: kept ? `cut to ${formatBytes(Buffer.byteLength(kept))} of ${formatBytes(file.bytes)}: all instruction files together are capped at ${formatBytes(MAX_INSTRUCTIONS_BYTES)}` : `left out: all instruction files together are capped at ${formatBytes(MAX_INSTRUCTIONS_BYTES)}` };
  }
  return { files: found, skipped, trusted: options.trusted, root, home: options.env.HOME || options.home || homedir() };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} bytes`;
}

/** The project instructions section: each file under a heading that says where it comes from. */
export function formatInstructionsSection(loaded: LoadedInstructions | undefined): string {
  const files = (loaded?.files ?? []).filter((file) => file.text.trim());
  if (!loaded || files.length === 0) return '';
  const lines = [sections.instructions];
  const untrusted = !loaded.trusted && files.some((file) => file.scope === 'project');
  if (untrusted) lines.push(sections.instructions_untrusted);
  for (const file of files) {
    const origin = file.scope === 'user' ? "the user's own instructions" : untrusted ? 'from the project (untrusted folder)' : 'project instructions';
    lines.push('', `## ${file.path} (${origin})`, file.text.trim());
    if (file.cut) lines.push(`[… ${file.cut}]`);
  }
  return lines.join('\n');
}

/** For `/status` and `/memory`: one line per file, home shortened to `~`. */
export function describeInstructions(loaded: LoadedInstructions, home: string = loaded.home): string[] {
  const show = (file: string) => (home && inside(file, home) && home !== '/' ? `~${path.sep}${path.relative(home, file)}` : file);
  const lines = loaded.files.map((file) => {
    const origin = file.scope === 'user' ? 'user' : loaded.trusted ? 'project' : 'project, untrusted: marked as from the project';
    return `${show(file.path)} (${formatBytes(file.bytes)}; ${origin})${file.cut ? ` — ${file.cut}` : ''}`;
  });
  for (const item of loaded.skipped) lines.push(`${show(item.path)} skipped: ${item.reason}`);
  return lines;
}

/**
 * The instructions of one runtime: read again on every render of the system prompt (a new
 * session, `/memory`), so an edit is picked up; `current` is what the last render used.
 */
export class ProjectInstructions {
  readonly #options: { cwd: string; env: Env; trusted: boolean; home?: string };
  #current: LoadedInstructions | undefined;

  constructor(options: { cwd: string; env: Env; trusted: boolean; home?: string }) {
    this.#options = options;
  }

  get trusted(): boolean {
    return this.#options.trusted;
  }

  get cwd(): string {
    return this.#options.cwd;
  }

  /** The user config dir (`commands/` lives there too). */
  get userDir(): string {
    return userConfigDir(this.#options.env, this.#options.home);
  }

  get root(): string {
    return findProjectRoot(this.#options.cwd);
  }

  get current(): LoadedInstructions {
    return (this.#current ??= this.reload());
  }

  reload(): LoadedInstructions {
    this.#current = loadProjectInstructions(this.#options);
    return this.#current;
  }
}
