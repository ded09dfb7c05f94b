import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

type Env = Record<string, string | undefined>;

function expandHome(value: string, env: Env): string {
  if (value === '~' || value.startsWith('~/')) return path.join(env.HOME || homedir(), value.slice(1));
  return value;
}

/**
 * Where the `hf` CLI (huggingface_hub) keeps the token: `$HF_TOKEN_PATH`, else `$HF_HOME/token`,
 * with `HF_HOME` defaulting to `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`.
 */
export function hfTokenPath(env: Env): string {
  if (env.HF_TOKEN_PATH) return expandHome(env.HF_TOKEN_PATH, env);
  const cache = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME, env) : path.join(env.HOME || homedir(), '.cache');
  const home = env.HF_HOME ? expandHome(env.HF_HOME, env) : path.join(cache, 'huggingface');
  return path.join(home, 'token');
}

/** The token saved by `hf auth login` (or by ml-intern), or undefined when there is none. */
export function readStoredHfToken(env: Env): string | undefined {
  try {
    const token = readFileSync(hfTokenPath(env), 'utf8').trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}

/** Save a token where the `hf` CLI reads it, readable by the owner only (0600). Returns the path. */
export function storeHfToken(token: string, env: Env): string {
  const file = hfTokenPath(env);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, token.trim(), { mode: 0o600 });
  // writeFileSync keeps the mode of an existing file; tighten it in case it was wider.
  chmodSync(file, 0o600);
  return file;
}

/** The token from `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`) or the token file, if any. */
export function findHfToken(env: Env): string | undefined {
  return env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim() || readStoredHfToken(env);
}
