import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, ToolExecutionError } from '@ml-intern/core';
import { sandboxHostCode } from './host-code.js';
import { HOST_LOADER, type HostClient, type HostLaunch, startHost } from './host-client.js';
import { findExecutable, isExecutableFile, type DeviceProbe } from './host-probe.js';
import type { HostConfig } from './host-service.js';
import { DEFAULT_PROCESS_LIMIT, existingDirectory, type HostProbes, type HostSetup, limitsFor, type LocalConfiguration, probeHost, protectedMounts, nestedGitDirectories, SANDBOX_HOME } from './local-sandbox-setup.js';
import { DEFAULT_ALLOWED_DOMAINS, type Egress, type EgressResolver, EGRESS_PROXY_PORT, egressEnvironment, HUB_FORWARDER_PORT, startEgress } from './egress-proxy.js';
import { EGRESS_MOUNT, sandboxArguments } from './mount-plan.js';
import { OutputCollector } from './output-collector.js';
import type { ProcessLimitOptions } from './process-limits.js';
import type { ExecOptions, ExecResult, FileStat, GpuInfo, NetworkMode, Sandbox, SandboxDescription } from './sandbox.js';
import { buildSandboxEnvironment, type SandboxEnvironmentOptions } from './sandbox-environment.js';
import { createSessionCgroups, type SessionCgroups } from './session-cgroup.js';

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
  /**
   * Network of commands. false (default): a network namespace with only loopback. `allowlist`:
   * the same namespace, plus a proxy this process runs outside the sandbox (reached over a Unix
   * socket bound in, relayed to `127.0.0.1:3128` inside, `HTTP(S)_PROXY` set) that lets through
   * only `allowedDomains`, and a Hub forwarder (`HF_ENDPOINT=http://127.0.0.1:3129`) that adds the
   * user's token outside; the host's Hub and pip caches are mounted read-only. true: the host's network.
   */
  network?: boolean | 'allowlist';
  /** Domains added to the default allow-list (egress-proxy.ts DEFAULT_ALLOWED_DOMAINS) in `allowlist` mode. */
  allowedDomains?: readonly string[];
  /** Replaces the default allow-list (tests). */
  baseAllowedDomains?: readonly string[];
  /** The Hub behind the forwarder: endpoint (default the host's HF_ENDPOINT, else https://huggingface.co), token, writes allowed. */
  hub?: { endpoint?: string; token?: string; write?: boolean };
  /** Where an allowed host:port really goes (tests map fake domains to local servers). */
  egressResolver?: EgressResolver;
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
  /**
   * Limits. `memoryMiB` bounds the memory of everything the sandbox runs together (a memory
   * cgroup; per process with RLIMIT_AS where no cgroup can be made), default three quarters of
   * this machine's RAM; `processes` bounds the session's processes (a pids cgroup); `cpuSeconds`
   * is per process (RLIMIT_CPU).
   */
  limits?: ProcessLimitOptions;
  /**
   * Applied to spill files (the complete output of a long command) before they are written; the
   * apps pass the session's redactor. The output returned goes through the tool router's.
   */
  redact?: (text: string) => string;
  /** Largest spill file in bytes (default 64 MiB). */
  maxSpillBytes?: number;
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
  /** Start the sandbox host now (otherwise the first call starts it); resolves when it is ready. */
  start(): Promise<void>;
  /** End the host and every process it started, and remove the session's cgroups. */
  close(): Promise<void>;
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function resolved(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

// Joins the session's cgroups, runs bubblewrap, then leaves and removes them once the sandbox is
// gone, also when the CLI was killed. $1: how many cgroup.procs files follow, then the program.
const LAUNCH_SCRIPT = [
  'n=$1; shift; joined=""',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; joined="$joined ${1%/cgroup.procs}"; shift; n=$((n-1)); done',
  'trap "" INT TERM HUP',
  '"$@"; status=$?',
  'for d in $joined; do echo $$ > "${d%/*}/cgroup.procs" 2>/dev/null; rmdir "$d" 2>/dev/null; done',
  'exit $status',
].join('\n');

/**
 * Create the local runtime: one sandbox host per session, started lazily (or with `start()`),
 * inside bubblewrap when available: an allow-list of mounts (no home directories, no host /tmp,
 * /run or sockets), new namespaces (no network unless `network`), no new user namespaces, the
 * workspace read-write with its `.git`, `.ml-intern` and `.env*` read-only, the session in memory
 * and pids cgroups. Commands are the host's children; the file tools resolve paths in its mount
 * namespace. Without bubblewrap (or with isolation `none`) the same host runs directly, and says so.
 */
export function createLocalSandbox(options: LocalSandboxOptions = {}): LocalSandbox {
  const workspace = path.resolve(options.workspace ?? process.cwd());
  if (workspace === '/') throw new ConfigError('the sandbox workspace cannot be the root directory', { keyPath: 'workspace' });
  if (!existingDirectory(workspace)) throw new ConfigError(`sandbox workspace ${workspace} is not a directory`, { keyPath: 'workspace' });
  const hostEnv = options.hostEnv ?? {};
  const bwrapPath = options.bwrapPath ?? findExecutable('bwrap', hostEnv.PATH) ?? '/usr/bin/bwrap';
  const sandboxed = options.isolation !== 'none' && isExecutableFile(bwrapPath);
  const networkMode: NetworkMode = !sandboxed || options.network === true ? 'full' : options.network === 'allowlist' ? 'allowlist' : 'off';
  const network = networkMode === 'full';
  const shell = options.shell ?? (isExecutableFile('/bin/bash') ? '/bin/bash' : '/bin/sh');
  // A root launcher keeps its uid outside (dropping it makes the root-owned workspace unwritable,
  // ECOSYSTEM.md section 4) and runs as nobody in a user namespace with no capabilities; what is
  // not world-readable on the host is simply not mounted.
  const runAsNobody = process.getuid?.() === 0;
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (warnings.includes(message)) return;
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
  let cgroups: SessionCgroups | undefined;
  let host: Promise<HostClient> | undefined;
  let closed = false;
  let egress: Promise<Egress> | undefined;

  function startEgressOnce(): Promise<Egress> {
    egress ??= startEgress({
      ...(options.baseAllowedDomains ? { domains: options.baseAllowedDomains } : {}),
      extraDomains: options.allowedDomains ?? [],
      ...(options.egressResolver ? { resolve: options.egressResolver } : {}),
      hubEndpoint: options.hub?.endpoint ?? hostEnv.HF_ENDPOINT ?? 'https://huggingface.co',
      ...(options.hub?.token ? { hubToken: options.hub.token } : {}),
      hubWrite: options.hub?.write === true,
    });
    return egress;
  }

  /** The host's Hub cache (never HF_HOME itself, which holds the token) and pip cache, when they exist. */
  function sharedCaches(): string[] {
    const home = hostEnv.HOME ?? homedir();
    const hfHome = hostEnv.HF_HOME ?? path.join(home, '.cache', 'huggingface');
    const candidates = [hostEnv.HF_HUB_CACHE ?? path.join(hfHome, 'hub'), hostEnv.PIP_CACHE_DIR ?? path.join(home, '.cache', 'pip')];
    return candidates.filter((candidate) => existingDirectory(candidate)).map(resolved);
  }

  function startProbes() {
    if (probes) return probes;
    const started = probeHost(configuration);
    const ready = Promise.all([started.facts, started.python.result]).then(([facts, python]): HostSetup => Object.assign(facts, { python }));
    ready.catch(() => {});
    probes = { ...started, ready };
    return probes;
  }

  function environmentFor(state: HostSetup): Record<string, string> {
    const base = buildSandboxEnvironment(hostEnv, options.env ?? {}, {
      home: sandboxed ? SANDBOX_HOME : (hostEnv.HOME ?? homedir()),
      tmp: sandboxed ? '/tmp' : (hostEnv.TMPDIR ?? tmpdir()),
      pathPrefix: state.python ? [state.python.binDirectory] : [],
    });
    return networkMode === 'allowlist' ? { ...base, ...egressEnvironment() } : base;
  }

  function memoryLimit(): number | undefined {
    const configured = options.limits?.memoryMiB;
    if (configured === false) return undefined;
    return configured ?? limitsFor(options.limits, { devices: [], gpus: [], pidsCgroup: undefined }, 0).memoryMiB;
  }

  function describeNow(state: HostSetup): SandboxDescription {
    const limits = limitsFor(options.limits, state, DEFAULT_EXEC_TIMEOUT_MS);
    if (cgroups) {
      if (cgroups.memory) {
        limits.memoryMiB = cgroups.memory.limitMiB;
        limits.memoryLimitBy = cgroups.memory.by;
      }
      if (cgroups.processes !== undefined) {
        limits.processes = cgroups.processes;
        limits.processLimitBy = 'cgroup';
      } else if (limits.processes !== undefined) {
        limits.processLimitBy = 'rlimit';
      }
    }
    const description: SandboxDescription = {
      runtime: sandboxed ? 'bubblewrap' : 'local-unsandboxed',
      sandboxed,
      network,
      networkMode,
      ...(networkMode === 'allowlist' ? { allowedDomains: [...(options.baseAllowedDomains ?? DEFAULT_ALLOWED_DOMAINS), ...(options.allowedDomains ?? [])] } : {}),
      workspace,
      user: !sandboxed
        ? `uid ${process.getuid?.() ?? 'unknown'} (the host user; not sandboxed)`
        : runAsNobody
          ? 'nobody (uid 65534) in a user namespace, no capabilities, no new user namespaces; only world-readable system files and the workspace are mounted'
          : `uid ${process.getuid?.() ?? 'unknown'} in a user namespace, no capabilities, no new user namespaces; only system files and the workspace are mounted`,
      limits,
      warnings: [...warnings],
    };
    if (state.gpus.length > 0) description.gpu = state.gpus;
    return description;
  }

  /** The session's cgroups, made once (they need no probe). */
  function prepareCgroups(): void {
    if (!sandboxed || cgroups || closed) return;
    const processes = options.limits?.processes === false ? undefined : (options.limits?.processes ?? DEFAULT_PROCESS_LIMIT);
    const memoryMiB = memoryLimit();
    const created = createSessionCgroups({ ...(memoryMiB === undefined ? {} : { memoryMiB }), ...(processes === undefined ? {} : { processes }) });
    cgroups = created.cgroups;
    for (const message of created.warnings) warn(message);
  }

  async function launch(holdProbe: boolean): Promise<HostClient> {
    const { python, ready } = startProbes();
    // The Python probe holds no event-loop reference of its own: hold it while a call waits for it.
    const release = holdProbe ? python.hold() : () => {};
    let state: HostSetup;
    try {
      state = await ready;
    } finally {
      release();
    }
    if (closed) throw new ToolExecutionError('the sandbox is closed');
    const processes = options.limits?.processes === false ? undefined : (options.limits?.processes ?? DEFAULT_PROCESS_LIMIT);
    const memoryMiB = memoryLimit();
    prepareCgroups();
    const limits = limitsFor(options.limits, state, DEFAULT_EXEC_TIMEOUT_MS);
    const rlimits: HostConfig['rlimits'] = {};
    if (options.limits?.cpuSeconds !== false && limits.cpuSeconds !== undefined) rlimits.cpuSeconds = limits.cpuSeconds;
    // Without a memory cgroup the limit is per process (RLIMIT_AS), as before; CUDA breaks under it.
    if (memoryMiB !== undefined && !cgroups?.memory && (options.limits?.memoryMiB !== undefined || state.devices.length === 0)) rlimits.memoryMiB = memoryMiB;
    if (sandboxed && processes !== undefined && cgroups?.processes === undefined) rlimits.processes = processes;
    const gitWritable = options.gitWritable === true;
    const protectedEntries = [...protectedMounts(workspace, gitWritable), ...(gitWritable ? [] : nestedGitDirectories(workspace))];
    const node = resolved(process.execPath);
    const program = sandboxHostCode();
    const hostArgs = [node, '--input-type=module', '-e', HOST_LOADER, 'ml-intern-sandbox-host', '--stdio'];
    let launchSpec: HostLaunch;
    let proxy: Egress | undefined;
    if (networkMode === 'allowlist') {
      try {
        proxy = await startEgressOnce();
      } catch (error) {
        // Commands still run, with no network at all (the proxy variables lead nowhere).
        warn(`the network allow-list proxy could not start (${(error as Error).message}); commands have no network this session.`);
      }
    }
    if (closed) throw new ToolExecutionError('the sandbox is closed');
    if (sandboxed) {
      const bwrapArgs = sandboxArguments({
        workspace,
        network,
        runAsNobody,
        readOnlyPaths: [...(state.python?.prefixes ?? []), ...(options.readOnlyPaths ?? []), node, ...(proxy ? sharedCaches() : [])].map(resolved),
        writablePaths: options.writablePaths ?? [],
        hiddenPaths: [...(hostEnv.HOME ? [hostEnv.HOME] : []), ...(options.hiddenPaths ?? [])].map((entry) => path.resolve(entry)),
        protectedPaths: protectedEntries.map((entry) => entry.path),
        devices: state.devices,
        gpuSysfs: state.devices.length > 0 ? ['/sys/bus/pci', '/sys/devices', '/sys/module', '/sys/class'] : [],
        home: SANDBOX_HOME,
        ...(proxy ? { egressDirectory: proxy.directory } : {}),
      });
      const procsFiles = cgroups?.procsFiles ?? [];
      launchSpec = {
        file: '/bin/sh',
        args: ['-c', LAUNCH_SCRIPT, 'ml-intern-sandbox', String(procsFiles.length), ...procsFiles, bwrapPath, '--die-with-parent', ...bwrapArgs, '--', ...hostArgs],
        env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
        program,
      };
    } else {
      launchSpec = { file: node, args: hostArgs.slice(1), env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, cwd: workspace, program };
    }
    const outer = pidNamespace();
    const config: HostConfig = {
      workspace,
      env: environmentFor(state),
      shell,
      description: describeNow(state),
      rlimits,
      pidNamespace: sandboxed,
      ...(outer ? { outerPidNamespace: outer } : {}),
      sanitizeGit: !gitWritable,
      protectedIdentities: Object.fromEntries(protectedEntries.map((entry) => [entry.path, entry.identity])),
      ...(proxy && sandboxed
        ? {
            relays: [
              { port: EGRESS_PROXY_PORT, socket: `${EGRESS_MOUNT}/proxy.sock` },
              { port: HUB_FORWARDER_PORT, socket: `${EGRESS_MOUNT}/hub.sock` },
            ],
          }
        : {}),
    };
    return startHost(launchSpec, config, (reason) => {
      warn(`the sandbox host stopped (${reason}); the next command starts a new one.`);
    });
  }

  /** The running host, started (again, after a crash) when needed. */
  function ensureHost(holdProbe = true): Promise<HostClient> {
    if (closed) return Promise.reject(new ToolExecutionError('the sandbox is closed'));
    if (host) {
      const current = host;
      return current.then(
        (client) => {
          if (!client.exited) return client;
          if (host === current) host = undefined;
          return ensureHost(holdProbe);
        },
        () => {
          if (host === current) host = undefined;
          return ensureHost(holdProbe);
        },
      );
    }
    const starting = launch(holdProbe);
    host = starting;
    return starting;
  }

  /** OOM kills so far in the session's memory cgroup, when there is one. */
  function oomKills(): number | undefined {
    const file = cgroups?.memoryEventsFile;
    if (!file) return undefined;
    try {
      const match = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  async function exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
    const cwd = path.resolve(workspace, execOptions.cwd ?? '.');
    if (!isWithin(cwd, workspace)) throw new ToolExecutionError(`working directory ${cwd} is outside the workspace ${workspace}`);
    if (execOptions.signal?.aborted) return { exitCode: null, output: '', durationMs: 0, timedOut: false, aborted: true, totalChars: 0, truncated: false };
    const client = await ensureHost();
    const collector = new OutputCollector({
      ...(execOptions.maxOutputChars === undefined ? {} : { maxChars: execOptions.maxOutputChars }),
      ...(execOptions.spillFile === undefined ? {} : { spillFile: execOptions.spillFile }),
      ...(execOptions.onOutput === undefined ? {} : { onLine: execOptions.onOutput }),
      ...(options.redact ? { redact: options.redact } : {}),
      ...(options.maxSpillBytes === undefined ? {} : { maxSpillBytes: options.maxSpillBytes }),
    });
    const state = await startProbes().ready;
    const kills = oomKills();
    const { value } = await client.call<{ exitCode: number | null; durationMs: number; timedOut: boolean; aborted: boolean; gitRemoved?: string[] }>(
      'exec',
      // The environment as it is now: the host's variables may change during a session.
      { command, cwd, timeoutMs: execOptions.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, env: environmentFor(state) },
      undefined,
      {
        onStdout: (chunk) => collector.write('stdout', chunk),
        onStderr: (chunk) => collector.write('stderr', chunk),
        ...(execOptions.signal ? { signal: execOptions.signal } : {}),
      },
    );
    const collected = await collector.finish();
    let output = collected.text;
    const end = () => (output === '' || output.endsWith('\n') ? '' : '\n');
    if (kills !== undefined && (oomKills() ?? 0) > kills) {
      output += `${end()}[sandbox: a process was killed because the sandbox ran out of memory (limit ${cgroups?.memory?.limitMiB} MiB for everything it runs; sandbox.memory_limit_mb)]\n`;
    }
    if (value.gitRemoved && value.gitRemoved.length > 0) {
      output += `${end()}[sandbox: removed from the workspace's git directories what would make git run a program when the user runs it (set sandbox.git_writable to allow): ${value.gitRemoved.join('; ')}]\n`;
    }
    return {
      exitCode: value.exitCode,
      durationMs: value.durationMs,
      timedOut: value.timedOut,
      aborted: value.aborted,
      output,
      totalChars: collected.totalChars,
      truncated: collected.truncated,
      ...(collected.spillPath ? { spillPath: collected.spillPath } : {}),
    };
  }

  async function describe(): Promise<SandboxDescription> {
    const state = await startProbes().facts;
    prepareCgroups();
    // The host starts now, off the caller's path (the first model call is usually in flight),
    // without keeping a program that is otherwise done alive.
    void startProbes().ready.then(() => ensureHost(false)).catch(() => {});
    return describeNow({ ...state, python: undefined });
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const current = host;
    host = undefined;
    if (current) await current.then((client) => client.close(), () => {});
    await cgroups?.dispose();
    if (egress) await egress.then((running) => running.close(), () => {});
  }

  return {
    workspace,
    runtime: sandboxed ? 'bubblewrap' : 'local-unsandboxed',
    sandboxed,
    network,
    networkMode,
    get warnings() {
      return warnings;
    },
    exec,
    async readFile(file) {
      return (await (await ensureHost()).call('read', { path: file })).data;
    },
    async readFileRange(file, start, length) {
      return (await (await ensureHost()).call('read', { path: file, start, length })).data;
    },
    async writeFile(file, data) {
      await (await ensureHost()).call('write', { path: file }, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    },
    async writeFileNoFollow(root, relative, data) {
      await (await ensureHost()).call('writeNoFollow', { root, relative }, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    },
    async stat(file) {
      return ((await (await ensureHost()).call<{ stat: FileStat | null }>('stat', { path: file })).value.stat ?? undefined);
    },
    async realpath(file) {
      return ((await (await ensureHost()).call<{ path: string | null }>('realpath', { path: file })).value.path ?? undefined);
    },
    describe,
    async start() {
      await ensureHost();
    },
    close,
  };
}
