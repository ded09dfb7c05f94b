import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_MAX_OUTPUT_CHARS = 25_000;

export interface CappedOutput {
  text: string;
  truncated: boolean;
  spillPath?: string;
}

function safeFileName(id: string): string {
  return id.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 120) || 'output';
}

/**
 * Cap a tool output at `maxChars` (head 25% + tail 75%, SPEC section 3). The full text is written
 * to `<spillDir>/<id>.txt` and the model is told where, so nothing is lost.
 */
export async function capToolOutput(text: string, options: { id: string; spillDir: string; maxChars?: number }): Promise<CappedOutput> {
  const maxChars = options.maxChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  if (text.length <= maxChars) return { text, truncated: false };
  const spillPath = path.join(options.spillDir, `${safeFileName(options.id)}.txt`);
  let where = `saved to ${spillPath}; read it with the read tool (offset/limit) if you need the middle`;
  try {
    await mkdir(options.spillDir, { recursive: true });
    await writeFile(spillPath, text, 'utf8');
  } catch (error) {
    where = `could not be saved (${(error as Error).message})`;
  }
  const head = Math.floor(maxChars * 0.25);
  const tail = maxChars - head;
  const omitted = text.length - head - tail;
  const marker = `\n\n[… ${omitted} characters omitted. Full output (${text.length} characters) ${where}.]\n\n`;
  return {
    text: text.slice(0, head) + marker + text.slice(text.length - tail),
    truncated: true,
    ...(where.startsWith('saved') ? { spillPath } : {}),
  };
}
