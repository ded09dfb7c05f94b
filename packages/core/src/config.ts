import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { agentConfigSchema, type AgentConfig } from './config-schema.js';
import { ConfigError } from './errors.js';

export type Env = Record<string, string | undefined>;

/** One layer of configuration and where it came from (for error messages and `config show`). */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
}

export interface LoadConfigOptions {
  /** The built-in defaults (configs/cli_agent_config.json), already parsed. */
  builtin: Record<string, unknown>;
  builtinSource?: string;
  cwd: string;
  env: Env;
  /** `--config <file>`: replaces the user config file. */
  configFile?: string;
  /** Values from CLI flags (highest precedence). */
  flags?: Record<string, unknown>;
  home?: string;
  /**
   * Whether the user trusts the project folder. Untrusted (the default), its
   * `.ml-intern/config.json` may set only {@link UNTRUSTED_PROJECT_CONFIG_KEYS}; see project-trust.ts.
   */
  projectTrust?: ProjectTrust;
  /** The project's files, already read (so the trust decision and the load see the same bytes). */
  project?: ProjectFiles;
}

export interface LoadedConfig {
  config: AgentConfig;
  layers: ConfigLayer[];
  /** Short hash of the merged config, for session headers. */
  digest: string;
  /** Top-level keys of the project's `.ml-intern/config.json` ignored because the folder is untrusted. */
  ignoredProjectKeys: string[];
}

/** The user's decision about a project folder (SPEC sections 6 and 9). Undecided means untrusted. */
export type ProjectTrust = 'trusted' | 'untrusted';

/** What an untrusted project's `.ml-intern/config.json` may set: nothing that widens what the agent may do. */
export const UNTRUSTED_PROJECT_CONFIG_KEYS: readonly string[] = ['model_name', 'max_iterations', 'reasoning_effort', 'compaction'];

/**
 * What an untrusted project's `.env` may set: credentials only (an allow-list). Never endpoints, base
 * URLs or proxies (they decide where the tokens go), `ML_INTERN_*`, `PATH`, `NODE_OPTIONS`, `LD_*`,
 * `PYTHON*` or `GIT_*`.
 */
export const PROJECT_CREDENTIAL_VARIABLES: readonly string[] = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'OPENAI_API_KEY',
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'SLACK_BOT_TOKEN',
  'WANDB_API_KEY',
  'BRAVE_API_KEY',
  'TAVILY_API_KEY',
  'S2_API_KEY',
  'OLLAMA_API_KEY',
  'VLLM_API_KEY',
  'LM_STUDIO_API_KEY',
  'LMSTUDIO_API_KEY',
  'LLAMACPP_API_KEY',
];

/** One project file that can configure ml-intern, read once: its path, text and sha256. */
export interface ProjectFile {
  path: string;
  text: string;
  sha256: string;
}

/** The files through which a project configures ml-intern (`.ml-intern/config.json`, `.env` in the root and cwd). */
export interface ProjectFiles {
  /** The project root ({@link findProjectRoot}). */
  root: string;
  /** Its real path: the key of trust decisions. */
  realRoot: string;
  config: ProjectFile | undefined;
  /** `.env` of cwd, then of the root (earlier wins). */
  envFiles: ProjectFile[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge: objects merge key by key, everything else (arrays included) is replaced. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** `${VAR}` and `${VAR:-default}` in every string; a missing variable names itself and the file. */
export function substituteVariables(value: unknown, env: Env, source: string, keyPath: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${source}: ${keyPath.join('.') || '(root)'} uses \${${name}}, but ${name} is not set. Set it in your environment or .env file, or write \${${name}:-default}.`, {
        file: source,
        keyPath: keyPath.join('.'),
      });
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substituteVariables(item, env, source, [...keyPath, String(index)]));
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = substituteVariables(item, env, source, [...keyPath, key]);
    return result;
  }
  return value;
}

/** Text without a leading UTF-8 byte order mark (editors on Windows write one; JSON.parse rejects it). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function readJsonFile(file: string, preread?: string): Record<string, unknown> {
  let text: string;
  try {
    text = preread ?? readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`, { file });
  }
  return parseConfigText(text, file);
}

/** Parse a JSON config file's text (a UTF-8 BOM and CRLF line ends are fine); it must hold an object. */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, { file });
  }
  if (!isPlainObject(value)) throw new ConfigError(`${file} must contain a JSON object, found ${Array.isArray(value) ? 'an array' : typeof value}`, { file });
  return value;
}

/** Parse a `.env` file into a record (KEY=value, quotes stripped, `#` comments). */
export function parseDotEnv(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of stripBom(text).split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2] ?? '';
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    result[match[1] as string] = value;
  }
  return result;
}

