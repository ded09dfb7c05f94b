import path from 'node:path';
import { ToolExecutionError } from '@ml-intern/core';
import { escapesUpward, type ProtectedKind, protectedKind, protectedWriteRequest } from './protected-paths.js';
import type { Sandbox } from './sandbox.js';

/** Where the file tools may go. */
export interface WorkspacePathPolicy {
  /** Extra directories the `read` tool may read (the session's data directory always is). */
  readableRoots?: readonly string[];
  /** Extra directories `write` and `edit` may change. */
  writableRoots?: readonly string[];
  /**
   * Let `write`/`edit` change `.git` directories of the workspace like any other file (default
   * false: git metadata is protected, as it is read-only for bash).
   */
  gitWritable?: boolean;
}

function isWithin(child: string, parent: string): boolean {
  const relative = path.posix.relative(parent, child);
  return relative === '' || (!escapesUpward(relative) && !path.posix.isAbsolute(relative));
}

/** The canonical path of `target`, or of its nearest existing ancestor joined with the missing rest. */
async function canonical(sandbox: Sandbox, target: string): Promise<string> {
  let existing = target;
  const missing: string[] = [];
  for (;;) {
    const resolved = await sandbox.realpath(existing);
    if (resolved !== undefined) return path.posix.join(resolved, ...missing.reverse());
    const parent = path.posix.dirname(existing);
    if (parent === existing) return target;
    missing.push(path.posix.basename(existing));
    existing = parent;
  }
}

function checkRequested(requested: string): void {
  if (requested.trim() === '') throw new ToolExecutionError('the path is empty; give a path relative to the workspace');
  if (requested.includes('\0')) throw new ToolExecutionError('the path contains a NUL character');
}

interface Resolution {
  /** Canonical target (symbolic links resolved; missing components appended). */
  target: string;
  /** Canonical allowed roots; the workspace first. */
  roots: string[];
}

async function resolveAllowed(sandbox: Sandbox, requested: string, access: 'read' | 'write', policy: WorkspacePathPolicy): Promise<Resolution> {
  checkRequested(requested);
  const roots = [sandbox.workspace, ...(policy.writableRoots ?? []), ...(access === 'read' ? (policy.readableRoots ?? []) : [])];
  const lexical = path.posix.resolve(sandbox.workspace, requested);
  const refusal = `refused: ${requested} is outside the workspace (${sandbox.workspace})${access === 'read' && (policy.readableRoots?.length ?? 0) > 0 ? ` and the other readable directories (${policy.readableRoots?.join(', ')})` : ''}. Use paths inside the workspace.`;
  const canonicalRoots = await Promise.all(roots.map((root) => canonical(sandbox, root)));
  if (!roots.some((root) => isWithin(lexical, root)) && !canonicalRoots.some((root) => isWithin(lexical, root))) {
    throw new ToolExecutionError(refusal);
  }
  const target = await canonical(sandbox, lexical);
  if (!canonicalRoots.some((root) => isWithin(target, root))) {
    throw new ToolExecutionError(`refused: ${requested} leads through a symbolic link to ${target}, outside the workspace (${sandbox.workspace}).`);
  }
  return { target, roots: canonicalRoots };
}

/** What protects the canonical `target`, judged against the canonical workspace root. */
function canonicalProtection(target: string, workspaceRoot: string, policy: WorkspacePathPolicy): ProtectedKind | undefined {
  if (!isWithin(target, workspaceRoot)) return undefined;
  const relative = path.posix.relative(workspaceRoot, target);
  return relative === '' ? undefined : protectedKind(relative, policy);
}

/**
 * Resolve a path the model gave against the workspace and refuse anything outside the allowed
 * roots: `..` escapes, absolute paths elsewhere, and symbolic links that lead out (checked on the
 * canonical path of the target, or of its nearest existing ancestor for a new file). Returns the
 * canonical path, so a file is tracked under one name however it was spelled. For `write` it
 * also refuses protected files (`.ml-intern/`, `.env*`, `.git` unless `gitWritable`): the
 * `write` and `edit` tools write those only after an explicit approval, through
 * {@link resolveWriteTarget}.
 */
