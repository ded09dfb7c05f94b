import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, ToolExecutionError } from '@ml-intern/core';
import { readHostFile, realpathHost, statHostPath, writeHostFileAtomically, writeHostFileNoFollow } from './host-files.js';
import { findExecutable, isExecutableFile, type DeviceProbe } from './host-probe.js';
import { bubblewrapArgumentsFor, DEFAULT_PROCESS_LIMIT, existingDirectory, type HostProbes, type HostSetup, limitsFor, type LocalConfiguration, probeHost, SANDBOX_HOME } from './local-sandbox-setup.js';
import { OutputCollector } from './output-collector.js';
import { type ProcessLimitOptions, ulimitCommands } from './process-limits.js';
import { runProcess } from './run-process.js';
import type { ExecOptions, ExecResult, GpuInfo, Sandbox, SandboxDescription, SandboxLimits } from './sandbox.js';
import { buildSandboxEnvironment, type SandboxEnvironmentOptions } from './sandbox-environment.js';
import { createShellLauncher, quoteForShell } from './shell-launcher.js';

/** Wall-clock limit of `exec` when the caller gives none. */
export const DEFAULT_EXEC_TIMEOUT_MS = 120_000;

/** Options of `createLocalSandbox`. The app passes the host environment; nothing is read from `process.env` here. */
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
  /**
   * `none`: run commands directly on this machine even when bubblewrap is installed (the apps'
   * `tool_runtime: "local"`); like a missing bubblewrap, it is announced and every bash call asks
   * for approval. Default `bubblewrap`.
   */
  isolation?: 'bubblewrap' | 'none';
  /**
   * Ignored: rlimits are set by the launch shell's `ulimit` builtin, which needs no extra process.
   * @deprecated
   */
  prlimitPath?: string;
  /** Shell running each command (default /bin/bash, else /bin/sh). */
  shell?: string;
  /** Memory, CPU-time and process limits per command. */
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
  const sandboxed = options.isolation !== 'none' && isExecutableFile(bwrapPath);
  const network = sandboxed ? options.network === true : true;
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
  const configuration: LocalConfiguration = { options, workspace, hostEnv, bwrapPath, sandboxed, network, shell, runAsNobody, warn };
  if (options.isolation === 'none') {
    warn('commands run directly on this machine without a sandbox (tool_runtime "local": no network, file system or process isolation), so every bash call asks for approval. Use tool_runtime "sandbox" to run them in bubblewrap.');
  } else if (!sandboxed) {
    warn(`bubblewrap was not found at ${bwrapPath}: commands run directly on this machine without a sandbox (no network, file system or process isolation), so every bash call asks for approval. Install bubblewrap to sandbox them.`);
  }
  let probes: (HostProbes & { ready: Promise<HostSetup> }) | undefined;
  let hostSetup: HostSetup | undefined;
  // bash's ulimit also sets RLIMIT_NPROC (dash's has no -u); the shell runs only until its exec.
  const launcher = createShellLauncher({
    shell: isExecutableFile('/bin/bash') ? '/bin/bash' : '/bin/sh',
    pidsCgroup: () => {
      const processes = options.limits?.processes ?? DEFAULT_PROCESS_LIMIT;
      return hostSetup?.pidsCgroup && processes !== false ? { parent: hostSetup.pidsCgroup, limit: processes } : undefined;
    },
    onCgroupFailure: () => {
      if (hostSetup) hostSetup.pidsCgroup = undefined;
    },
  });
  // All probes start on the first describe() or exec(). describe() waits only for the facts it
  // reports; the Python probe (~100 ms through a pyenv shim) keeps running, and the first
  // command's launch shell is prepared as soon as it answers.
  function startProbes() {
    if (probes) return probes;
    const started = probeHost(configuration);
    const ready = Promise.all([started.facts, started.python.result]).then(([facts, python]) => {
      // One object, so a cgroup failure noted by the launcher also shows in describe().
      const state: HostSetup = Object.assign(facts, { python });
      hostSetup = state;
      launcher.prepare(environmentFor(state));
      return state;
    });
    // Reported to exec(); describe() reports a failure of the facts itself.
    ready.catch(() => {});
    probes = { ...started, ready };
    return probes;
  }

  /** The full host setup; the Python probe holds this process open while a command waits for it. */
  async function setup(): Promise<HostSetup> {
    if (hostSetup) return hostSetup;
    const { python, ready } = startProbes();
    const release = python.hold();
    try {
      return await ready;
    } finally {
      release();
    }
  }

  function environmentFor(state: HostSetup): Record<string, string> {
    return buildSandboxEnvironment(hostEnv, options.env ?? {}, {
      home: sandboxed ? SANDBOX_HOME : (hostEnv.HOME ?? homedir()),
      tmp: sandboxed ? '/tmp' : (hostEnv.TMPDIR ?? tmpdir()),
      pathPrefix: state.python ? [state.python.binDirectory] : [],
    });
  }

  /** The launch shell's script: the rlimits, then `exec` of bwrap (or of the bare shell in `cwd`). */
  function launchScript(state: HostSetup, command: string, cwd: string, limits: SandboxLimits): string {
    const argv = sandboxed ? [bwrapPath, ...bubblewrapArgumentsFor(configuration, state, command, cwd)] : [shell, '-c', command];
    const rlimits = { ...limits, ...(limits.processLimitBy === 'cgroup' ? { processes: undefined } : {}) };
    const steps = sandboxed ? [] : [`cd ${quoteForShell(cwd)}`, 'unset OLDPWD'];
    steps.push(...ulimitCommands(rlimits), `exec ${argv.map(quoteForShell).join(' ')}`);
    return steps.join(' && ');
  }

  async function exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
    const state = await setup();
    const cwd = path.resolve(workspace, execOptions.cwd ?? '.');
    if (!isWithin(cwd, workspace)) throw new ToolExecutionError(`working directory ${cwd} is outside the workspace ${workspace}`);
    const timeoutMs = execOptions.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const collector = new OutputCollector({
      ...(execOptions.maxOutputChars === undefined ? {} : { maxChars: execOptions.maxOutputChars }),
      ...(execOptions.spillFile === undefined ? {} : { spillFile: execOptions.spillFile }),
      ...(execOptions.onOutput === undefined ? {} : { onLine: execOptions.onOutput }),
    });
    if (execOptions.signal?.aborted) return { exitCode: null, output: '', durationMs: 0, timedOut: false, aborted: true, totalChars: 0, truncated: false };
    const environment = environmentFor(state);
    const launch = launcher.take(environment);
    const limits = limitsFor(options.limits, state, timeoutMs);
    if (limits.processes !== undefined) limits.processLimitBy = launch.cgroup ? 'cgroup' : 'rlimit';
    try {
      const child = launch.begin(launchScript(state, command, cwd, limits), collector);
      // The next command's shell joins its cgroup while this one runs (see createShellLauncher).
      setImmediate(() => launcher.prepare(environment));
      const outcome = await runProcess({
        child,
        collector,
        timeoutMs,
        ...(execOptions.signal === undefined ? {} : { signal: execOptions.signal }),
      });
      const collected = await collector.finish();
      return { ...outcome, output: collected.text, totalChars: collected.totalChars, truncated: collected.truncated, ...(collected.spillPath ? { spillPath: collected.spillPath } : {}) };
    } finally {
      // Removal waits for the kernel to reap the sandbox's last processes; the result need not.
      void launch.cgroup?.dispose();
    }
  }

  async function describe(): Promise<SandboxDescription> {
    const state = await startProbes().facts;
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
      limits: limitsFor(options.limits, state, DEFAULT_EXEC_TIMEOUT_MS),
      // The warnings so far: one from a probe still running arrives through onWarning and later descriptions.
      warnings: [...warnings],
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
    writeFileNoFollow: writeHostFileNoFollow,
    stat: statHostPath,
    realpath: realpathHost,
    describe,
  };
}
