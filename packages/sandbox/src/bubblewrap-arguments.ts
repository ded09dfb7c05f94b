import path from 'node:path';

/** Everything that decides one bubblewrap invocation; built by the local sandbox, pure to test. */
export interface BubblewrapPlan {
  /** Read-write workspace, bound at the same path. */
  workspace: string;
  /** Working directory of the command (inside the workspace). */
  cwd: string;
  network: boolean;
  /**
   * Run as uid/gid 65534 in a new user namespace. Used when the launcher is root: the command
   * has no capabilities and sees itself as nobody (outside it still maps to the launcher).
   */
  runAsNobody: boolean;
  /** Existing directories replaced by an empty read-only tmpfs (home directories, /run). */
  hiddenDirectories: readonly string[];
  /** Existing files replaced by an empty file (/etc/shadow, …). */
  hiddenFiles: readonly string[];
  /** Existing paths made visible read-only again although a hidden directory covers them. */
  readOnlyPaths: readonly string[];
  /** Existing extra paths bound read-write. */
  writablePaths: readonly string[];
  /**
   * Existing paths inside the workspace that stay read-only: `.git` (unless writable),
   * `.ml-intern`, top-level `.env*` files.
   */
  protectedPaths: readonly string[];
  /**
   * `device:inode` of each protected path when the plan was made, in the same order. With
   * `statCommand`, the sandbox checks them before running the command and refuses to run it when
   * one differs: bwrap follows symbolic links in a bind source, so a path swapped for a link
   * between planning and mounting (by a command running in parallel) would otherwise bind
   * whatever the link names, host secrets included, into the sandbox.
   */
  protectedIdentities?: readonly string[];
  /** Absolute path of `stat` (coreutils), used by that check. */
  statCommand?: string;
  /** Device nodes bound into the fresh /dev (the NVIDIA nodes, never all of /dev). */
  devices: readonly string[];
  /** Private home directory created inside the private /tmp. */
  home: string;
  shell: string;
  command: string;
}

// Runs inside the sandbox before the command: $0 shell, $1 command, $2 stat, $3 the expected
// identities (one per line), then the protected paths.
const GUARD_SCRIPT = [
  'g_shell=$0; g_command=$1; g_stat=$2; g_expected=$3; shift 3',
  'if [ "$("$g_stat" -c %d:%i -- "$@" 2>/dev/null)" != "$g_expected" ]; then',
  '  echo "sandbox: a protected path (.git, .ml-intern, .env*) was replaced while the command was starting; the command was not run" >&2',
  '  exit 125',
  'fi',
  'exec "$g_shell" -c "$g_command"',
].join('\n');

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The bwrap argument vector: new namespaces (network too, unless allowed), the host root
 * read-only, a fresh /dev and /proc, a private /tmp, hidden home directories, the workspace
 * read-write, `--die-with-parent`, and the shell running `command`.
 */
export function buildBubblewrapArguments(plan: BubblewrapPlan): string[] {
  const args = ['--unshare-all'];
  if (plan.network) args.push('--share-net');
  if (plan.runAsNobody) args.push('--unshare-user', '--uid', '65534', '--gid', '65534');
  args.push('--cap-drop', 'ALL', '--die-with-parent', '--new-session', '--hostname', 'sandbox');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--dir', plan.home);
  // A hidden directory inside the workspace (or equal to it) would be remounted read-only over it.
  const hidden = plan.hiddenDirectories.filter((directory) => directory !== '/tmp' && !isWithin(directory, plan.workspace));
  for (const directory of hidden) args.push('--tmpfs', directory);
  for (const file of plan.hiddenFiles) args.push('--ro-bind', '/dev/null', file);
  // Only paths under something hidden need binding back; the rest is visible through the root.
  const covered = ['/tmp', ...hidden];
  for (const readOnly of plan.readOnlyPaths) {
    if (covered.some((directory) => isWithin(readOnly, directory))) args.push('--ro-bind', readOnly, readOnly);
  }
  args.push('--bind', plan.workspace, plan.workspace);
  for (const writable of plan.writablePaths) args.push('--bind', writable, writable);
  for (const protectedPath of plan.protectedPaths) args.push('--ro-bind', protectedPath, protectedPath);
  for (const device of plan.devices) args.push('--dev-bind', device, device);
  for (const directory of hidden) args.push('--remount-ro', directory);
  args.push('--chdir', plan.cwd, '--');
  const identities = plan.protectedIdentities ?? [];
  if (plan.statCommand && plan.protectedPaths.length > 0 && identities.length === plan.protectedPaths.length) {
    args.push(plan.shell, '-c', GUARD_SCRIPT, plan.shell, plan.command, plan.statCommand, identities.join('\n'), ...plan.protectedPaths);
  } else {
    args.push(plan.shell, '-c', plan.command);
  }
  return args;
}
