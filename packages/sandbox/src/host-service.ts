import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { createGitSanitizer, findGit, type GitSanitizer } from './git-sanitize.js';
import { HostFileError, readRegularFile, realpathHost, statHostPath, writeHostFileAtomically, writeHostFileNoFollow } from './host-files.js';
import type { FileStat, SandboxDescription } from './sandbox.js';

/**
 * The sandbox host's operations: one implementation behind both transports (stdio frames for the
 * local bubblewrap sandbox, HTTP for a remote box). No dependency on @ml-intern/core: it runs in
 * its own small bundle inside the sandbox.
 */

/** What the host is told at start (stdio: the `init` request; HTTP: the command line). */
export interface HostConfig {
  workspace: string;
  /** Environment of every command. */
  env: Record<string, string>;
  /** Shell running commands (`/bin/bash`, else `/bin/sh`). */
  shell?: string;
  /** What describe() reports (the client fills in the parts it probed). */
  description: SandboxDescription;
  /** Per-command rlimits set with the shell's `ulimit` before the command. */
  rlimits?: { cpuSeconds?: number; memoryMiB?: number; processes?: number };
  /**
   * The host runs as the only non-init process of its own pid namespace (bubblewrap), so after a
   * command, when no other runs, every process left over is killed. Checked again here.
   */
  pidNamespace?: boolean;
  /** `/proc/self/ns/pid` of the client, which the host's must differ from for `pidNamespace`. */
  outerPidNamespace?: string;
  /** Sanitise git directories after each command (off when the user set git_writable). */
  sanitizeGit?: boolean;
  /** `path` → `dev:ino` the client saw when it bound them read-only; checked before serving. */
  protectedIdentities?: Record<string, string>;
  /** `127.0.0.1:<port>` inside → Unix socket (network "allowlist": the egress proxy and Hub forwarder). */
  relays?: Array<{ port: number; socket: string }>;
}

