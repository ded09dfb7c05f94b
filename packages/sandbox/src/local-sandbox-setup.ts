import { execFile } from 'node:child_process';
import { type BigIntStats, type Dirent, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { availableParallelism, homedir, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { type BackgroundProbe, isExecutableFile, type PythonInstallation, probePython, queryNvidiaGpus, readDeviceDirectory, selectNvidiaDevices, settledProbe } from './host-probe.js';
import { findPidsCgroup } from './process-limits.js';
import { protectedKind } from './protected-paths.js';
import type { GpuInfo, SandboxLimits } from './sandbox.js';
import { buildSandboxEnvironment } from './sandbox-environment.js';
import type { LocalSandboxOptions } from './local-sandbox.js';

export const SANDBOX_HOME = '/tmp/home';
export const DEFAULT_PROCESS_LIMIT = 1024;
// Home directories hold credentials (~/.cache/huggingface/token, ~/.ssh); /run holds sockets
// (docker.sock, the D-Bus bus) that a network namespace does not cut off.
// Secrets of the host: inside the sandbox the command's uid maps to the host's root, so root-only
// files would be readable unless they are hidden (/etc/ssh holds the host keys).
const HIDDEN_DIRECTORIES = ['/root', '/home', '/run', '/var/run', '/etc/ssh'];
const HIDDEN_FILES = ['/etc/shadow', '/etc/gshadow'];

/** What the local sandbox decided at creation. */
export interface LocalConfiguration {
  options: LocalSandboxOptions;
  workspace: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
  bwrapPath: string;
  sandboxed: boolean;
  network: boolean;
  shell: string;
  runAsNobody: boolean;
  warn(message: string): void;
}

/** What the sandbox learned from probing the host, once, apart from the Python interpreter. */
export interface HostFacts {
  devices: string[];
  gpus: GpuInfo[];
  pidsCgroup: string | undefined;
}

/** Everything a command needs: the host facts and the interpreter to make visible. */
export interface HostSetup extends HostFacts {
  python: PythonInstallation | undefined;
}

/** The host probes, started together; describe() needs only `facts`, a command also `python`. */
export interface HostProbes {
  /** Bubblewrap self-test, GPU devices and query, pids cgroup. */
  facts: Promise<HostFacts>;
  /** The interpreter's installation; slow behind a pyenv shim, so it runs in the background. */
  python: BackgroundProbe<PythonInstallation | undefined>;
}

export function existingDirectory(candidate: string): boolean {
  try {
    return lstatSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

function existing(candidate: string): boolean {
  try {
    lstatSync(candidate);
    return true;
  } catch {
    return false;
  }
}

const STAT_COMMAND = ['/usr/bin/stat', '/bin/stat'].find(isExecutableFile);

/** A path bound read-only over itself, and what it was (`device:inode`) when it was chosen. */
export interface ProtectedMount {
  path: string;
  identity: string;
}

/**
 * The workspace entries commands may not change: `.git` (unless `gitWritable`), `.ml-intern`,
 * and the top-level `.env*`, `AGENTS.md` and `ML_INTERN.md` files, each as it exists now. A symbolic link is never bound: bwrap
 * would follow it, and a link planted by an earlier command (`.git -> ../../root`) would show
 * its target, hidden host files included, inside the sandbox. The identity recorded here (from
 * lstat, of the workspace's own entry) is checked again inside the sandbox before the command
 * runs, so an entry swapped for a link between now and the mount is caught too.
 *
 * Paths that do not exist cannot be protected by mounts: a command may create `.env` or
 * `.ml-intern/config.json` where there was none (and nested `.git` directories are not bound).
 * Project trust, which records content hashes of these files and asks before honouring changed
 * ones, is the defence there.
 */
export function protectedMounts(workspace: string, gitWritable: boolean): ProtectedMount[] {
  let entries: string[];
  try {
    entries = readdirSync(workspace);
  } catch {
    return [];
  }
  const mounts: ProtectedMount[] = [];
  for (const name of entries.sort()) {
    const kind = protectedKind(name, { gitWritable });
    if (!kind) continue;
    const candidate = path.join(workspace, name);
    let info: BigIntStats;
    try {
      info = lstatSync(candidate, { bigint: true });
    } catch {
      continue; // vanished meanwhile
    }
    // `.env*` means files: a virtualenv named `.env` stays writable for pip.
    if (kind === 'environment' || kind === 'project instructions' ? !info.isFile() : !info.isFile() && !info.isDirectory()) continue;
    mounts.push({ path: candidate, identity: `${info.dev}:${info.ino}` });
  }
  return mounts;
}

function realpathSyncSafe(entry: string): string | undefined {
  try {
    return realpathSync(entry);
  } catch {
    return undefined;
  }
}

/** Start probing the interpreter, the GPUs, bubblewrap itself and the pids cgroup; warn about what is missing. */
export function probeHost(configuration: LocalConfiguration): HostProbes {
  const { hostEnv } = configuration;
  const probeEnvironment = buildSandboxEnvironment(hostEnv, {}, { home: hostEnv.HOME ?? homedir(), tmp: tmpdir() });
  // The probes are independent child processes: run them together (startup latency).
  return { python: probeInterpreter(configuration, probeEnvironment), facts: probeFacts(configuration, probeEnvironment) };
}

function probeInterpreter(configuration: LocalConfiguration, probeEnvironment: Record<string, string>): BackgroundProbe<PythonInstallation | undefined> {
  const { options, warn } = configuration;
  if (options.python === false) return settledProbe(undefined);
  const command = options.python ?? 'python3';
  const probe = probePython(command, probeEnvironment);
  const result = probe.result.then((python) => {
    if (!python) warn(`${command} was not found on the host PATH; Python scripts use whatever python3 the sandbox PATH provides.`);
    return python;
  });
  return { result, hold: probe.hold };
}

async function probeFacts(configuration: LocalConfiguration, probeEnvironment: Record<string, string>): Promise<HostFacts> {
  const { options, warn } = configuration;
  const testing = configuration.sandboxed ? selfTest(configuration.bwrapPath, configuration.runAsNobody) : Promise.resolve(undefined);
  let devices: string[] = [];
  let querying: Promise<GpuInfo[]> = Promise.resolve([]);
  if (options.gpu !== false) {
    devices = selectNvidiaDevices((options.gpu?.probeDevices ?? readDeviceDirectory)());
    if (devices.length > 0) {
      querying = (options.gpu?.queryGpus ?? (() => queryNvidiaGpus(probeEnvironment)))().catch((error: Error) => {
        warn(`NVIDIA devices exist but nvidia-smi failed (${error.message}); GPUs are bound but not described.`);
        return [];
      });
    }
  }
  const [failure, gpus] = await Promise.all([testing, querying]);
  if (failure) warn(`bubblewrap is installed but could not create a sandbox here (${failure}); commands will fail until this is fixed.`);
  const pidsCgroup = options.limits?.processes === false ? undefined : findPidsCgroup();
  if (configuration.runAsNobody && !pidsCgroup && options.limits?.processes !== false) {
    warn('running as root without a usable pids cgroup: the kernel does not apply RLIMIT_NPROC to root, so a runaway fork is stopped only by the timeout.');
  }
  return { devices, gpus, pidsCgroup };
}

/** The limits of one command: configured values, else defaults sized to this machine and call. */
export function limitsFor(configured: LocalSandboxOptions['limits'] = {}, setup: HostFacts, timeoutMs: number): SandboxLimits {
  const limits: SandboxLimits = {};
  // CUDA reserves far more address space than it uses, so RLIMIT_AS would break GPU jobs.
  // A memory cgroup counts what is used, so it suits GPU jobs too (RLIMIT_AS would not: CUDA
  // reserves far more address space than it uses; see local-sandbox.ts).
  const memory = configured.memoryMiB ?? Math.floor((totalmem() * 0.75) / 2 ** 20);
  if (memory !== false) {
    limits.memoryMiB = memory;
    limits.memoryLimitBy = 'rlimit';
  }
  const cpu = configured.cpuSeconds ?? Math.ceil(timeoutMs / 1000) * availableParallelism() + 5;
  if (cpu !== false) limits.cpuSeconds = cpu;
  const processes = configured.processes ?? DEFAULT_PROCESS_LIMIT;
  if (processes !== false) {
    limits.processes = processes;
    limits.processLimitBy = setup.pidsCgroup ? 'cgroup' : 'rlimit';
  }
  return limits;
}

const NESTED_SKIP = new Set(['node_modules', '__pycache__', '.venv', 'venv', 'site-packages']);

/**
 * Git directories below the top level of the workspace (nested repositories, `.git` folders and
 * bare layouts: `HEAD`, `objects/`, `refs/`), depth 3 at most, real directories only (never a
 * link), to bind read-only with their identity. Ones made later, or past the first 2,000 folders,
 * are checked after each command.
 */
export function nestedGitDirectories(workspace: string, budget = 2_000): ProtectedMount[] {
  const found: ProtectedMount[] = [];
  const identify = (candidate: string): void => {
    try {
      const info = lstatSync(candidate, { bigint: true });
      if (info.isFile() || info.isDirectory()) found.push({ path: candidate, identity: `${info.dev}:${info.ino}` });
    } catch {
      // gone meanwhile
    }
  };
  let queue: Array<[string, number]> = [[workspace, 0]];
  let visited = 0;
  while (queue.length > 0 && visited < budget) {
    const next: Array<[string, number]> = [];
    for (const [directory, depth] of queue) {
      visited += 1;
      let entries: Dirent[];
      try {
        // The entry types come with the listing: no lstat per entry.
        entries = readdirSync(directory, { withFileTypes: true });
      } catch {
        continue;
      }
      const names = new Set(entries.map((entry) => entry.name));
      if (directory !== workspace && names.has('HEAD') && names.has('objects') && names.has('refs')) {
        for (const part of ['HEAD', 'config', 'objects', 'refs', 'hooks', 'info', 'packed-refs']) {
          if (names.has(part)) identify(path.join(directory, part));
        }
        continue;
      }
      for (const entry of entries) {
        // A link is never a directory here, so links are neither followed nor bound.
        if (!entry.isDirectory()) continue;
        const candidate = path.join(directory, entry.name);
        if (entry.name === '.git') {
          if (directory !== workspace) identify(candidate);
          continue;
        }
        if (depth < 3 && !NESTED_SKIP.has(entry.name)) next.push([candidate, depth + 1]);
      }
    }
    queue = next;
  }
  return found;
}

/** Start an empty sandbox once, so a host without user namespaces is reported up front. */
function selfTest(bwrapPath: string, runAsNobody: boolean): Promise<string | undefined> {
  const args = ['--unshare-all', ...(runAsNobody ? ['--unshare-user', '--uid', '65534', '--gid', '65534'] : []), '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--', 'true'];
  return new Promise((resolve) => {
    execFile(bwrapPath, args, { timeout: 10_000, env: {} }, (error, _stdout, stderr) => {
      resolve(error ? stderr.trim() || error.message : undefined);
    });
  });
}
