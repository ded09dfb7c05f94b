import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { processAlive } from './process-alive.js';

/**
 * The record of one live sandbox Space, kept in the data dir while a session holds it. A run that
 * ends normally deletes the Space and then its lease; a crash leaves the lease, so the next start
 * on this machine finds the orphan and deletes it.
 */
export interface SpaceLease {
  repoId: string;
  hardware: string;
  /** USD per hour when known (for `ml-intern sandboxes`' cost so far). */
  hourlyUsd?: number;
  /** ISO time the Space was created. */
  createdAt: string;
  /** The process holding it, on `host`. */
  pid: number;
  host: string;
  sessionId?: string;
  state: 'creating' | 'running';
}

export interface SpaceLeaseStore {
  readonly dir: string;
  write(lease: SpaceLease): void;
  remove(repoId: string): void;
  list(): SpaceLease[];
  /** Whether the process holding the lease is alive (always false for another machine's lease we cannot check). */
  isLive(lease: SpaceLease): boolean;
  /** Leases of this machine whose process is gone: Spaces a crashed run left behind. */
  orphans(): SpaceLease[];
}

function fileName(repoId: string): string {
  return `${repoId.replace(/[^\w.-]+/g, '__')}.json`;
}

export function createSpaceLeaseStore(dir: string): SpaceLeaseStore {
  const thisHost = hostname();
  const store: SpaceLeaseStore = {
    dir,
    write(lease) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const target = path.join(dir, fileName(lease.repoId));
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(lease, null, 2)}\n`, { mode: 0o600 });
      renameSync(temporary, target);
    },
    remove(repoId) {
      rmSync(path.join(dir, fileName(repoId)), { force: true });
    },
    list() {
      let names: string[];
      try {
        names = readdirSync(dir).filter((name) => name.endsWith('.json'));
      } catch {
        return [];
      }
      const leases: SpaceLease[] = [];
      for (const name of names) {
        try {
          const value = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as SpaceLease;
          if (typeof value.repoId === 'string' && typeof value.pid === 'number') leases.push(value);
        } catch {
          // a lease being written, or damaged: skipped
        }
      }
      return leases.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    isLive(lease) {
      return lease.host === thisHost && processAlive(lease.pid);
    },
    orphans() {
      return store.list().filter((lease) => lease.host === thisHost && !processAlive(lease.pid));
    },
  };
  return store;
}
