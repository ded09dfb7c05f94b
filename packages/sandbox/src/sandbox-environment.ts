import { ConfigError } from '@ml-intern/core';

/** Variables copied from the host by default: none of them carries a credential. */
export const DEFAULT_ENVIRONMENT_ALLOW_LIST: readonly string[] = [
  'PATH',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'LC_NUMERIC',
  'TERM',
  'COLORTERM',
  'TZ',
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
  'OMP_NUM_THREADS',
];

export const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Which variables reach commands. Secrets are passed only when named in `passthrough`. */
export interface SandboxEnvironmentOptions {
  /** Host variables to copy even though they may be secret, e.g. `['WANDB_API_KEY']`. */
  passthrough?: readonly string[];
  /** Variables set to fixed values (override everything else). */
  set?: Readonly<Record<string, string>>;
  /** Replaces the default allow-list of harmless host variables. */
  allow?: readonly string[];
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Build the environment commands run with: allow-listed host variables, the named passthrough
 * variables, then fixed ones. `HOME` and `TMPDIR` point at the sandbox's private scratch space,
 * and Python output is unbuffered so logs stream while a script runs.
 */
export function buildSandboxEnvironment(
  hostEnvironment: Readonly<Record<string, string | undefined>>,
  options: SandboxEnvironmentOptions,
  fixed: { home: string; tmp: string; pathPrefix?: readonly string[] },
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of [...(options.allow ?? DEFAULT_ENVIRONMENT_ALLOW_LIST), ...(options.passthrough ?? [])]) {
    if (!VARIABLE_NAME.test(name)) throw new ConfigError(`invalid environment variable name "${name}"`, { keyPath: 'env' });
    const value = hostEnvironment[name];
    if (value !== undefined) environment[name] = value;
  }
  const prefix = fixed.pathPrefix ?? [];
  const hostPath = (environment.PATH ?? FALLBACK_PATH).split(':').filter((entry) => entry !== '' && !prefix.includes(entry));
  environment.PATH = [...prefix, ...hostPath].join(':');
  environment.HOME = fixed.home;
  environment.TMPDIR = fixed.tmp;
  environment.PYTHONUNBUFFERED = '1';
  environment.LANG ??= 'C.UTF-8';
  for (const [name, value] of Object.entries(options.set ?? {})) {
    if (!VARIABLE_NAME.test(name)) throw new ConfigError(`invalid environment variable name "${name}"`, { keyPath: 'env.set' });
    environment[name] = value;
  }
  return environment;
}
