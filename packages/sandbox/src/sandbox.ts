/**
 * The runtime contract the `bash`, `read`, `write` and `edit` tools are built on. A local
 * bubblewrap sandbox, an unsandboxed local fallback and remote hosts (an HF Space, a machine
 * reached over HTTP) all implement it, so the same four tools work on each.
 */

/** How commands are isolated: `bubblewrap`, `local-unsandboxed`, or a remote runtime's own name. */
export type SandboxRuntime = 'bubblewrap' | 'local-unsandboxed' | (string & {});

/** One GPU visible inside the sandbox. */
export interface GpuInfo {
  name: string;
  memoryMiB: number;
}

/** Resource limits applied to each command; `undefined` means not limited. */
export interface SandboxLimits {
  /** Memory limit: of everything the sandbox runs together (a cgroup), or per process (RLIMIT_AS). */
  memoryMiB?: number;
  /** How the memory limit is enforced: `cgroup v1`/`cgroup v2` (all processes together) or `rlimit` (per process). */
  memoryLimitBy?: 'cgroup v1' | 'cgroup v2' | 'rlimit';
  /** CPU time per process (RLIMIT_CPU). */
  cpuSeconds?: number;
  /** Processes per command (a pids cgroup when one can be created, else RLIMIT_NPROC). */
  processes?: number;
  /** How the process limit is enforced, when it is. */
  processLimitBy?: 'cgroup' | 'rlimit';
}

/**
 * What the runtime really is, for `session_started`, `/status` and the system prompt. Never
 * claims isolation it does not have: `warnings` says what is missing.
 */
export type NetworkMode = 'off' | 'allowlist' | 'full';

export interface SandboxDescription {
  runtime: SandboxRuntime;
  /** True when commands are isolated from the host (namespaces, read-only root). */
  sandboxed: boolean;
  /** True when commands can reach the network. */
  network: boolean;
  /**
   * `off`: no network; `allowlist`: only listed domains, through the CLI's proxy (and the Hub
   * through a forwarder that adds the user's token outside the sandbox); `full`: any host.
   */
  networkMode?: NetworkMode;
  /** The allowed domains in `allowlist` mode. */
  allowedDomains?: string[];
  /** Workspace directory, as seen by commands. */
  workspace: string;
  /** Who commands run as, e.g. `uid 65534 in a user namespace`. */
  user?: string;
  gpu?: GpuInfo[];
  limits?: SandboxLimits;
  /** Plain-language notes on missing isolation or probes that failed. */
  warnings: string[];
}

/** Options of one `exec` call. */
export interface ExecOptions {
  /** Working directory (absolute, inside the workspace). Defaults to the workspace. */
  cwd?: string;
  /** Wall-clock limit; the whole process tree is killed when it passes. */
  timeoutMs?: number;
  /** Aborting kills the whole process tree. */
  signal?: AbortSignal;
  /** Each output line (stdout and stderr interleaved, ANSI codes stripped) as it is produced. */
  onOutput?: (line: string) => void;
  /** Characters of output kept in memory (head + tail); the rest only goes to `spillFile`. */
  maxOutputChars?: number;
  /** Where to write the complete output when it exceeds `maxOutputChars`. */
  spillFile?: string;
}

/** What a command did. A failing command is a result, not an exception. */
export interface ExecResult {
  /** Exit status; `null` when the command was killed (timeout, abort) before it exited. */
  exitCode: number | null;
  /** Combined output, ANSI codes stripped, capped at `maxOutputChars` (head + tail). */
  output: string;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  /** Characters of output the command produced in total. */
  totalChars: number;
  /** True when `output` lost its middle; the full text is at `spillPath` when one was given. */
  truncated: boolean;
  spillPath?: string;
}

/** Type, size and modification time of a path. */
export interface FileStat {
  type: 'file' | 'directory' | 'other';
  size: number;
  mtimeMs: number;
}

/** A place where commands run and workspace files live. */
export interface Sandbox {
  /** Absolute workspace directory in the sandbox's file system (read-write for commands). */
  readonly workspace: string;
  /** Known at creation, so approval decisions can be made synchronously. */
  readonly runtime: SandboxRuntime;
  readonly sandboxed: boolean;
  readonly network: boolean;
  /** See SandboxDescription.networkMode (absent: `network` says all). */
  readonly networkMode?: NetworkMode;
  /** Run a shell command. Never rejects for a failing command; rejects only if it cannot start. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Whole file contents. Rejects when the file does not exist, and at once for a FIFO, socket or device. */
  readFile(path: string): Promise<Uint8Array>;
  /** `length` bytes from byte `start` (fewer at the end of the file); optional, for paging large files. */
  readFileRange?(path: string, start: number, length: number): Promise<Uint8Array>;
  /** Replace a file atomically (temporary file + rename), creating parent directories. */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * Like `writeFile` for `relative` (a posix path below the directory `root`), but refusing to
   * follow a symbolic link in any component below `root`, even one swapped in while it runs.
   * Optional: where it is missing, the file tools check each component first, then `writeFile`.
   */
  writeFileNoFollow?(root: string, relative: string, data: Uint8Array | string): Promise<void>;
  /** `undefined` when nothing exists at `path` (symbolic links are followed). */
  stat(path: string): Promise<FileStat | undefined>;
  /** Canonical path with every symbolic link resolved; `undefined` when it does not exist. */
  realpath(path: string): Promise<string | undefined>;
  describe(): Promise<SandboxDescription>;
  /** End the session's sandbox: its processes, host and scratch space. Optional. */
  close?(): Promise<void>;
}
