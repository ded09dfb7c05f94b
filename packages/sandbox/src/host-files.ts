import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileStat } from './sandbox.js';

/**
 * A refusal or failure of a file operation, with a stable `code` (`refused`, `not_regular`,
 * `too_large`, `not_found`). No dependency on @ml-intern/core: this module also runs inside the
 * sandbox host, and clients turn these into tool errors.
 */
export class HostFileError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'HostFileError';
    this.code = code;
  }
}

/** Largest whole-file read (the `read` tool pages bigger files with a byte range). */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

function describeType(info: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isDirectory(): boolean }): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Read a regular file, or `length` bytes of it from byte `start`. Anything else (a FIFO, a
 * socket, a device, a directory) is refused at once, before it is opened: reading a FIFO would
 * wait for a writer forever. The file is opened non-blocking and checked again (a swap between
 * the two checks is refused too).
 */
export async function readRegularFile(file: string, range: { start?: number; length?: number } = {}): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    if (isMissing(error)) throw new HostFileError('not_found', `${file} does not exist`);
    throw error;
  }
  if (!info.isFile()) throw new HostFileError('not_regular', `${file} is ${describeType(info)}; only regular files can be read`);
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new HostFileError('not_regular', `${file} is ${describeType(opened)}; only regular files can be read`);
    const start = Math.max(0, range.start ?? 0);
    const available = Math.max(0, opened.size - start);
    const length = Math.min(range.length ?? available, available);
    if (length > MAX_READ_BYTES) throw new HostFileError('too_large', `${file} is ${opened.size} bytes; read at most ${MAX_READ_BYTES} bytes at a time`);
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === length ? buffer : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function readHostFile(file: string): Promise<Uint8Array> {
  return readRegularFile(file);
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

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function linkRefusal(relative: string, component: string): HostFileError {
  return new HostFileError('refused', `refused: ${relative} is written without following symbolic links, and ${component} is one (or changed while it was written).`);
}

/** `/proc/self/fd/N/name` resolves `name` inside the directory open as fd N, like openat(2). */
const PROC_FD = existsSync('/proc/self/fd') ? '/proc/self/fd' : undefined;

/**
 * Replace `relative` (a posix path below the directory `root`) atomically, creating missing
 * directories, without following a symbolic link in any component below `root`: each directory
 * is opened with O_NOFOLLOW relative to the one before (through /proc/self/fd, Node having no
 * openat), so a link swapped in while it runs is refused rather than followed. The temporary file
 * is created with O_EXCL | O_NOFOLLOW and renamed over the last component (a rename replaces a
 * link, never writes through it). An existing file keeps its permission bits. Without /proc it
 * falls back to checking each component with lstat first.
 */
export async function writeHostFileNoFollow(root: string, relative: string, data: Uint8Array | string): Promise<void> {
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.');
  const name = parts.pop();
  if (name === undefined || parts.includes('..') || name === '..') throw new HostFileError('refused', `cannot write ${relative}: not a file path below ${root}`);
  if (!PROC_FD) {
    await checkComponents(root, [...parts, name], relative);
    await writeHostFileAtomically(path.join(root, ...parts, name), data);
    return;
  }
  let directory: FileHandle = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const walked: string[] = [];
    for (const part of parts) {
      walked.push(part);
      const next = await openDirectoryNoFollow(`${PROC_FD}/${directory.fd}/${part}`, walked.join('/'), relative);
      await directory.close();
      directory = next;
    }
    const at = (entry: string) => `${PROC_FD}/${directory.fd}/${entry}`;
    const existing = await lstat(at(name)).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (existing?.isSymbolicLink()) throw linkRefusal(relative, relative);
    if (existing && !existing.isFile()) throw new HostFileError('not_regular', `${relative} exists and is not a regular file`);
    const mode = existing ? existing.mode & 0o7777 : 0o644;
    const temporary = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(at(temporary), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      await handle.writeFile(data);
      if (existing) await handle.chmod(mode);
      await handle.sync();
      await handle.close();
      await rename(at(temporary), at(name));
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(at(temporary), { force: true });
      throw error;
    }
  } finally {
    await directory.close().catch(() => {});
  }
}

async function openDirectoryNoFollow(at: string, shown: string, relative: string): Promise<FileHandle> {
  const flags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
  try {
    return await open(at, flags);
  } catch (error) {
    if (errorCode(error) === 'ELOOP') throw linkRefusal(relative, shown);
    if (errorCode(error) === 'ENOTDIR') {
      if ((await lstat(at).catch(() => undefined))?.isSymbolicLink()) throw linkRefusal(relative, shown);
      throw new HostFileError('refused', `cannot write ${relative}: ${shown} is not a directory`);
    }
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  await mkdir(at).catch((error: unknown) => {
    if (errorCode(error) !== 'EEXIST') throw error;
  });
  try {
    return await open(at, flags);
  } catch (error) {
    if (errorCode(error) === 'ELOOP' || errorCode(error) === 'ENOTDIR') throw linkRefusal(relative, shown);
    throw error;
  }
}

/** The fallback without /proc: no component below `root` may be a symbolic link (checked, then written). */
async function checkComponents(root: string, parts: string[], relative: string): Promise<void> {
  let current = root;
  for (const [index, part] of parts.entries()) {
    current = path.join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) return;
    if (info.isSymbolicLink()) throw linkRefusal(relative, parts.slice(0, index + 1).join('/'));
  }
}
