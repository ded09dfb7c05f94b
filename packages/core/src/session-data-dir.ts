import { copyFileSync, linkSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { History } from '@ml-intern/context';
import type { SessionOptions } from './session-options.js';

/** Spill files and scratch of session `id`: the given `dataDir`, else `<dataRoot>/<id>`. */
export function sessionDataDir(options: Pick<SessionOptions, 'dataDir' | 'dataRoot'>, id: string): string {
  return options.dataDir ?? path.join(options.dataRoot ?? path.join(tmpdir(), 'ml-intern'), id);
}

/**
 * A fork's history points at spill files in the parent's data folder (`parentDir`), which this
 * session's file tools may not read: link (or copy) them into this session's own (`dataDir`) and
 * point there.
 */
export function adoptSpillFiles(history: History, parentDir: string, dataDir: string): void {
  const from = path.join(parentDir, 'spill') + path.sep;
  const to = path.join(dataDir, 'spill') + path.sep;
  if (from === to) return;
  // A path ends at white space, a quote, a bracket or sentence punctuation.
  const pattern = new RegExp(`${escapeRegExp(from)}[^\\s'"\`)\\];,]*[^\\s'"\`)\\];,.:]`, 'g');
  const moved = new Map<string, string | undefined>();
  const move = (source: string): string | undefined => {
    if (moved.has(source)) return moved.get(source);
    const target = to + source.slice(from.length);
    let result: string | undefined = target;
    try {
      mkdirSync(path.dirname(target), { recursive: true });
      try {
        linkSync(source, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') copyFileSync(source, target);
      }
    } catch {
      result = undefined; // Gone (a cleaned temp folder): the old path stays as it was.
    }
    moved.set(source, result);
    return result;
  };
  let changed = false;
  const messages = history.messages.map((message) => {
    if (message.role !== 'tool' || (!message.content.includes(from) && !message.spillPath?.startsWith(from))) return message;
    const content = message.content.replace(pattern, (source) => move(source) ?? source);
    const spillPath = message.spillPath?.startsWith(from) ? (move(message.spillPath) ?? message.spillPath) : message.spillPath;
    if (content === message.content && spillPath === message.spillPath) return message;
    changed = true;
    return { ...message, content, ...(spillPath === undefined ? {} : { spillPath }) };
  });
  if (changed) history.replaceAll(messages);
}

/**
 * A session ended (or rotated away): its scratch goes. Spill files stay while its log exists
 * (`logOpened`: a resume may need them); without a log the whole folder goes.
 */
export function cleanSessionScratch(dir: string, logOpened: boolean): void {
  try {
    if (!logOpened) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    // Checkpoints stay with the log too (`sessions show --diff`).
    for (const name of readdirSync(dir)) if (name !== 'spill' && name !== 'checkpoints') rmSync(path.join(dir, name), { recursive: true, force: true });
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Already gone, or busy: nothing to report at shutdown.
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