/** The project root: the nearest ancestor of cwd holding `.ml-intern/` or `.git`. */
export function findProjectRoot(cwd: string): string {
  let dir = path.resolve(cwd);
  for (;;) {
    if (existsSync(path.join(dir, '.ml-intern')) || existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(cwd);
    dir = parent;
  }
}

/** Larger project files are refused: configuration is small, and a planted 1 GB file should not stall a run. */
const MAX_PROJECT_FILE_BYTES = 1024 * 1024;

function readProjectFile(file: string): ProjectFile | undefined {
  let text: string;
  try {
    // stat first: a FIFO or device planted as `.env` would block or never end.
    const stats = statSync(file);
    if (!stats.isFile()) throw new ConfigError(`${file} is not a regular file`, { file });
    if (stats.size > MAX_PROJECT_FILE_BYTES) throw new ConfigError(`${file} is larger than 1 MiB`, { file });
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, { file });
  }
  return { path: file, text, sha256: createHash('sha256').update(text).digest('hex') };
}

/** Read the project's configuring files once: the trust decision hashes exactly what is then loaded. */
export function readProjectFiles(cwd: string): ProjectFiles {
  const root = findProjectRoot(cwd);
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // A root that vanished keeps its resolved path; it holds no files either.
  }
  const envFiles = [...new Set([path.resolve(cwd), root])].flatMap((dir) => readProjectFile(path.join(dir, '.env')) ?? []);
  return { root, realRoot, config: readProjectFile(path.join(root, '.ml-intern', 'config.json')), envFiles };
}

/** Whether an untrusted project's `.env` may set this variable (see {@link PROJECT_CREDENTIAL_VARIABLES}). */
export function isProjectCredentialVariable(name: string): boolean {
  return PROJECT_CREDENTIAL_VARIABLES.includes(name);
}

/** An environment with the project's `.env` applied, and the variables left out because the folder is untrusted. */
export interface LoadedProjectEnv {
  env: Env;
  /** Names (never values) the project's `.env` would have set, ignored because the folder is untrusted. */
  ignored: string[];
}

/**
 * `.env` from cwd and the project root, never overriding variables already set. From an untrusted
 * project (the default) only credentials are taken; `ignored` names the rest that would have applied.
 */
export function loadProjectEnv(cwd: string, env: Env, options: { projectTrust?: ProjectTrust; project?: ProjectFiles } = {}): LoadedProjectEnv {
  const merged: Env = { ...env };
  const ignored = new Set<string>();
  const trusted = options.projectTrust === 'trusted';
  for (const file of (options.project ?? readProjectFiles(cwd)).envFiles) {
    for (const [key, value] of Object.entries(parseDotEnv(file.text))) {
      if (merged[key] !== undefined) continue;
      if (trusted || isProjectCredentialVariable(key)) merged[key] = value;
      else ignored.add(key);
    }
  }
  return { env: merged, ignored: [...ignored] };
}

/** `.env` from the project root and cwd, never overriding variables already set; untrusted (default): credentials only. */
export function loadDotEnv(cwd: string, env: Env, options: { projectTrust?: ProjectTrust; project?: ProjectFiles } = {}): Env {
  return loadProjectEnv(cwd, env, options).env;
}

/** Split a project config into what applies and the top-level keys ignored for an untrusted folder. */
export function filterProjectConfig(values: Record<string, unknown>, projectTrust: ProjectTrust): { values: Record<string, unknown>; ignored: string[] } {
  if (projectTrust === 'trusted') return { values, ignored: [] };
  const kept: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (UNTRUSTED_PROJECT_CONFIG_KEYS.includes(key)) kept[key] = value;
    else ignored.push(key);
  }
  return { values: kept, ignored };
}

function parseBoolean(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`environment variable ${name}="${value}" is not a boolean (use true/false, 1/0, yes/no, on/off)`, { keyPath: name });
}

function parseNumber(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new ConfigError(`environment variable ${name}="${value}" is not a number`, { keyPath: name });
  return number;
}

