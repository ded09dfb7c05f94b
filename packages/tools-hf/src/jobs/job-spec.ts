import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ToolExecutionError } from '@ml-intern/core';

/** Image for Python scripts run with uv (`uv run --with … script.py`). */
export const UV_IMAGE = 'ghcr.io/astral-sh/uv:python3.12-bookworm';
/** Image for docker-mode jobs without an explicit image. */
export const DEFAULT_DOCKER_IMAGE = 'python:3.12';
/** Quieter logs for the agent: no progress bars, unbuffered Python output. */
export const DEFAULT_JOB_ENV: Readonly<Record<string, string>> = { HF_HUB_DISABLE_PROGRESS_BARS: '1', UV_NO_PROGRESS: '1', PYTHONUNBUFFERED: '1' };

const MAX_INLINE_SCRIPT_BYTES = 256 * 1024;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `"30m"`, `"2h"`, `"1.5h"`, `"90s"`, `"1d"` or plain seconds → seconds. */
export function parseTimeout(value: string): number {
  const match = value.trim().toLowerCase().match(/^(\d+(?:\.\d+)?)\s*([smhd]?)$/);
  if (!match) throw new ToolExecutionError(`timeout "${value}" is not a duration; use e.g. "30m", "2h" or "5400" (seconds).`);
  const seconds = Math.round(Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] as number));
  if (seconds < 60) throw new ToolExecutionError(`timeout "${value}" is shorter than a minute; jobs need at least "1m".`);
  return seconds;
}

export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** POSIX shell quoting. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface JobSpecInput {
  script?: string | undefined;
  dependencies?: string[] | undefined;
  python?: string | undefined;
  script_args?: string[] | undefined;
  image?: string | undefined;
  command?: string[] | undefined;
  env?: Record<string, string> | undefined;
  secrets?: Record<string, string> | undefined;
}

export interface JobSpecOptions {
  cwd: string;
  token?: string | undefined;
  passToken: boolean;
  /** The host environment `"$NAME"` secrets are read from (the approval decided whether they may be). */
  hostEnv?: Readonly<Record<string, string | undefined>> | undefined;
  /** See {@link HfJobsToolOptions.readWorkspaceFile}. */
  readWorkspaceFile?: ((file: string) => Promise<string | undefined>) | undefined;
}

export interface JobSpec {
  dockerImage: string;
  command: string[];
  environment: Record<string, string>;
  secrets: Record<string, string>;
  /** `python` (script through uv) or `docker` (image + command). */
  kind: 'python' | 'docker';
  /** Where the script came from, for the summary. */
  source: string;
  /** The script's text when it was inline or a workspace file (for the pre-flight checks). */
  scriptText?: string;
}

/** `"$NAME"` or `"${NAME}"`: a secret forwarded from the host environment. */
const HOST_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;
const TOKEN_VARIABLES = new Set(['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HUGGINGFACE_HUB_TOKEN']);

/** The host variable a secret value refers to (`"$WANDB_API_KEY"` → `WANDB_API_KEY`), or undefined. */
export function hostReference(value: string): string | undefined {
  const match = HOST_REFERENCE.exec(value.trim());
  return match ? (match[1] ?? match[2]) : undefined;
}

/** How a run's `secrets` reach the job: from the allow-list, the HF token, or other host variables. */
export interface ForwardedSecrets {
  /** Host variables listed in `jobs.forward_env`. */
  allowed: string[];
  /** Any other host variable: a person must approve shipping it to a machine with internet access. */
  unlisted: string[];
}

/** Classify the host references in `secrets` against the allow-list (the HF token counts as allowed when it is passed anyway). */
export function forwardedSecrets(secrets: Record<string, string> | undefined, allowList: readonly string[], passToken: boolean): ForwardedSecrets {
  const result: ForwardedSecrets = { allowed: [], unlisted: [] };
  for (const value of Object.values(secrets ?? {})) {
    const variable = hostReference(value);
    if (!variable) continue;
    const bucket = allowList.includes(variable) || (passToken && TOKEN_VARIABLES.has(variable)) ? result.allowed : result.unlisted;
    if (!bucket.includes(variable)) bucket.push(variable);
  }
  return result;
}

function uvArguments(input: JobSpecInput, target: string): string[] {
  const parts = ['uv', 'run'];
  for (const dependency of input.dependencies ?? []) parts.push('--with', dependency);
  if (input.python) parts.push('-p', input.python);
  parts.push(target, ...(input.script_args ?? []));
  return parts;
}

