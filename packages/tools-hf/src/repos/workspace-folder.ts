import { createReadStream, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ToolExecutionError } from '@ml-intern/core';
import { globToRegExp } from './repo-reference.js';

/** Folders never uploaded: version control, virtualenvs, caches, the agent's own config. */
const NEVER_DIRECTORIES = new Set([
  '.git', '.hg', '.svn', '.venv', 'venv', '.virtualenv', '__pycache__', '.cache', '.pytest_cache', '.mypy_cache', '.ruff_cache',
  '.ipynb_checkpoints', '.tox', '.nox', 'node_modules', '.ml-intern', '.idea', '.vscode',
]);
/** Files never uploaded: environment files, credential stores, private keys, bytecode. */
const NEVER_FILES = [/^\.env(\..*)?$/, /^\.netrc$/, /^\.git-credentials$/, /^\.pypirc$/, /^\.npmrc$/, /^id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$/, /\.py[co]$/, /^\.DS_Store$/];

/** Why a workspace path is never uploaded (whatever `include` says), or undefined. */
export function neverUploaded(relative: string, isDirectory: boolean): string | undefined {
  const parts = relative.split('/');
  const name = parts.at(-1) ?? '';
  for (const part of isDirectory ? parts : parts.slice(0, -1)) {
    if (NEVER_DIRECTORIES.has(part)) return part === '.git' || part === '.hg' || part === '.svn' ? 'version control' : part.includes('env') ? 'virtualenv' : 'cache or tool folder';
    if (/^\.env(\..*)?$/.test(part)) return 'environment files';
  }
  if (!isDirectory && NEVER_FILES.some((pattern) => pattern.test(name))) return /^\.env/.test(name) ? 'environment file' : /\.py[co]$|DS_Store/.test(name) ? 'cache file' : 'credentials file';
  return undefined;
}

export interface FolderFile {
  /** Path relative to the folder, posix. */
  relative: string;
  absolute: string;
  size: number;
  mtimeMs: number;
}

export interface FolderManifest {
  files: FolderFile[];
  /** Paths left out by the built-in rules, with the reason (folders once, not their contents). */
  skipped: { relative: string; reason: string }[];
  totalBytes: number;
}

export const MAX_FOLDER_FILES = 10_000;

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The files of a workspace folder an upload takes, in a stable order: `include`/`exclude` globs over
 * folder-relative paths (a glob without `/` also matches a basename), minus what is never uploaded.
 * Symbolic links are not followed (listed as skipped). Synchronous so the approval prompt can list
 * exactly what execution will upload; bounded by {@link MAX_FOLDER_FILES}.
 */
export function scanFolder(workspace: string, folder: string, include: readonly string[] | undefined, exclude: readonly string[] | undefined): FolderManifest {
  const realWorkspace = realpathSync(workspace);
  const root = realpathSync(folder);
  if (!isWithin(root, realWorkspace)) throw new ToolExecutionError(`refused: the folder leads through a symbolic link to ${root}, outside the workspace.`);
  const includes = include?.length ? include.map(globToRegExp) : undefined;
  const excludes = (exclude ?? []).map(globToRegExp);
  const manifest: FolderManifest = { files: [], skipped: [], totalBytes: 0 };
  const walk = (directory: string, prefix: string) => {
    for (const name of readdirSync(directory).sort()) {
      const relative = prefix ? `${prefix}/${name}` : name;
      const absolute = path.join(directory, name);
      const info = lstatSync(absolute);
      if (info.isSymbolicLink()) {
        manifest.skipped.push({ relative, reason: 'symbolic link (not followed)' });
        continue;
      }
      const never = neverUploaded(relative, info.isDirectory());
      if (never) {
        manifest.skipped.push({ relative: info.isDirectory() ? `${relative}/` : relative, reason: never });
        continue;
      }
      if (info.isDirectory()) {
        if (lstatSync(path.join(absolute, 'pyvenv.cfg'), { throwIfNoEntry: false })) {
          manifest.skipped.push({ relative: `${relative}/`, reason: 'virtualenv' });
          continue;
        }
        if (excludes.some((pattern) => pattern.test(relative) || pattern.test(`${relative}/`))) continue;
        walk(absolute, relative);
        continue;
      }
      if (!info.isFile()) continue;
      if (excludes.some((pattern) => pattern.test(relative))) continue;
      if (includes && !includes.some((pattern) => pattern.test(relative))) continue;
      if (manifest.files.length >= MAX_FOLDER_FILES) throw new ToolExecutionError(`the folder has more than ${MAX_FOLDER_FILES} files to upload; narrow it with include/exclude or upload a subfolder.`);
      manifest.files.push({ relative, absolute, size: info.size, mtimeMs: info.mtimeMs });
      manifest.totalBytes += info.size;
    }
  };
  if (!statSync(root).isDirectory()) throw new ToolExecutionError('not a folder');
  walk(root, '');
  return manifest;
}

