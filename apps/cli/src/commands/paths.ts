import { homedir } from 'node:os';
import path from 'node:path';

/** Input history of the interactive chat: `$XDG_STATE_HOME/ml-intern/history`. */
export function defaultHistoryFile(env: Record<string, string | undefined>): string {
  const base = env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state');
  return path.join(base, 'ml-intern', 'history');
}