/** Wrap script text so the job writes it to a file and runs it with uv (PEP 723 metadata works). */
function inlineCommand(input: JobSpecInput, code: string, fileName: string): string[] {
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > MAX_INLINE_SCRIPT_BYTES) {
    throw new ToolExecutionError(`the script is ${bytes} bytes; inline scripts are limited to ${MAX_INLINE_SCRIPT_BYTES}. Upload it to a repo with hf_repo_files and pass its resolve URL as script.`);
  }
  const target = `/tmp/${fileName.replace(/[^\w.-]/g, '_') || 'script.py'}`;
  const encoded = Buffer.from(code, 'utf8').toString('base64');
  const run = uvArguments(input, target).map(shellQuote).join(' ');
  return ['/bin/sh', '-c', `printf %s ${encoded} | base64 -d > ${target} && exec ${run}`];
}

/**
 * The job's secrets: literal values as given, `"$NAME"` / `"${NAME}"` read from the host environment
 * (`$HF_TOKEN` is the session's token), and the HF token added as `HF_TOKEN` unless told not to.
 */
function resolveSecrets(input: JobSpecInput, options: JobSpecOptions): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.secrets ?? {})) {
    const variable = hostReference(value);
    if (variable === undefined) {
      if (value.trim().startsWith('$')) throw new ToolExecutionError(`secrets.${name} is "${value}", which is not a host variable reference: use "$NAME" or "\${NAME}" to forward one, or give the value itself.`);
      secrets[name] = value;
      continue;
    }
    const forwarded = TOKEN_VARIABLES.has(variable) && options.passToken && options.token ? options.token : options.hostEnv?.[variable];
    if (!forwarded) throw new ToolExecutionError(`secrets.${name} forwards $${variable}, which is not set in this machine's environment; set it (and list it in config jobs.forward_env to forward it without asking), or give the value itself.`);
    secrets[name] = forwarded;
  }
  if (options.passToken && options.token && secrets.HF_TOKEN === undefined) {
    secrets.HF_TOKEN = options.token;
    secrets.HUGGINGFACE_HUB_TOKEN ??= options.token;
  }
  return secrets;
}

/**
 * Build image, command, environment and secrets for `run` / `scheduled run`. A script is a URL,
 * inline code, or a workspace file (read here, since the job cannot see the workspace); otherwise
 * an image plus command runs as is. The HF token goes in as an encrypted secret, never in env;
 * `"$NAME"` secrets are forwarded from the host environment.
 */
export async function buildJobSpec(input: JobSpecInput, options: JobSpecOptions): Promise<JobSpec> {
  const hasScript = input.script !== undefined && input.script.trim() !== '';
  const hasCommand = input.command !== undefined && input.command.length > 0;
  if (hasScript === hasCommand) throw new ToolExecutionError('run needs exactly one of script (Python, run with uv) or command (with an image).');
  const secrets = resolveSecrets(input, options);
  const environment: Record<string, string> = { ...DEFAULT_JOB_ENV };
  for (const [name, value] of Object.entries(input.env ?? {})) {
    // A token never travels in plain environment variables: it goes in as a secret.
    if (TOKEN_VARIABLES.has(name)) {
      secrets[name] ??= value;
      continue;
    }
    if (hostReference(value)) throw new ToolExecutionError(`env.${name} is "${value}": environment values are sent as written. Forward a host variable through secrets instead: secrets: {"${name}": "${value.trim()}"}.`);
    environment[name] = value;
  }
  if (hasCommand) {
    return { dockerImage: input.image ?? DEFAULT_DOCKER_IMAGE, command: input.command as string[], environment, secrets, kind: 'docker', source: 'command' };
  }
  const script = (input.script as string).trim();
  const image = input.image ?? UV_IMAGE;
  if (/^https?:\/\//i.test(script) && !script.includes('\n')) {
    return { dockerImage: image, command: uvArguments(input, script), environment, secrets, kind: 'python', source: script };
  }
  if (!script.includes('\n')) {
    // The workspace is elsewhere (a sandbox Space): the script the model wrote there.
    const elsewhere = await options.readWorkspaceFile?.(script);
    if (elsewhere !== undefined) {
      return { dockerImage: image, command: inlineCommand(input, elsewhere, path.posix.basename(script)), environment, secrets, kind: 'python', source: `sandbox file ${script}`, scriptText: elsewhere };
    }
    const file = path.resolve(options.cwd, script);
    const relative = path.relative(options.cwd, file);
    const inside = !relative.startsWith('..') && !path.isAbsolute(relative);
    const info = inside ? await stat(file).catch(() => undefined) : undefined;
    if (info?.isFile()) {
      const scriptText = await readFile(file, 'utf8');
      return { dockerImage: image, command: inlineCommand(input, scriptText, path.basename(file)), environment, secrets, kind: 'python', source: `workspace file ${relative}`, scriptText };
    }
    if (/\.py$/i.test(script)) throw new ToolExecutionError(`script file ${script} was not found in the workspace (${options.cwd}); pass inline code, a URL, or a workspace path.`);
  }
  return { dockerImage: image, command: inlineCommand(input, input.script as string, 'script.py'), environment, secrets, kind: 'python', source: 'inline script', scriptText: input.script as string };
}