export async function resolveWorkspacePath(
  sandbox: Sandbox,
  requested: string,
  access: 'read' | 'write',
  policy: WorkspacePathPolicy = {},
): Promise<string> {
  const { target, roots } = await resolveAllowed(sandbox, requested, access, policy);
  if (access === 'write') {
    const kind = canonicalProtection(target, roots[0] ?? sandbox.workspace, policy);
    if (kind === 'git metadata') throw new ToolExecutionError(`refused: ${requested} is inside .git, which is read-only in this sandbox.`);
    if (kind) throw new ToolExecutionError(`refused: ${requested} is a protected file (${kind}).`);
  }
  return target;
}

/** Where a `write` or `edit` goes, resolved once at execute time. */
export interface WriteTarget {
  /** Canonical path (the read tracker's key). */
  target: string;
  /** Canonical root the file is written under (the workspace, or a configured writable root). */
  root: string;
  /** Posix path below `root` that is written without following a symbolic link in any component. */
  relative: string;
  /** Set when the request itself names a protected file, so the call was approved by a person. */
  protectedKind?: ProtectedKind;
}

/**
 * Resolve the destination of `write`/`edit`. A request that names a protected file lexically
 * (`.env`, `sub/../.git/config`) was asked about with `neverAuto`, so reaching here means a person
 * approved it: it is written at exactly that path, refusing symbolic links in every component.
 * A request that does not name one but reaches one through a symbolic link (`innocent -> .env`)
 * was never asked about and is refused.
 */
export async function resolveWriteTarget(sandbox: Sandbox, requested: string, policy: WorkspacePathPolicy = {}): Promise<WriteTarget> {
  const { target, roots } = await resolveAllowed(sandbox, requested, 'write', policy);
  const workspaceRoot = roots[0] ?? sandbox.workspace;
  const named = protectedWriteRequest(sandbox.workspace, requested, policy);
  if (named) return { target, root: workspaceRoot, relative: named.relative, protectedKind: named.kind };
  const reached = canonicalProtection(target, workspaceRoot, policy);
  if (reached) {
    throw new ToolExecutionError(
      `refused: ${requested} leads through a symbolic link to ${path.posix.relative(workspaceRoot, target)}, a protected file (${reached}). Protected files are written only when named directly, with the user's approval.`,
    );
  }
  const root = roots.find((candidate) => isWithin(target, candidate)) ?? workspaceRoot;
  return { target, root, relative: path.posix.relative(root, target) };
}

/**
 * A path as approval rules see it: the canonical path relative to the workspace in posix form
 * (`./.env`, `/abs/ws/.env` and `sub/../.env` are all `.env`; a link is followed to its target,
 * a missing file resolved through its nearest existing ancestor), or the absolute canonical path
 * when it lies outside the workspace.
 */
export async function canonicalRulePath(sandbox: Sandbox, requested: string): Promise<string> {
  checkRequested(requested);
  // Approval decisions run before the call and see no abort signal: a sandbox that does not
  // answer (a host stopped or wedged) must not hold the turn, Ctrl-C or SIGTERM. The call is refused.
  const limitMs = sandbox.runtime === 'remote' ? 15_000 : 1_500;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ToolExecutionError(`the sandbox did not answer within ${limitMs / 1000} s while resolving ${requested}; try again`)), limitMs);
  });
  try {
    const [target, workspaceRoot] = await Promise.race([Promise.all([canonical(sandbox, path.posix.resolve(sandbox.workspace, requested)), canonical(sandbox, sandbox.workspace)]), timeout]);
    if (!isWithin(target, workspaceRoot)) return target;
    return path.posix.relative(workspaceRoot, target) || '.';
  } finally {
    clearTimeout(timer);
  }
}
