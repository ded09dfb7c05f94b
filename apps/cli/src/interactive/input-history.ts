import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** How many inputs are kept by default. */
export const INPUT_HISTORY_LIMIT = 500;

/**
 * Earlier inputs, newest first (the order readline wants), at most `limit`. A missing or
 * unreadable file is an empty history: history is a convenience, never a reason to fail.
 */
export function loadInputHistory(file: string, limit = INPUT_HISTORY_LIMIT): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(0, limit);
  } catch {
    return [];
  }
}

/**
 * Write the history, newest first, one input per line. The file is private (0600): people paste
 * things like tokens at a prompt. Returns an error message instead of throwing.
 */
export function saveInputHistory(file: string, entries: readonly string[], limit = INPUT_HISTORY_LIMIT): string | undefined {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const lines = entries.filter((line) => line.trim() !== '' && !line.includes('\n')).slice(0, limit);
    writeFileSync(file, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    return undefined;
  } catch (error) {
    return `cannot save the input history to ${file}: ${(error as Error).message}`;
  }
}
