import { type Dirent, lstatSync, readdirSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * The sandbox's file system as an allow-list (SECURITY.md, "sandbox ↔ host"): a fresh root with
 * `/usr` and the `/bin`, `/lib*` links, the world-readable parts of `/etc` and `/opt`, the
 * interpreter prefixes, the workspace read-write, a private `/tmp`. Never `/root`, `/home`, the
 * host's `/tmp`, `/var/tmp`, `/run` or `/dev/shm` (their Unix sockets would be reachable even
 * with the network off). Running as root, the sandbox's uid maps to the host's root, so a file
 * that is not world-readable is left out instead of relying on permissions.
 */

/** One mount (or link) of the plan. */
export type Mount =
  | { kind: 'ro-bind'; source: string; target: string }
  | { kind: 'bind'; source: string; target: string }
  | { kind: 'dev-bind'; source: string; target: string }
  | { kind: 'symlink'; link: string; target: string }
  | { kind: 'tmpfs'; target: string }
  | { kind: 'dir'; target: string };

const TOP_LEVEL_LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Mounts that expose exactly the world-readable part of the tree at `root`: the whole tree with
 * one bind when everything in it is world-readable, otherwise its parts. Symbolic links are
 * recreated as links (never followed: `/etc/x -> /root/secret` must not bind the secret);
 * sockets, FIFOs and devices are left out. `budget` bounds the entries examined; past it the
 * rest is bound whole and `overBudget` set.
 */
export function worldReadableMounts(root: string, budget = { remaining: 50_000, overBudget: false }): { whole: boolean; mounts: Mount[] } {
  const info = lstatOrUndefined(root);
  if (!info) return { whole: false, mounts: [] };
  budget.remaining -= 1;
  if (info.isSymbolicLink()) {
    try {
      return { whole: true, mounts: [{ kind: 'symlink', link: readlinkSync(root), target: root }] };
    } catch {
      return { whole: false, mounts: [] };
    }
  }
  if (info.isFile()) {
    const readable = (info.mode & 0o004) !== 0;
    return { whole: readable, mounts: readable ? [{ kind: 'ro-bind', source: root, target: root }] : [] };
  }
  if (!info.isDirectory()) return { whole: false, mounts: [] };
  if ((info.mode & 0o005) !== 0o005) return { whole: false, mounts: [] };
  if (budget.remaining <= 0) {
    budget.overBudget = true;
    return { whole: true, mounts: [{ kind: 'ro-bind', source: root, target: root }] };
  }
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return { whole: false, mounts: [] };
  }
  const parts = entries.map((entry) => worldReadableMounts(path.join(root, entry.name), budget));
  if (parts.every((part) => part.whole)) return { whole: true, mounts: [{ kind: 'ro-bind', source: root, target: root }] };
  return { whole: false, mounts: [{ kind: 'dir', target: root }, ...parts.flatMap((part) => part.mounts)] };
}

let cachedSystemMounts: { mounts: Mount[]; warnings: string[] } | undefined;

/** `/usr`, the top-level links, `/etc` and `/opt` as the allow-list above (computed once). */
export function systemMounts(): { mounts: Mount[]; warnings: string[] } {
  if (cachedSystemMounts) return cachedSystemMounts;
  const mounts: Mount[] = [{ kind: 'ro-bind', source: '/usr', target: '/usr' }];
  const warnings: string[] = [];
  for (const name of TOP_LEVEL_LINKS) {
    const entry = `/${name}`;
    const info = lstatOrUndefined(entry);
    if (!info) continue;
    if (info.isSymbolicLink()) mounts.push({ kind: 'symlink', link: readlinkSync(entry), target: entry });
    else if (info.isDirectory()) mounts.push({ kind: 'ro-bind', source: entry, target: entry });
  }
  for (const tree of ['/etc', '/opt']) {
    const budget = { remaining: 50_000, overBudget: false };
    const { mounts: part } = worldReadableMounts(tree, budget);
    mounts.push(...part);
    if (budget.overBudget) warnings.push(`${tree} is too large to check file by file; part of it is mounted whole, so a file there that is not world-readable may be visible in the sandbox.`);
  }
  cachedSystemMounts = { mounts, warnings };
  return cachedSystemMounts;
}

