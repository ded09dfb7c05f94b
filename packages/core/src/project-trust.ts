import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  filterProjectConfig,
  loadProjectEnv,
  maskSecrets,
  parseConfigText,
  readProjectFiles,
  stripBom,
  type Env,
  type ProjectFiles,
  type ProjectTrust,
} from './config.js';
import { ConfigError } from './errors.js';

/**
 * Project trust (SPEC sections 6 and 9, SECURITY.md "workspace ↔ the user's tools"): a project's
 * `.ml-intern/config.json` and `.env` widen nothing until the user trusts the folder. Decisions
 * live in `$XDG_CONFIG_HOME/ml-intern/trusted_folders.json` (mode 0600), keyed by the real path of
 * the project root, with the sha256 of each configuring file: a changed file is undecided again.
 */

/** One folder's current decision. */
export interface TrustRecord {
  /** Real path of the project root. */
  path: string;
  decision: ProjectTrust;
  /** sha256 of each configuring file when the decision was made, by path relative to the root. */
  files: Record<string, string>;
  /** ISO time of the decision. */
  decided_at: string;
}

/** One line of the decision history (every trust, don't-trust and revoke, with its time). */
export interface TrustHistoryEntry {
  path: string;
  action: ProjectTrust | 'revoked';
  files?: Record<string, string>;
  at: string;
}

/** The trust store file's content. */
export interface TrustStoreData {
  version: 1;
  folders: Record<string, Omit<TrustRecord, 'path'>>;
  history: TrustHistoryEntry[];
}

/** The history keeps the most recent decisions only. */
const MAX_HISTORY = 500;

/** `$XDG_CONFIG_HOME/ml-intern/trusted_folders.json`, else `~/.config/ml-intern/trusted_folders.json`. Pass the real environment, never a project's `.env`. */
export function trustStoreFile(env: Env, home: string = homedir()): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || home, '.config');
  return path.join(configHome, 'ml-intern', 'trusted_folders.json');
}

/** The hashes a decision is tied to: each configuring file by its path relative to the project root. */
export function projectFingerprint(project: ProjectFiles): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of [...(project.config ? [project.config] : []), ...project.envFiles]) files[path.relative(project.root, file.path) || path.basename(file.path)] = file.sha256;
  return files;
}

function sameFiles(left: Record<string, string>, right: Record<string, string>): boolean {
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => right[key] === left[key]);
}

function emptyStore(): TrustStoreData {
  return { version: 1, folders: {}, history: [] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Read the store; a missing file is an empty store, a broken one a ConfigError naming the file. */
export function readTrustStore(file: string): TrustStoreData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return emptyStore();
    throw new ConfigError(`cannot read the trust store ${file}: ${(error as Error).message}`, { file });
  }
  if (!stripBom(text).trim()) return emptyStore();
  const value = parseConfigText(text, file);
  const store = emptyStore();
  if (isRecord(value.folders)) {
    for (const [folder, record] of Object.entries(value.folders)) {
      if (!isRecord(record) || (record.decision !== 'trusted' && record.decision !== 'untrusted') || !isRecord(record.files)) continue;
      const files = Object.fromEntries(Object.entries(record.files).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      store.folders[folder] = { decision: record.decision, files, decided_at: typeof record.decided_at === 'string' ? record.decided_at : '' };
    }
  }
  if (Array.isArray(value.history)) store.history = value.history.filter((entry): entry is TrustHistoryEntry => isRecord(entry) && typeof entry.path === 'string' && typeof entry.at === 'string');
  return store;
}

/** Write atomically (temporary file + rename), mode 0600 in a 0700 directory. */
function writeTrustStore(file: string, store: TrustStoreData): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was created (the directory is not writable or not a directory).
    }
    throw new ConfigError(`cannot write the trust store ${file}: ${(error as Error).message}`, { file });
  }
}

/** Every folder with a decision, sorted by path. */
export function listTrustRecords(file: string): TrustRecord[] {
  const store = readTrustStore(file);
  return Object.entries(store.folders)
    .map(([folder, record]) => ({ path: folder, ...record }))
    .sort((left, right) => left.path.localeCompare(right.path));
}

/** The stored decision for this folder, whether or not its files changed since. */
export function findTrustRecord(file: string, realRoot: string): TrustRecord | undefined {
  const record = readTrustStore(file).folders[realRoot];
  return record ? { path: realRoot, ...record } : undefined;
}