export interface ExecRequest {
  command: string;
  /** This command's environment (default: the one given at start). */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export interface ExecOutcome {
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  /** What the git check removed after the command, one line each. */
  gitRemoved?: string[];
}

/** Where a command's output goes; `false` from `write` means wait for `drained()`. */
export interface OutputSink {
  write(stream: 'stdout' | 'stderr', chunk: Buffer): boolean;
  drained(): Promise<void>;
}

export interface HostService {
  readonly config: HostConfig;
  exec(request: ExecRequest, sink: OutputSink, signal?: AbortSignal): Promise<ExecOutcome>;
  read(request: { path: string; start?: number; length?: number }): Promise<Uint8Array>;
  write(request: { path: string }, data: Uint8Array): Promise<void>;
  writeNoFollow(request: { root: string; relative: string }, data: Uint8Array): Promise<void>;
  stat(request: { path: string }): Promise<FileStat | undefined>;
  realpath(request: { path: string }): Promise<string | undefined>;
  describe(): SandboxDescription;
  /** Kill every command, run the last git check, and resolve when done. */
  shutdown(): Promise<void>;
}

const DRAIN_GRACE_MS = 250;
const DEFAULT_TIMEOUT_MS = 120_000;

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function absolute(file: unknown): string {
  if (typeof file !== 'string' || file === '' || file.includes('\0')) throw new HostFileError('bad_request', 'a path is required');
  if (!path.isAbsolute(file)) throw new HostFileError('bad_request', `${file} is not an absolute path`);
  return file;
}

/** True when this process really is in a pid namespace of its own, below bubblewrap's init. */
function inOwnPidNamespace(outer: string | undefined): boolean {
  try {
    if (readFileSync('/proc/1/comm', 'utf8').trim() !== 'bwrap') return false;
    const own = readlinkSync('/proc/self/ns/pid');
    return outer !== undefined && own !== outer;
  } catch {
    return false;
  }
}

/** Shell `ulimit` words for the limits (bash, dash and busybox understand these flags). */
function ulimitPrefix(limits: HostConfig['rlimits'] = {}): string {
  const parts = ['ulimit -c 0'];
  if (limits.cpuSeconds !== undefined) parts.push(`ulimit -t ${Math.ceil(limits.cpuSeconds)}`);
  if (limits.memoryMiB !== undefined) parts.push(`ulimit -v ${Math.floor(limits.memoryMiB * 1024)}`);
  if (limits.processes !== undefined) parts.push(`ulimit -u ${Math.floor(limits.processes)} 2>/dev/null`);
  return `${parts.join('; ')}; `;
}

export function checkProtectedIdentities(identities: Record<string, string> = {}): string | undefined {
  for (const [file, expected] of Object.entries(identities)) {
    try {
      const info = statSync(file, { bigint: true });
      if (`${info.dev}:${info.ino}` !== expected) return file;
    } catch {
      return file;
    }
  }
  return undefined;
}

export function createHostService(config: HostConfig): HostService {
  const workspace = config.workspace;
  const shell = config.shell ?? (existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh');
  const killLeftovers = config.pidNamespace === true && inOwnPidNamespace(config.outerPidNamespace);
  const running = new Set<ChildProcess>();
  let sanitizer: GitSanitizer | undefined;
  let sanitizerReady: Promise<void> | undefined;
  if (config.sanitizeGit) {
    sanitizerReady = findGit().then(async (git) => {
      sanitizer = createGitSanitizer({ workspace, ...(git ? { git } : {}) });
      await sanitizer.baseline();
    });
    sanitizerReady.catch(() => {});
  }
  let checking: Promise<string[]> = Promise.resolve([]);

  function killGroup(child: ChildProcess): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Everything in the namespace but init and this host, when no command is running. */
  function killEverythingLeft(): void {
    if (!killLeftovers || running.size > 0) return;
    try {
      process.kill(-1, 'SIGKILL');
    } catch {
      // nothing left
    }
  }

  async function gitCheck(): Promise<string[]> {
    if (!sanitizerReady) return [];
    await sanitizerReady.catch(() => {});
    if (!sanitizer) return [];
    const active = sanitizer;
    // One check at a time: parallel commands share the result of the one that runs.
    checking = checking.then(
      () => active.check(),
      () => active.check(),
    );
    return checking.catch(() => []);
  }

  async function exec(request: ExecRequest, sink: OutputSink, signal?: AbortSignal): Promise<ExecOutcome> {
    const started = performance.now();
    const cwd = path.resolve(workspace, request.cwd ?? '.');
    if (!isWithin(cwd, workspace)) throw new HostFileError('refused', `working directory ${cwd} is outside the workspace ${workspace}`);
    if (typeof request.command !== 'string' || request.command === '') throw new HostFileError('bad_request', 'a command is required');
    if (signal?.aborted) return { exitCode: null, durationMs: 0, timedOut: false, aborted: true };
    const child = spawn(shell, ['-c', ulimitPrefix(config.rlimits) + request.command], {
      cwd,
      env: request.env ?? config.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const stdout = child.stdout as NonNullable<ChildProcess['stdout']>;
    const stderr = child.stderr as NonNullable<ChildProcess['stderr']>;
    const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (!sink.write(stream, chunk)) {
        stdout.pause();
        stderr.pause();
        void sink.drained().then(() => {
          stdout.resume();
          stderr.resume();
        });
      }
    };
    stdout.on('data', forward('stdout'));
    stderr.on('data', forward('stderr'));
    const outcome = await new Promise<Omit<ExecOutcome, 'gitRemoved'>>((resolve, reject) => {
      let timedOut = false;
      let aborted = false;
      let settled = false;
      const onAbort = () => {
        aborted = true;
        killGroup(child);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, request.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        running.delete(child);
      };
      child.once('error', (error) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(error);
      });
      child.once('exit', (code, exitSignal) => {
        cleanup();
        killGroup(child);
        killEverythingLeft();
        const finish = () => {
          if (settled) return;
          settled = true;
          stdout.destroy();
          stderr.destroy();
          const killed = timedOut || aborted;
          const bySignal = exitSignal ? 128 + (osConstants.signals[exitSignal] ?? 0) : null;
          resolve({ exitCode: killed ? null : (code ?? bySignal), durationMs: Math.round(performance.now() - started), timedOut, aborted });
        };
        if (stdout.readableEnded && stderr.readableEnded) return finish();
        const grace = setTimeout(finish, DRAIN_GRACE_MS);
        let open = 2;
        const onEnd = () => {
          open -= 1;
          if (open === 0) {
            clearTimeout(grace);
            finish();
          }
        };
        for (const stream of [stdout, stderr]) {
          if (stream.readableEnded || stream.destroyed) onEnd();
          else stream.once('close', onEnd);
        }
      });
    });
    const gitRemoved = await gitCheck();
    return gitRemoved.length > 0 ? { ...outcome, gitRemoved } : outcome;
  }

  return {
    config,
    exec,
    read: (request) => readRegularFile(absolute(request.path), { ...(request.start === undefined ? {} : { start: request.start }), ...(request.length === undefined ? {} : { length: request.length }) }),
    write: (request, data) => writeHostFileAtomically(absolute(request.path), data),
    writeNoFollow: (request, data) => writeHostFileNoFollow(absolute(request.root), String(request.relative), data),
    stat: (request) => statHostPath(absolute(request.path)),
    realpath: (request) => realpathHost(absolute(request.path)),
    describe: () => config.description,
    async shutdown() {
      for (const child of running) killGroup(child);
      running.clear();
      killEverythingLeft();
      await gitCheck();
    },
  };
}
