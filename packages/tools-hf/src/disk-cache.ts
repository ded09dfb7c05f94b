import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A value served from the cache or the network. */
export interface CachedValue<T> {
  value: T;
  fetchedAt: number;
  /** `stale` means the refresh failed and an expired copy is served. */
  source: 'memory' | 'disk' | 'network' | 'stale';
}

/**
 * A JSON cache on disk with a TTL plus an in-memory layer. Best effort: an unwritable directory
 * only loses persistence, never fails a tool call.
 */
export interface CachedLoader<T> {
  get(load: () => Promise<T>): Promise<CachedValue<T>>;
}

function fileFor(directory: string, key: string): string {
  return path.join(directory, `${key.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 150)}.json`);
}

async function readEntry<T>(file: string): Promise<{ value: T; fetchedAt: number } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { fetchedAt?: unknown; value?: unknown };
    if (typeof parsed.fetchedAt !== 'number' || parsed.value === undefined) return undefined;
    return { value: parsed.value as T, fetchedAt: parsed.fetchedAt };
  } catch {
    return undefined;
  }
}

async function writeEntry(file: string, value: unknown, fetchedAt: number): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, JSON.stringify({ fetchedAt, value }), 'utf8');
    await rename(temporary, file);
  } catch {
    // persistence is optional
  }
}

/** Create a loader for one cache key under `directory`, fresh for `ttlMs`. */
export function createCachedLoader<T>(directory: string, key: string, ttlMs: number): CachedLoader<T> {
  const file = fileFor(directory, key);
  let memory: { value: T; fetchedAt: number } | undefined;
  let inflight: Promise<CachedValue<T>> | undefined;
  const fresh = (fetchedAt: number) => Date.now() - fetchedAt < ttlMs;

  async function refresh(load: () => Promise<T>): Promise<CachedValue<T>> {
    const disk = memory ?? (await readEntry<T>(file));
    if (disk && fresh(disk.fetchedAt)) {
      const source = memory ? 'memory' : 'disk';
      memory = disk;
      return { ...disk, source };
    }
    try {
      const value = await load();
      const fetchedAt = Date.now();
      memory = { value, fetchedAt };
      await writeEntry(file, value, fetchedAt);
      return { value, fetchedAt, source: 'network' };
    } catch (error) {
      if (disk) return { ...disk, source: 'stale' };
      throw error;
    }
  }

  return {
    get(load) {
      if (memory && fresh(memory.fetchedAt)) return Promise.resolve({ ...memory, source: 'memory' });
      inflight ??= refresh(load).finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
  };
}
