import { createHash } from 'node:crypto';

// Model APIs accept [a-zA-Z0-9_-]{1,64}; tool names must also start with a letter (core's defineTool).
const MAX_NAME_LENGTH = 64;
const INVALID_CHARACTERS = /[^a-zA-Z0-9_-]/g;

function sanitize(part: string): string {
  const cleaned = part.replace(INVALID_CHARACTERS, '_');
  return cleaned === '' ? '_' : cleaned;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
}

/**
 * The name the model calls for tool `toolName` of server `serverName`: `server__tool`, with
 * characters model APIs refuse replaced by `_`, a leading non-letter prefixed with `mcp_`, and
 * names over 64 characters shortened with a hash of the full name so they stay distinct.
 */
export function namespacedToolName(serverName: string, toolName: string): string {
  let name = `${sanitize(serverName)}__${sanitize(toolName)}`;
  if (!/^[a-zA-Z]/.test(name)) name = `mcp_${name}`;
  if (name.length > MAX_NAME_LENGTH) {
    const suffix = `_${shortHash(`${serverName}\u0000${toolName}`)}`;
    name = name.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
  }
  return name;
}

/**
 * `name` if it is free, else `name_2`, `name_3`, … (kept within 64 characters). The chosen name
 * is added to `taken`.
 */
export function claimToolName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let index = 2; taken.has(candidate); index += 1) {
    const suffix = `_${index}`;
    candidate = name.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
  }
  taken.add(candidate);
  return candidate;
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('')
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** Which of a server's tools to expose, from its `include_tools` / `exclude_tools` globs. */
export function createToolFilter(options: { include?: readonly string[]; exclude?: readonly string[] }): (toolName: string) => boolean {
  const include = options.include?.map(globToRegExp);
  const exclude = (options.exclude ?? []).map(globToRegExp);
  return (toolName) => {
    if (include && !include.some((pattern) => pattern.test(toolName))) return false;
    return !exclude.some((pattern) => pattern.test(toolName));
  };
}