/** Config values from `ML_INTERN_*` variables. */
export function configFromEnv(env: Env): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  if (env.ML_INTERN_MODEL) values.model_name = env.ML_INTERN_MODEL;
  if (env.ML_INTERN_MAX_ITERATIONS) values.max_iterations = parseNumber(env.ML_INTERN_MAX_ITERATIONS, 'ML_INTERN_MAX_ITERATIONS');
  if (env.ML_INTERN_YOLO) values.yolo_mode = parseBoolean(env.ML_INTERN_YOLO, 'ML_INTERN_YOLO');
  if (env.ML_INTERN_BUDGET_USD) values.budget_usd = parseNumber(env.ML_INTERN_BUDGET_USD, 'ML_INTERN_BUDGET_USD');
  if (env.ML_INTERN_REASONING_EFFORT) values.reasoning_effort = env.ML_INTERN_REASONING_EFFORT;
  if (env.ML_INTERN_SAVE_SESSIONS) values.save_sessions = parseBoolean(env.ML_INTERN_SAVE_SESSIONS, 'ML_INTERN_SAVE_SESSIONS');
  if (env.ML_INTERN_SHARE_TRACES) values.share_traces = parseBoolean(env.ML_INTERN_SHARE_TRACES, 'ML_INTERN_SHARE_TRACES');
  if (env.ML_INTERN_WEB_SEARCH_URL) values.web = { search_url: env.ML_INTERN_WEB_SEARCH_URL };
  if (env.ML_INTERN_MODEL_IDLE_TIMEOUT_S) values.model_idle_timeout_s = parseNumber(env.ML_INTERN_MODEL_IDLE_TIMEOUT_S, 'ML_INTERN_MODEL_IDLE_TIMEOUT_S');
  return values;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 37)}...` : value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, keyPath: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of keyPath) value = isPlainObject(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** Which layer set a key path last (for error messages). */
function sourceOf(layers: readonly ConfigLayer[], keyPath: readonly PropertyKey[]): string {
  for (let index = layers.length - 1; index >= 0; index -= 1) {
    const layer = layers[index] as ConfigLayer;
    if (valueAt(layer.values, keyPath) !== undefined) return layer.source;
    if (keyPath.length > 1 && valueAt(layer.values, keyPath.slice(0, 1)) !== undefined) return layer.source;
  }
  return layers[0]?.source ?? 'config';
}

function validationError(error: z.ZodError, merged: unknown, layers: readonly ConfigLayer[]): ConfigError {
  const issue = error.issues[0] as z.core.$ZodIssue;
  const keyPath = issue.path.map(String).join('.') || '(root)';
  const source = sourceOf(layers, issue.path);
  const found = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : `found ${describeType(valueAt(merged, issue.path))}`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return new ConfigError(`${source}: ${keyPath}: ${issue.message}; ${found}${more}`, { file: source, keyPath });
}

/**
 * Load the layered configuration (SPEC section 9): built-in < user (or `$ML_INTERN_CLI_CONFIG` /
 * `--config`) < project `.ml-intern/config.json` < environment < CLI flags.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const env = options.env;
  const home = options.home ?? homedir();
  const layers: ConfigLayer[] = [{ source: options.builtinSource ?? 'built-in defaults', values: options.builtin }];
  const explicit = options.configFile ?? env.ML_INTERN_CLI_CONFIG;
  const userFile = explicit ? path.resolve(options.cwd, explicit) : path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'ml-intern', 'cli_agent_config.json');
  if (explicit && !existsSync(userFile)) {
    const how = options.configFile ? '--config' : 'ML_INTERN_CLI_CONFIG';
    throw new ConfigError(`config file ${userFile} (from ${how}) does not exist`, { file: userFile });
  }
  if (existsSync(userFile)) layers.push({ source: userFile, values: readJsonFile(userFile) });
  // The user's own file is trusted even when it is the project's (`--config .ml-intern/config.json`).
  const projectConfig = (options.project ?? readProjectFiles(options.cwd)).config;
  let ignoredProjectKeys: string[] = [];
  if (projectConfig && path.resolve(projectConfig.path) !== userFile) {
    const filtered = filterProjectConfig(readJsonFile(projectConfig.path, projectConfig.text), options.projectTrust ?? 'untrusted');
    ignoredProjectKeys = filtered.ignored;
    layers.push({ source: projectConfig.path, values: filtered.values });
  }
  const fromEnv = configFromEnv(env);
  if (Object.keys(fromEnv).length > 0) layers.push({ source: 'environment', values: fromEnv });
  if (options.flags && Object.keys(options.flags).length > 0) layers.push({ source: 'command-line flags', values: options.flags });

  let merged: Record<string, unknown> = {};
  for (const layer of layers) merged = deepMerge(merged, substituteVariables(layer.values, env, layer.source) as Record<string, unknown>);
  const result = agentConfigSchema.safeParse(merged);
  if (!result.success) throw validationError(result.error, merged, layers);
  const digest = createHash('sha256').update(JSON.stringify(result.data)).digest('hex').slice(0, 12);
  return { config: result.data, layers, digest, ignoredProjectKeys };
}

const SECRET_KEY = /(token|key|secret|password|authorization)/i;

/** The config with secret-looking values masked, for `ml-intern config show`. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return SECRET_KEY.test(key) && value.length > 0 ? `${value.slice(0, 4)}…(masked)` : value;
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, key));
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) result[name] = maskSecrets(item, name);
    return result;
  }
  return value;
}
