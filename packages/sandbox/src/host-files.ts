import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileStat } from './sandbox.js';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function readHostFile(file: string): Promise<Uint8Array> {
  return readFile(file);
}

/**
 * Write through a temporary file in the same directory, flushed and renamed over the target,
 * so a reader never sees half a file. An existing file keeps its permission bits.
 */
export async function writeHostFileAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const directory = path.dirname(file);
  await mkdir(directory, { recursive: true });
  const existing = await stat(file).catch(() => undefined);
  const temporary = path.join(directory, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', existing ? existing.mode & 0o7777 : 0o644);
  try {
    await handle.writeFile(data);
    if (existing) await handle.chmod(existing.mode & 0o7777);
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function statHostPath(file: string): Promise<FileStat | undefined> {
  try {
    const info = await stat(file);
    return { type: info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other', size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export async function realpathHost(file: string): Promise<string | undefined> {
  try {
    return await realpath(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
