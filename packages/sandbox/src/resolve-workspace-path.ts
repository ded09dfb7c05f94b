import path from 'node:path';
import { ToolExecutionError } from '@ml-intern/core';
import type { Sandbox } from './sandbox.js';

/** Where the file tools may go. */
export interface WorkspacePathPolicy {
  /** Extra directories the `read` tool may read (the session's data directory always is). */
  readableRoots?: readonly string[];
  /** Extra directories `write` and `edit` may change. */
  writableRoots?: readonly string[];
  /** Allow `write`/`edit` inside the workspace's `.git` (default false, as for bash). */
  gitWritable?: boolean;
}

function isWithin(child: string, parent: string): boolean {
  const relative = path.posix.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.posix.isAbsolute(relative));
}

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

/**
 * Resolve a path the model gave against the workspace and refuse anything outside the allowed
 * roots: `..` escapes, absolute paths elsewhere, and symbolic links that lead out (checked on the
 * canonical path of the target, or of its nearest existing ancestor for a new file). Returns the
 * canonical path, so a file is tracked under one name however it was spelled.
 */
export async function resolveWorkspacePath(
  sandbox: Sandbox,
  requested: string,
  access: 'read' | 'write',
  policy: WorkspacePathPolicy = {},
): Promise<string> {
  if (requested.trim() === '') throw new ToolExecutionError('the path is empty; give a path relative to the workspace');
  if (requested.includes('\0')) throw new ToolExecutionError('the path contains a NUL character');
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
  if (access === 'write' && !policy.gitWritable) {
    const workspaceRoot = canonicalRoots[0] ?? sandbox.workspace;
    if (isWithin(target, path.posix.join(workspaceRoot, '.git'))) {
      throw new ToolExecutionError(`refused: ${requested} is inside .git, which is read-only in this sandbox.`);
    }
  }
  return target;
}
