import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from './process-alive.js';
import { findControllerCgroup } from './process-limits.js';

/**
 * The cgroups of one sandbox session: a memory limit (cgroup v2 `memory.max` or v1
 * `memory.limit_in_bytes`) and a process limit (`pids.max`) over everything the sandbox runs,
 * the host and all its commands together. The sandbox joins them before bubblewrap starts, so
 * nothing inside can leave them (the cgroup file system is not mounted there). Removed when the
 * session ends; ones left by a session that was killed are removed by the next one.
 */
export interface SessionCgroups {
  /** `cgroup.procs` files the launcher writes its pid to before it execs bubblewrap. */
  readonly procsFiles: string[];
  readonly memory?: { limitMiB: number; by: 'cgroup v1' | 'cgroup v2' };
  /** The file whose `oom_kill N` line counts the processes killed for memory (v1 memory.oom_control, v2 memory.events). */
  readonly memoryEventsFile?: string;
  readonly processes?: number;
  /** Remove the cgroups once their processes are gone (retries while the kernel reaps them). */
  dispose(): Promise<void>;
  /** Best effort, synchronous (process exit). */
  disposeSync(): void;
}

const PREFIX = 'ml-intern-';

/** Remove `ml-intern-<pid>-…` cgroups of processes that no longer exist (empty ones only). */
export function sweepStaleCgroups(parent: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return 0;
  }
  for (const name of names) {
    const match = /^ml-intern-(\d+)-[0-9a-f]+$/.exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    try {
      rmdirSync(path.join(parent, name));
      removed += 1;
    } catch {
      // still has processes, or not ours to remove
    }
  }
  return removed;
}

function makeCgroup(parent: string, settings: Record<string, string>): string {
  const directory = path.join(parent, `${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(directory);
  try {
    for (const [file, value] of Object.entries(settings)) writeFileSync(path.join(directory, file), value);
  } catch (error) {
    rmdirSync(directory);
    throw error;
  }
  return directory;
}

export interface SessionCgroupOptions {
  memoryMiB?: number;
  processes?: number;
}

/** Create the session's cgroups; `warnings` says what could not be limited. */
export function createSessionCgroups(options: SessionCgroupOptions): { cgroups: SessionCgroups; warnings: string[] } {
  const warnings: string[] = [];
  const directories: string[] = [];
  let memory: SessionCgroups['memory'];
  let processes: number | undefined;
  if (options.memoryMiB !== undefined) {
    const found = findControllerCgroup('memory');
    if (!found) {
      warnings.push('no memory cgroup can be created here (neither cgroup v2 memory.max nor v1 memory.limit_in_bytes), so memory is limited per process (RLIMIT_AS) only.');
    } else {
      sweepStaleCgroups(found.directory);
      const bytes = String(Math.floor(options.memoryMiB * 1024 * 1024));
      try {
        const settings: Record<string, string> = found.version === 1 ? { 'memory.limit_in_bytes': bytes } : { 'memory.max': bytes };
        directories.push(makeCgroup(found.directory, settings));
        if (found.version === 2) {
          try {
            writeFileSync(path.join(directories.at(-1) as string, 'memory.swap.max'), '0');
          } catch {
            // no swap accounting
          }
        }
        memory = { limitMiB: options.memoryMiB, by: found.version === 1 ? 'cgroup v1' : 'cgroup v2' };
      } catch (error) {
        warnings.push(`a memory cgroup could not be created in ${found.directory} (${(error as Error).message}), so memory is limited per process (RLIMIT_AS) only.`);
      }
    }
  }
  if (options.processes !== undefined) {
    const found = findControllerCgroup('pids');
    const memoryDirectory = directories[0];
    if (found && memoryDirectory && path.dirname(memoryDirectory) === found.directory) {
      // v2: one cgroup carries both limits.
      try {
        writeFileSync(path.join(memoryDirectory, 'pids.max'), String(options.processes));
        processes = options.processes;
      } catch {
        // fall through: no process limit
      }
    } else if (found) {
      sweepStaleCgroups(found.directory);
      try {
        directories.push(makeCgroup(found.directory, { 'pids.max': String(options.processes) }));
        processes = options.processes;
      } catch {
        // reported below
      }
    }
    if (processes === undefined) warnings.push('no pids cgroup can be created here, so a fork bomb in the sandbox is stopped only by the timeout (the kernel exempts root from RLIMIT_NPROC).');
  }
  let disposed = false;
  const cgroups: SessionCgroups = {
    procsFiles: directories.map((directory) => path.join(directory, 'cgroup.procs')),
    ...(memory ? { memory, memoryEventsFile: path.join(directories[0] as string, memory.by === 'cgroup v1' ? 'memory.oom_control' : 'memory.events') } : {}),
    ...(processes === undefined ? {} : { processes }),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all(
        directories.map(async (directory) => {
          for (let attempt = 0; attempt < 30; attempt += 1) {
            try {
              await rmdir(directory);
              return;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
              await new Promise((resolve) => setTimeout(resolve, Math.min(10 * 2 ** attempt, 200)));
            }
          }
        }),
      );
    },
    disposeSync() {
      for (const directory of directories) {
        try {
          rmdirSync(directory);
        } catch {
          // processes still exiting: the next session sweeps it
        }
      }
    },
  };
  return { cgroups, warnings };
}

/** Processes still in a cgroup (for tests and diagnostics). */
export function cgroupProcesses(procsFile: string): number[] {
  try {
    return readFileSync(procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