/** The decision made for exactly these files; undefined when undecided or a file changed. */
export function storedProjectTrust(file: string, project: ProjectFiles): ProjectTrust | undefined {
  const record = findTrustRecord(file, project.realRoot);
  return record && sameFiles(record.files, projectFingerprint(project)) ? record.decision : undefined;
}

/** Record the user's decision for the project's current files. */
export function recordProjectTrust(file: string, project: ProjectFiles, decision: ProjectTrust, now: Date = new Date()): TrustRecord {
  const store = readTrustStore(file);
  const files = projectFingerprint(project);
  const at = now.toISOString();
  store.folders[project.realRoot] = { decision, files, decided_at: at };
  store.history = [...store.history, { path: project.realRoot, action: decision, files, at }].slice(-MAX_HISTORY);
  writeTrustStore(file, store);
  return { path: project.realRoot, decision, files, decided_at: at };
}

/** Forget a folder's decision (it is undecided, so untrusted, again). Returns whether there was one. */
export function revokeProjectTrust(file: string, realRoot: string, now: Date = new Date()): boolean {
  const store = readTrustStore(file);
  if (!store.folders[realRoot]) return false;
  delete store.folders[realRoot];
  store.history = [...store.history, { path: realRoot, action: 'revoked' as const, at: now.toISOString() }].slice(-MAX_HISTORY);
  writeTrustStore(file, store);
  return true;
}

/** How the trust of a run's project was decided. */
export interface ProjectTrustState {
  project: ProjectFiles;
  trust: ProjectTrust;
  /** For summaries: `none` when the project has no configuring file at all. */
  state: ProjectTrust | 'none';
  /** `flag`: `--trust-project` for this run; `store`: a recorded decision; `default`: undecided. */
  source: 'flag' | 'store' | 'default';
}

/**
 * Decide whether a run applies its project's settings: `trustProject` (the user's flag) trusts it
 * for this run; otherwise a decision recorded for the current files; otherwise untrusted.
 */
export function resolveProjectTrust(options: { cwd: string; env: Env; trustProject?: boolean; storeFile?: string; project?: ProjectFiles }): ProjectTrustState {
  const project = options.project ?? readProjectFiles(options.cwd);
  const none = !project.config && project.envFiles.length === 0;
  if (options.trustProject) return { project, trust: 'trusted', state: none ? 'none' : 'trusted', source: 'flag' };
  const stored = storedProjectTrust(options.storeFile ?? trustStoreFile(options.env), project);
  const trust = stored ?? 'untrusted';
  return { project, trust, state: none ? 'none' : trust, source: stored ? 'store' : 'default' };
}

/** What an untrusted project's files would change if trusted: config keys (values, secrets masked) and `.env` names. */
export interface UntrustedProjectSettings {
  root: string;
  /** Top-level keys of `.ml-intern/config.json` and their values with secrets masked. */
  config: { key: string; value: unknown }[];
  /** Names of `.env` variables (never their values). */
  env: string[];
}

/** The settings trusting this project would add, given the real environment (variables already set are not changed by `.env`). */
export function untrustedProjectSettings(project: ProjectFiles, env: Env): UntrustedProjectSettings {
  const config: { key: string; value: unknown }[] = [];
  if (project.config) {
    const values = parseConfigText(project.config.text, project.config.path);
    for (const key of filterProjectConfig(values, 'untrusted').ignored) config.push({ key, value: maskSecrets(values[key], key) });
  }
  return { root: project.realRoot, config, env: loadProjectEnv(project.root, env, { project, projectTrust: 'untrusted' }).ignored };
}

/**
 * One plain line saying what was ignored, e.g. `ignored from the untrusted project /p:
 * .ml-intern/config.json keys mcpServers, approval; .env variables HF_ENDPOINT.`
 */
export function describeIgnoredProjectSettings(ignored: { root: string; configKeys: readonly string[]; envNames: readonly string[] }): string {
  const parts: string[] = [];
  if (ignored.configKeys.length > 0) parts.push(`.ml-intern/config.json key${ignored.configKeys.length > 1 ? 's' : ''} ${ignored.configKeys.join(', ')}`);
  if (ignored.envNames.length > 0) parts.push(`.env variable${ignored.envNames.length > 1 ? 's' : ''} ${ignored.envNames.join(', ')}`);
  return `ignored from the untrusted project ${ignored.root}: ${parts.join('; ')}.`;
}