/** A secret found in a file: where, and what kind (never the value). */
export interface SecretFinding {
  file: string;
  line: number;
  kind: string;
}

/** Finds secrets in text: returns the text with secrets replaced (an injected redactor) — a change means a secret. */
export type SecretRedactor = (text: string) => string;

const BUILT_IN_PATTERNS: [string, RegExp][] = [
  ['Hugging Face token', /\bhf_[A-Za-z0-9]{30,}\b/],
  ['GitHub token', /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/],
  ['OpenAI key', /\bsk-(proj-|svcacct-)?[A-Za-z0-9_-]{32,}\b/],
  ['Anthropic key', /\bsk-ant-[A-Za-z0-9_-]{32,}\b/],
  ['AWS access key', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['Slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/],
  ['private key', /-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----/],
];

export interface SecretScanner {
  /** Configured secret values (the session's tokens and keys); shorter than 8 characters are ignored. */
  values: readonly string[];
  redact?: SecretRedactor | undefined;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let position = text.indexOf('\n'); position !== -1 && position < index; position = text.indexOf('\n', position + 1)) line += 1;
  return line;
}

/** Secrets in one piece of text (`startLine`: line number of its first line). */
export function findSecretsInText(text: string, file: string, scanner: SecretScanner, startLine = 1): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const value of scanner.values) {
    if (value.length < 8) continue;
    const index = text.indexOf(value);
    if (index !== -1) findings.push({ file, line: startLine - 1 + lineOf(text, index), kind: 'a configured secret value' });
  }
  for (const [kind, pattern] of BUILT_IN_PATTERNS) {
    const match = pattern.exec(text);
    if (match) findings.push({ file, line: startLine - 1 + lineOf(text, match.index), kind });
  }
  if (scanner.redact && findings.length === 0) {
    const redacted = scanner.redact(text);
    if (redacted !== text) {
      let index = 0;
      while (index < text.length && text[index] === redacted[index]) index += 1;
      findings.push({ file, line: startLine - 1 + lineOf(text, index), kind: 'a secret (detector)' });
    }
  }
  return findings;
}

const CHUNK = 4 * 1024 * 1024;
const OVERLAP = 8 * 1024;

/**
 * Scan a file for secrets in overlapping chunks (any size); binary files (a NUL in the first 8 KB)
 * are checked for the configured values only.
 */
export async function findSecretsInFile(file: FolderFile, scanner: SecretScanner, signal?: AbortSignal): Promise<SecretFinding[]> {
  let binary: boolean | undefined;
  let carry = '';
  let consumedLines = 0;
  const findings: SecretFinding[] = [];
  for await (const chunk of createReadStream(file.absolute, { highWaterMark: CHUNK, ...(signal ? { signal } : {}) })) {
    const bytes = chunk as Buffer;
    binary ??= bytes.subarray(0, 8 * 1024).includes(0);
    const fresh = bytes.toString(binary ? 'latin1' : 'utf8');
    const text = carry + fresh;
    const startLine = consumedLines - (carry.match(/\n/g) ?? []).length + 1;
    findings.push(...findSecretsInText(text, file.relative, binary ? { values: scanner.values } : scanner, startLine));
    if (findings.length > 0) break;
    consumedLines += (fresh.match(/\n/g) ?? []).length;
    carry = text.slice(-OVERLAP);
  }
  return findings;
}