/** Mounts that make `file` (and what it needs) visible read-only, unless already covered. */
function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export interface SandboxMountPlan {
  workspace: string;
  network: boolean;
  /** uid/gid 65534 inside (the launcher is root). */
  runAsNobody: boolean;
  /** Extra read-only paths (interpreter prefixes, the node binary, configured paths). */
  readOnlyPaths: readonly string[];
  /** Extra read-write paths. */
  writablePaths: readonly string[];
  /** Inside something mounted, hidden again (an empty tmpfs, or /dev/null over a file). */
  hiddenPaths: readonly string[];
  /** Workspace entries bound read-only over themselves (`.git`, `.ml-intern`, `.env*`, nested repositories). */
  protectedPaths: readonly string[];
  /** Device nodes bound into the fresh /dev (the NVIDIA nodes, never all of /dev). */
  devices: readonly string[];
  /** Extra read-only mounts when GPUs are bound (the sysfs parts the driver reads). */
  gpuSysfs?: readonly string[];
  home: string;
  /** Directory of the egress proxy's Unix sockets, bound read-only at EGRESS_MOUNT (network "allowlist"). */
  egressDirectory?: string;
}

/** Where the egress sockets appear inside the sandbox. */
export const EGRESS_MOUNT = '/run/ml-intern-egress';

function mountArguments(mount: Mount): string[] {
  switch (mount.kind) {
    case 'ro-bind':
      return ['--ro-bind', mount.source, mount.target];
    case 'bind':
      return ['--bind', mount.source, mount.target];
    case 'dev-bind':
      return ['--dev-bind', mount.source, mount.target];
    case 'symlink':
      return ['--symlink', mount.link, mount.target];
    case 'tmpfs':
      return ['--tmpfs', mount.target];
    case 'dir':
      return ['--dir', mount.target];
  }
}

/** The bwrap arguments (before `--` and the program) of the sandbox a host runs in. */
export function sandboxArguments(plan: SandboxMountPlan): string[] {
  const args = ['--unshare-all'];
  if (plan.network) args.push('--share-net');
  args.push('--unshare-user');
  if (plan.runAsNobody) args.push('--uid', '65534', '--gid', '65534');
  args.push('--disable-userns', '--cap-drop', 'ALL', '--new-session', '--hostname', 'sandbox');
  const system = systemMounts();
  const covered = (file: string) => ['/usr', '/etc', '/opt'].some((root) => isWithin(file, root)) && system.mounts.some((mount) => mount.kind === 'ro-bind' && isWithin(file, mount.source));
  for (const mount of system.mounts) {
    // resolv.conf may be a link into /run, which is not mounted: bind what it leads to.
    if (plan.network && mount.target === '/etc/resolv.conf') continue;
    args.push(...mountArguments(mount));
  }
  if (plan.network) {
    try {
      args.push('--ro-bind', realpathSync('/etc/resolv.conf'), '/etc/resolv.conf');
    } catch {
      // no resolver configuration
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', plan.home, '--tmpfs', '/var/tmp');
  for (const sysfs of plan.gpuSysfs ?? []) args.push('--ro-bind-try', sysfs, sysfs);
  for (const readOnly of plan.readOnlyPaths) if (!covered(readOnly)) args.push('--ro-bind', readOnly, readOnly);
  args.push('--bind', plan.workspace, plan.workspace);
  for (const writable of plan.writablePaths) args.push('--bind', writable, writable);
  for (const protectedPath of plan.protectedPaths) args.push('--ro-bind', protectedPath, protectedPath);
  for (const hidden of plan.hiddenPaths) {
    const info = lstatOrUndefined(hidden);
    if (!info || isWithin(plan.workspace, hidden)) continue;
    const visible = [plan.workspace, ...plan.readOnlyPaths, ...plan.writablePaths, '/usr', '/etc', '/opt'].some((root) => isWithin(hidden, root));
    if (!visible) continue;
    if (info.isDirectory()) args.push('--tmpfs', hidden, '--remount-ro', hidden);
    else args.push('--ro-bind', '/dev/null', hidden);
  }
  for (const device of plan.devices) args.push('--dev-bind', device, device);
  if (plan.egressDirectory) args.push('--ro-bind', plan.egressDirectory, EGRESS_MOUNT);
  args.push('--remount-ro', '/', '--chdir', plan.workspace);
  return args;
}
