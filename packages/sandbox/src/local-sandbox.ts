import { execFile } from 'node:child_process';
import { lstatSync, realpathSync } from 'node:fs';
import { availableParallelism, homedir, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { ConfigError, ToolExecutionError } from '@ml-intern/core';
import { buildBubblewrapArguments } from './bubblewrap-arguments.js';
import { readHostFile, realpathHost, statHostPath, writeHostFileAtomically } from './host-files.js';
import { findExecutable, isExecutableFile, type DeviceProbe, type PythonInstallation, probePython, queryNvidiaGpus, readDeviceDirectory, selectNvidiaDevices } from './host-probe.js';
import { OutputCollector } from './output-collector.js';
import { createPidsCgroup, findPidsCgroup, type PidsCgroup, type ProcessLimitOptions, prlimitArguments } from './process-limits.js';
import { runProcess } from './run-process.js';
import type { ExecOptions, ExecResult, GpuInfo, Sandbox, SandboxDescription, SandboxLimits } from './sandbox.js';
import { buildSandboxEnvironment, type SandboxEnvironmentOptions } from './sandbox-environment.js';

export const DEFAULT_EXEC_TIMEOUT_MS = 120_000;
const DEFAULT_PROCESS_LIMIT = 1024;
const SANDBOX_HOME = '/tmp/home';
const HIDDEN_DIRECTORIES = ['/root', '/home', '/run'];
const HIDDEN_FILES = ['/etc/shadow', '/etc/gshadow', '/etc/ssh'];

export interface LocalSandboxOptions {
  /** Read-write workspace for commands and the file tools. Default: the current directory. */
  workspace?: string;
  /** The host environment to copy allow-listed and passthrough variables from (apps pass `process.env`). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Which variables commands see: an allow-list, `passthrough` for named secrets, fixed `set` values. */
  env?: SandboxEnvironmentOptions;
  /** Let commands reach the network (default false: a network namespace with only loopback). */
  network?: boolean;
  /** Path of the bwrap binary (default: found on PATH). When it does not exist, commands run unsandboxed and every bash call asks for approval. */
  bwrapPath?: string;
  /** Path of util-linux `prlimit` (default: found on PATH). */
  prlimitPath?: string;
  /** Shell running each command (default /bin/bash, else /bin/sh). */
  shell?: string;
  limits?: ProcessLimitOptions;
  /** Let commands write `.git` inside the workspace (default false: it is bound read-only). */
  gitWritable?: boolean;
  /** Extra host paths visible read-only although they sit under a hidden directory. */
  readOnlyPaths?: readonly string[];
  /** Extra host paths bound read-write. */
  writablePaths?: readonly string[];
  /** Extra host directories or files to hide (home directories, /run and /etc/shadow always are). */
  hiddenPaths?: readonly string[];
  /** Interpreter whose installation is made visible and put first on PATH (default `python3`); false to skip. */
  python?: string | false;
  /** GPU discovery; injectable so device binding is testable without a GPU. false disables GPUs. */
  gpu?: false | { probeDevices?: DeviceProbe; queryGpus?: () => Promise<GpuInfo[]> };
  /** Called once per isolation problem (e.g. bubblewrap missing), besides `describe().warnings`. */
  onWarning?: (message: string) => void;
}

interface Setup {
  python: PythonInstallation | undefined;
  devices: string[];
  gpus: GpuInfo[];
  pidsCgroup: string | undefined;
}

function existingDirectory(candidate: string): boolean {
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

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** A sandbox on this machine: bubblewrap when available, otherwise an openly unsandboxed runtime. */
export interface LocalSandbox extends Sandbox {
  readonly warnings: readonly string[];
}

/**
 * Create the local runtime. With bubblewrap, each command gets new namespaces (no network unless
 * `network`), the host root read-only, home directories and /run hidden, a private /tmp, the
 * workspace read-write (its `.git` read-only), rlimits and a pids cgroup, and dies with its
 * parent. Without bubblewrap it says so, runs commands directly, and reports `sandboxed: false`.
 */
export function createLocalSandbox(options: LocalSandboxOptions = {}): LocalSandbox {
  const workspace = path.resolve(options.workspace ?? process.cwd());
  if (workspace === '/') throw new ConfigError('the sandbox workspace cannot be the root directory', { keyPath: 'workspace' });
  if (!existingDirectory(workspace)) throw new ConfigError(`sandbox workspace ${workspace} is not a directory`, { keyPath: 'workspace' });
  const hostEnv = options.hostEnv ?? {};
  const bwrapPath = options.bwrapPath ?? findExecutable('bwrap', hostEnv.PATH) ?? '/usr/bin/bwrap';
  const sandboxed = isExecutableFile(bwrapPath);
  const network = sandboxed ? options.network === true : true;
  const prlimitPath = options.prlimitPath ?? findExecutable('prlimit', hostEnv.PATH);
  const shell = options.shell ?? (isExecutableFile('/bin/bash') ? '/bin/bash' : '/bin/sh');
  // Python and privileges (ECOSYSTEM.md section 4): dropping to uid 65534 with setpriv before
  // bwrap would make the root-owned workspace unwritable and the pyenv interpreter under /root
  // unreachable. So a root launcher keeps its uid outside but runs the command as nobody in a user
  // namespace with every capability dropped, and confidentiality comes from the mount view: home
  // directories and /run are hidden, and only the interpreter's prefix (probed with `python3`) is
  // bound back read-only and put first on PATH, so `python3 -c "import numpy"` works.
  const runAsNobody = process.getuid?.() === 0;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  if (!sandboxed) {
    warn(`bubblewrap was not found at ${bwrapPath}: commands run directly on this machine without a sandbox (no network, file system or process isolation), so every bash call asks for approval. Install bubblewrap to sandbox them.`);
  }
  if (!prlimitPath || !isExecutableFile(prlimitPath)) warn('prlimit (util-linux) was not found: memory and CPU-time limits are not applied, nor the process limit where no pids cgroup is available.');

  let setupPromise: Promise<Setup> | undefined;
  const setup = () => (setupPromise ??= runSetup());
  async function runSetup(): Promise<Setup> {
    const probeEnvironment = buildSandboxEnvironment(hostEnv, {}, { home: hostEnv.HOME ?? homedir(), tmp: tmpdir() });
    const python = options.python === false ? undefined : await probePython(options.python ?? 'python3', probeEnvironment);
    if (options.python !== false && !python) warn(`${options.python ?? 'python3'} was not found on the host PATH; Python scripts use whatever python3 the sandbox PATH provides.`);
    let devices: string[] = [];
    let gpus: GpuInfo[] = [];
    if (options.gpu !== false) {
      devices = selectNvidiaDevices((options.gpu?.probeDevices ?? readDeviceDirectory)());
      if (devices.length > 0) {
        gpus = await (options.gpu?.queryGpus ?? (() => queryNvidiaGpus(probeEnvironment)))().catch((error: Error) => {
          warn(`NVIDIA devices exist but nvidia-smi failed (${error.message}); GPUs are bound but not described.`);
          return [];
        });
      }
    }
    if (sandboxed) {
      const failure = await selfTest(bwrapPath, runAsNobody);
      if (failure) warn(`bubblewrap is installed but could not create a sandbox here (${failure}); commands will fail until this is fixed.`);
    }
    const pidsCgroup = options.limits?.processes === false ? undefined : findPidsCgroup();
    if (runAsNobody && !pidsCgroup && options.limits?.processes !== false) {
      warn('running as root without a usable pids cgroup: the kernel does not apply RLIMIT_NPROC to root, so a runaway fork is stopped only by the timeout.');
    }
    return { python, devices, gpus, pidsCgroup };
  }

  function limitsFor(state: Setup, timeoutMs: number): SandboxLimits {
    const configured = options.limits ?? {};
    const limits: SandboxLimits = {};
    // CUDA reserves far more address space than it uses, so RLIMIT_AS would break GPU jobs.
    const memory = configured.memoryMiB ?? (state.devices.length > 0 ? false : Math.floor((totalmem() * 0.75) / 2 ** 20));
    if (memory !== false) limits.memoryMiB = memory;
    const cpu = configured.cpuSeconds ?? Math.ceil(timeoutMs / 1000) * availableParallelism() + 5;
    if (cpu !== false) limits.cpuSeconds = cpu;
    const processes = configured.processes ?? DEFAULT_PROCESS_LIMIT;
    if (processes !== false) {
      limits.processes = processes;
      limits.processLimitBy = state.pidsCgroup ? 'cgroup' : 'rlimit';
    }
    return limits;
  }

  function bubblewrapArguments(state: Setup, command: string, cwd: string): string[] {
    const homes = [...HIDDEN_DIRECTORIES, ...(hostEnv.HOME ? [hostEnv.HOME] : []), ...(options.hiddenPaths ?? [])].map((entry) => path.resolve(entry));
    const readOnlyPaths = [...(state.python?.prefixes ?? []), ...(options.readOnlyPaths ?? [])];
    if (network) readOnlyPaths.push('/etc/resolv.conf');
    const gitDirectory = path.join(workspace, '.git');
    return buildBubblewrapArguments({
      workspace,
      cwd,
      network,
      runAsNobody,
      hiddenDirectories: [...new Set(homes)].filter(existingDirectory),
      hiddenFiles: [...HIDDEN_FILES, ...(options.hiddenPaths ?? [])].filter((entry) => existing(entry) && !existingDirectory(entry)),
      // Resolved, so a resolv.conf symlink into the hidden /run still works with network on.
      readOnlyPaths: readOnlyPaths.map((entry) => realpathSyncSafe(entry)).filter((entry): entry is string => entry !== undefined),
      writablePaths: (options.writablePaths ?? []).filter(existing),
      protectedPaths: options.gitWritable || !existing(gitDirectory) ? [] : [gitDirectory],
      devices: state.devices,
      home: SANDBOX_HOME,
      shell,
      command,
    });
  }

  async function exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
    const state = await setup();
    const cwd = path.resolve(workspace, execOptions.cwd ?? '.');
    if (!isWithin(cwd, workspace)) throw new ToolExecutionError(`working directory ${cwd} is outside the workspace ${workspace}`);
    const timeoutMs = execOptions.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const limits = limitsFor(state, timeoutMs);
    const environment = buildSandboxEnvironment(hostEnv, options.env ?? {}, {
      home: sandboxed ? SANDBOX_HOME : (hostEnv.HOME ?? homedir()),
      tmp: sandboxed ? '/tmp' : (hostEnv.TMPDIR ?? tmpdir()),
      pathPrefix: state.python ? [state.python.binDirectory] : [],
    });
    let argv = sandboxed ? [bwrapPath, ...bubblewrapArguments(state, command, cwd)] : [shell, '-c', command];
    let cgroup: PidsCgroup | undefined;
    if (limits.processLimitBy === 'cgroup' && state.pidsCgroup && limits.processes !== undefined) {
      try {
        cgroup = createPidsCgroup(state.pidsCgroup, limits.processes);
      } catch {
        state.pidsCgroup = undefined;
        limits.processLimitBy = 'rlimit';
      }
    }
    if (prlimitPath && isExecutableFile(prlimitPath)) {
      const rlimits = { ...limits, ...(cgroup ? { processes: undefined } : {}) };
      argv = [prlimitPath, ...prlimitArguments(rlimits), '--', ...argv];
    }
    if (cgroup) argv = cgroup.wrap(argv);
    const collector = new OutputCollector({
      ...(execOptions.maxOutputChars === undefined ? {} : { maxChars: execOptions.maxOutputChars }),
      ...(execOptions.spillFile === undefined ? {} : { spillFile: execOptions.spillFile }),
      ...(execOptions.onOutput === undefined ? {} : { onLine: execOptions.onOutput }),
    });
    try {
      const outcome = await runProcess({
        argv,
        cwd,
        environment,
        collector,
        timeoutMs,
        ...(execOptions.signal === undefined ? {} : { signal: execOptions.signal }),
      });
      const collected = await collector.finish();
      return { ...outcome, output: collected.text, totalChars: collected.totalChars, truncated: collected.truncated, ...(collected.spillPath ? { spillPath: collected.spillPath } : {}) };
    } finally {
      // Removal waits for the kernel to reap the sandbox's last processes; the result need not.
      void cgroup?.dispose();
    }
  }

  async function describe(): Promise<SandboxDescription> {
    const state = await setup();
    const description: SandboxDescription = {
      runtime: sandboxed ? 'bubblewrap' : 'local-unsandboxed',
      sandboxed,
      network,
      workspace,
      user: !sandboxed
        ? `uid ${process.getuid?.() ?? 'unknown'} (the host user; not sandboxed)`
        : runAsNobody
          ? 'nobody (uid 65534) in a user namespace, no capabilities; only bound paths are reachable'
          : `uid ${process.getuid?.() ?? 'unknown'} in a user namespace, no capabilities`,
      limits: limitsFor(state, DEFAULT_EXEC_TIMEOUT_MS),
      warnings,
    };
    if (state.gpus.length > 0) description.gpu = state.gpus;
    return description;
  }

  return {
    workspace,
    runtime: sandboxed ? 'bubblewrap' : 'local-unsandboxed',
    sandboxed,
    network,
    get warnings() {
      return warnings;
    },
    exec,
    readFile: readHostFile,
    writeFile: writeHostFileAtomically,
    stat: statHostPath,
    realpath: realpathHost,
    describe,
  };
}

function realpathSyncSafe(entry: string): string | undefined {
  try {
    return realpathSync(entry);
  } catch {
    return undefined;
  }
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
