import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { isExecutableFile } from './host-probe.js';
import type { OutputCollector } from './output-collector.js';
import { createPidsCgroup, type PidsCgroup } from './process-limits.js';

/** How long a prepared shell waits for a command before it is retired. */
const STANDBY_IDLE_MS = 60_000;
/**
 * Shells kept ready. The next one starts as soon as a command begins, so it has that command's
 * run and the model's answer to join (one RCU grace period, often 10–30 ms); a second one
 * measured no faster even with commands back to back.
 */
const STANDBY_COUNT = 1;

// Arguments: $0 names the shell in its messages, $1 is the cgroup.procs file to join ('' for
// none), $2 the parent's cgroup.procs, $3 the cgroup directory, $4 and $5 absolute paths of cat
// and rmdir (this shell runs outside the sandbox: nothing is looked up on the command's PATH).
// The script arrives on stdin; an empty one (retired, or the launcher exited) makes the shell
// leave and remove its cgroup.
const LAUNCH_SCRIPT = [
  'if [ -n "$1" ]; then echo $$ > "$1" || exit 126; fi',
  'script=$("$4") || exit 126',
  'if [ -z "$script" ]; then if [ -n "$1" ]; then echo $$ > "$2" && "$5" "$3"; fi 2>/dev/null; exit 0; fi',
  'exec </dev/null',
  'eval "$script"',
].join('\n');

function systemCommand(name: string): string {
  return ['/bin', '/usr/bin'].map((directory) => path.join(directory, name)).find(isExecutableFile) ?? `/bin/${name}`;
}

/**
 * How to start `shell` without reading any startup file: stdin is a socket, which bash takes
 * for an rsh connection and answers with ~/.bashrc unless `--norc`; `-p` ignores BASH_ENV,
 * SHELLOPTS and functions in the environment. dash reads nothing when not interactive.
 */
function shellArguments(shell: string): string[] {
  return path.basename(shell) === 'bash' ? ['--norc', '--noprofile', '-p'] : [];
}

/** `value` as one single-quoted shell word. */
export function quoteForShell(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A started launch shell, already in its pids cgroup (when there is one), waiting for its script. */
export interface LaunchShell {
  /** The cgroup whose `pids.max` bounds the command, if one could be made. */
  readonly cgroup: PidsCgroup | undefined;
  /** Hand over the script (rlimits, then `exec` of the command); output so far and from now on goes to `collector`. */
  begin(script: string, collector: OutputCollector): ChildProcess;
}

export interface ShellLauncherOptions {
  /** Shell that joins the cgroup, sets rlimits and `exec`s the command (bash, else /bin/sh). */
  shell: string;
  /** Where to make each command's pids cgroup and its limit; `undefined` for none. */
  pidsCgroup(): { parent: string; limit: number } | undefined;
  /** A pids cgroup could not be made: the caller falls back to RLIMIT_NPROC. */
  onCgroupFailure(): void;
}

export interface ShellLauncher {
  /** The prepared shell when it suits `environment` and is alive, else a new one. */
  take(environment: Record<string, string>): LaunchShell;
  /** Start a shell for the next command now, so joining the cgroup is off that command's path. */
  prepare(environment: Record<string, string>): void;
}

interface StandbyShell extends LaunchShell {
  readonly environmentKey: string;
  readonly exited: boolean;
  retire(): void;
}

type Referenced = { ref?(): void; unref?(): void };

function setReferenced(child: ChildProcess, referenced: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as Referenced[]) {
    if (referenced) handle?.ref?.();
    else handle?.unref?.();
  }
}

/**
 * Launch shells, one kept ready. Moving a process into a cgroup (the write to `cgroup.procs`)
 * waits for an RCU grace period, milliseconds on a busy machine; a shell that joined before its
 * command was known takes that wait off the call. Each command still gets its own fresh cgroup,
 * process group and rlimits; an idle shell holds no event-loop reference and leaves and removes
 * its cgroup when retired or when this process exits.
 */
export function createShellLauncher(options: ShellLauncherOptions): ShellLauncher {
  let standbys: StandbyShell[] = [];
  const startArguments = [...shellArguments(options.shell), '-c', LAUNCH_SCRIPT, 'ml-intern-sandbox'];
  const tools = [systemCommand('cat'), systemCommand('rmdir')];

  function start(environment: Record<string, string>, environmentKey: string): StandbyShell {
    const target = options.pidsCgroup();
    let cgroup: PidsCgroup | undefined;
    if (target) {
      try {
        cgroup = createPidsCgroup(target.parent, target.limit);
      } catch {
        options.onCgroupFailure();
      }
    }
    const args = [...startArguments, cgroup?.processesFile ?? '', target ? path.join(target.parent, 'cgroup.procs') : '', cgroup?.directory ?? '', ...tools];
    const child = spawn(options.shell, args, { cwd: '/', env: environment, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let exited = false;
    let begun = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const early: Array<[string, Buffer]> = [];
    const keepStdout = (chunk: Buffer) => early.push(['stdout', chunk]);
    const keepStderr = (chunk: Buffer) => early.push(['stderr', chunk]);
    child.stdout?.on('data', keepStdout);
    child.stderr?.on('data', keepStderr);
    // A shell that died before its script came makes writes fail with EPIPE; its exit says enough.
    child.stdin?.on('error', () => {});
    child.once('error', () => {
      exited = true;
      if (!begun) void cgroup?.dispose();
    });
    child.once('exit', () => {
      exited = true;
      clearTimeout(idleTimer);
      if (!begun) void cgroup?.dispose();
    });
    const shell: StandbyShell = {
      cgroup,
      environmentKey,
      get exited() {
        return exited;
      },
      begin(script, collector) {
        begun = true;
        clearTimeout(idleTimer);
        setReferenced(child, true);
        child.stdout?.off('data', keepStdout);
        child.stderr?.off('data', keepStderr);
        for (const [source, chunk] of early.splice(0)) collector.write(source, chunk);
        child.stdin?.end(script);
        return child;
      },
      retire() {
        clearTimeout(idleTimer);
        child.stdin?.end();
      },
    };
    setReferenced(child, false);
    idleTimer = setTimeout(() => {
      standbys = standbys.filter((waiting) => waiting !== shell);
      shell.retire();
    }, STANDBY_IDLE_MS);
    idleTimer.unref();
    return shell;
  }

  return {
    take(environment) {
      const environmentKey = JSON.stringify(environment);
      // Oldest first: it has had the longest to join its cgroup.
      while (standbys.length > 0) {
        const prepared = standbys.shift() as StandbyShell;
        if (!prepared.exited && prepared.environmentKey === environmentKey) return prepared;
        prepared.retire();
      }
      return start(environment, environmentKey);
    },
    prepare(environment) {
      standbys = standbys.filter((waiting) => !waiting.exited);
      try {
        while (standbys.length < STANDBY_COUNT) standbys.push(start(environment, JSON.stringify(environment)));
      } catch {
        // Spawning failed (e.g. too many processes): the next command starts its own shell.
      }
    },
  };
}
