import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryDirectories } from './testing.js';
import { JsonlSessionStore } from './session-log.js';
import { SessionLockedError, processStartTime } from './session-lock.js';
import type { SessionHeader } from './session-store.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());
const temporaryDirectory = (prefix: string) => directories.make(prefix);

const tempDir = () => temporaryDirectory('ml-intern-session-lock-');
const header = (id: string): SessionHeader => ({ id, model: 'm', cwd: '/w', started_at: '2025-01-01T00:00:00.000Z', config_digest: '' });
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function writeLock(store: JsonlSessionStore, id: string, holder: Record<string, unknown>): void {
  mkdirSync(store.dir, { recursive: true });
  writeFileSync(store.lockPathFor(id), JSON.stringify({ host: hostname(), since: '2025-01-01T00:00:00.000Z', token: 'other', ...holder }));
}

/** A live process that is not this one. */
async function liveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid as number;
}

describe('one writer per session log', () => {
  it('a second writer of the same session is refused until the first closes', async () => {
    const store = new JsonlSessionStore(tempDir());
    const first = store.create(header('s1'));
    expect(() => store.create(header('s1'))).toThrow(SessionLockedError);
    expect(() => new JsonlSessionStore(store.dir).create(header('s1'))).toThrow(/session s1 is in use by another session of this process/);
    const lock = JSON.parse(readFileSync(store.lockPathFor('s1'), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    if (process.platform === 'linux') expect(lock.start).toBe(processStartTime(process.pid));
    await first.close();
    expect(existsSync(store.lockPathFor('s1'))).toBe(false);
    const again = store.create(header('s1'));
    await again.close();
  });

  it('a live process holding the lock is named in the refusal', async () => {
    const store = new JsonlSessionStore(tempDir());
    const pid = await liveProcess();
    writeLock(store, 's2', { pid, ...(processStartTime(pid) ? { start: processStartTime(pid) } : {}) });
    const error = (() => {
      try {
        store.create(header('s2'));
      } catch (caught) {
        return caught;
      }
    })();
    expect(SessionLockedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`session s2 is in use by another ml-intern process (pid ${pid}, since 2025-01-01T00:00:00.000Z)`);
    expect(store.lockHolder('s2')?.pid).toBe(pid);
  });

  it('a lock left by a process that is gone is stale and taken over', async () => {
    const store = new JsonlSessionStore(tempDir());
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeLock(store, 's3', { pid: Number(gone.stdout) });
    expect(store.lockHolder('s3')).toBeUndefined();
    writeLock(store, 's3', { pid: Number(gone.stdout) });
    const writer = store.create(header('s3'));
    expect(JSON.parse(readFileSync(store.lockPathFor('s3'), 'utf8')).pid).toBe(process.pid);
    await writer.close();
  });

  it.skipIf(process.platform !== 'linux')('a lock whose pid now runs another process (reused pid, other start time) is stale', async () => {
    const store = new JsonlSessionStore(tempDir());
    const pid = await liveProcess();
    writeLock(store, 's4', { pid, start: '1' });
    const writer = store.create(header('s4'));
    await writer.close();
  });

  it('lock() takes the lock now and the next create of that id adopts it', async () => {
    const store = new JsonlSessionStore(tempDir());
    store.lock('s5');
    expect(() => new JsonlSessionStore(store.dir).lock('s5')).toThrow(SessionLockedError);
    const writer = store.create(header('s5'));
    expect(() => store.create(header('s5'))).toThrow(SessionLockedError);
    await writer.close();
    expect(store.lockHolder('s5')).toBeUndefined();
  });
});

describe('prune', () => {
  function age(target: string, days: number): void {
    const when = new Date(Date.now() - days * 86_400_000);
    utimesSync(target, when, when);
  }

  it('removes old logs with their data folders, keeps recent ones and logs in use', async () => {
    const dir = tempDir();
    const store = new JsonlSessionStore(dir);
    for (const id of ['old', 'recent', 'busy']) {
      const writer = store.create(header(id));
      writer.append({ kind: 'message', message: { role: 'user', content: id } });
      await writer.close();
      mkdirSync(path.join(dir, id, 'spill'), { recursive: true });
      writeFileSync(path.join(dir, id, 'spill', 'call_1.txt'), 'x'.repeat(1000));
    }
    mkdirSync(path.join(dir, 'orphan', 'spill'), { recursive: true });
    age(path.join(dir, 'orphan'), 40);
    age(store.pathFor('old'), 40);
    age(store.pathFor('busy'), 40);
    const pid = await liveProcess();
    writeLock(store, 'busy', { pid, ...(processStartTime(pid) ? { start: processStartTime(pid) } : {}) });

    const dry = store.prune({ olderThanMs: 30 * 86_400_000, dryRun: true });
    expect(dry.removed.map((item) => item.id)).toEqual(['old']);
    expect(existsSync(store.pathFor('old'))).toBe(true);

    const result = store.prune({ olderThanMs: 30 * 86_400_000 });
    expect(result.removed.map((item) => item.id)).toEqual(['old']);
    expect(result.inUse.map((item) => item.id)).toEqual(['busy']);
    expect(result.bytes).toBeGreaterThan(1000);
    expect(existsSync(store.pathFor('old'))).toBe(false);
    expect(existsSync(path.join(dir, 'old'))).toBe(false);
    expect(existsSync(path.join(dir, 'orphan'))).toBe(false);
    expect(existsSync(store.pathFor('recent'))).toBe(true);
    expect(existsSync(path.join(dir, 'recent', 'spill', 'call_1.txt'))).toBe(true);
    expect(existsSync(store.pathFor('busy'))).toBe(true);
  });
});
