import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import path from 'node:path';

/** Limits applied to every command. */
export interface ProcessLimitOptions {
  /** Address space per process in MiB (RLIMIT_AS). `false` disables it. */
  memoryMiB?: number | false;
  /** CPU seconds per process (RLIMIT_CPU). Default: the call's timeout × CPU count. */
  cpuSeconds?: number | false;
  /** Processes per command. Default 1024. `false` disables it. */
  processes?: number | false;
}

/**
 * Shell `ulimit` commands (bash, dash, busybox sh) that set soft and hard rlimits on the shell
 * before it `exec`s the command, so they bind the command and everything it starts.
 */
export function ulimitCommands(limits: { memoryMiB?: number; cpuSeconds?: number; processes?: number }): string[] {
  const commands: string[] = [];
  if (limits.memoryMiB !== undefined) commands.push(`ulimit -v ${Math.floor(limits.memoryMiB * 1024)}`);
  if (limits.cpuSeconds !== undefined) commands.push(`ulimit -t ${Math.ceil(limits.cpuSeconds)}`);
  if (limits.processes !== undefined) commands.push(`ulimit -u ${Math.floor(limits.processes)}`);
  commands.push('ulimit -c 0');
  return commands;
}

/**
 * The directory of this process's cgroup in a hierarchy that has the pids controller, when
 * children with their own `pids.max` can be made there (cgroup v1 pids, or v2 with pids
 * delegated to this cgroup's children). RLIMIT_NPROC does not bind a launcher running as root
 * (the kernel exempts uid 0, also inside a user namespace), so a cgroup is the only way to
 * stop a fork bomb there.
 */
export function findPidsCgroup(files: { cgroup: string; mountinfo: string } = readProcFiles()): string | undefined {
  return findControllerCgroup('pids', files)?.directory;
}

/** This process's cgroup directory for `controller` (v1 hierarchy, or v2 with it delegated to children). */
export function findControllerCgroup(controller: string, files: { cgroup: string; mountinfo: string } = readProcFiles()): { directory: string; version: 1 | 2 } | undefined {
  const mounts = files.mountinfo.split('\n').map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const fields = left.split(' ');
    const [fsType = '', , superOptions = ''] = right.split(' ');
    return { root: fields[3] ?? '', mountPoint: fields[4] ?? '', fsType, superOptions: superOptions.split(',') };
  });
  for (const line of files.cgroup.split('\n')) {
    const [hierarchy, controllers = '', cgroupPath = ''] = line.split(':');
    if (hierarchy === undefined || cgroupPath === '') continue;
    const version1 = controllers.split(',').includes(controller);
    const version2 = hierarchy === '0' && controllers === '';
    if (!version1 && !version2) continue;
    const mount = mounts.find((candidate) =>
      version1 ? candidate.fsType === 'cgroup' && candidate.superOptions.includes(controller) : candidate.fsType === 'cgroup2',
    );
    if (!mount || !cgroupPath.startsWith(mount.root)) continue;
    const directory = path.join(mount.mountPoint, cgroupPath.slice(mount.root === '/' ? 0 : mount.root.length));
    if (version2 && !readText(path.join(directory, 'cgroup.subtree_control')).split(/\s+/).includes(controller)) continue;
    return { directory, version: version1 ? 1 : 2 };
  }
  return undefined;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readProcFiles(): { cgroup: string; mountinfo: string } {
  return { cgroup: readText('/proc/self/cgroup'), mountinfo: readText('/proc/self/mountinfo') };
}

/** A per-command child cgroup with `pids.max`; the command's launcher joins it before it starts. */
export interface PidsCgroup {
  readonly directory: string;
  /** The file a process writes its pid to in order to join the cgroup. */
  readonly processesFile: string;
  /** Remove the cgroup once the command's processes are gone. */
  dispose(): Promise<void>;
}

/** Create a child cgroup under `parent` limited to `limit` processes; throws when not allowed. */
export function createPidsCgroup(parent: string, limit: number): PidsCgroup {
  const directory = path.join(parent, `ml-intern-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(directory);
  try {
    writeFileSync(path.join(directory, 'pids.max'), String(limit));
  } catch (error) {
    rmdirSync(directory);
    throw error;
  }
  return {
    directory,
    processesFile: path.join(directory, 'cgroup.procs'),
    async dispose() {
      // The kernel refuses to remove a cgroup until its last process has been reaped. Removal
      // waits for the kernel (~1 ms): off the event loop, it does not delay the next model call.
      for (let attempt = 0; attempt < 40; attempt += 1) {
        try {
          await rmdir(directory);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 250)));
        }
      }
    },
  };
}
