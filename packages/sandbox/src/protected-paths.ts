import path from 'node:path';

/**
 * Why a workspace path is protected: files the user's own tools read and act on, so that a
 * planted one would make them run code or change what ml-intern may do (SECURITY.md,
 * "workspace ↔ the user's tools").
 */
export type ProtectedKind = 'project config' | 'environment' | 'git metadata' | 'project instructions';

/** Options that change what is protected. */
export interface ProtectedPathOptions {
  /** The user let the agent write `.git` (`sandbox.git_writable`): git metadata is not protected. */
  gitWritable?: boolean;
}

/**
 * What protects `relative` (a posix path relative to the workspace, already normalised, no `..`
 * escape), if anything: any component `.ml-intern` (project configuration: the nearest ancestor
 * holding one is the project root), any component `.git` (hooks and config run code; nested
 * repositories too), a last component `.env*` (`.env`, `.env.local`, `.envrc`), or a last component
 * `AGENTS.md` / `ML_INTERN.md` (read into every later session's system prompt: a planted one is a
 * prompt injection that outlives the session). Compared
 * case-insensitively, so a case-insensitive file system (macOS) gives no way around it.
 */
export function protectedKind(relative: string, options: ProtectedPathOptions = {}): ProtectedKind | undefined {
  const segments = relative.split('/').filter((segment) => segment !== '' && segment !== '.');
  for (const segment of segments) {
    const lower = segment.toLowerCase();
    if (lower === '.ml-intern') return 'project config';
    if (lower === '.git' && !options.gitWritable) return 'git metadata';
  }
  const last = (segments.at(-1) ?? '').toLowerCase();
  if (last.startsWith('.env')) return 'environment';
  if (last === 'agents.md' || last === 'ml_intern.md') return 'project instructions';
  return undefined;
}

/** The approval prompt's reason for writing a protected path. */
export function protectedWriteReason(relative: string, kind: ProtectedKind): string {
  return `${relative} is a protected file (${kind}): writing it needs your explicit approval`;
}

/** `relative` is `..` or goes up out of its base. */
export function escapesUpward(relative: string): boolean {
  return relative === '..' || relative.startsWith('../');
}

/**
 * The lexical workspace-relative form of a path the model gave (resolved against the workspace,
 * `.` and `..` collapsed, symbolic links not followed), or `undefined` when it lies outside.
 */
export function lexicalWorkspaceRelative(workspace: string, requested: string): string | undefined {
  if (requested.trim() === '' || requested.includes('\0')) return undefined;
  const relative = path.posix.relative(workspace, path.posix.resolve(workspace, requested));
  if (relative === '' || escapesUpward(relative) || path.posix.isAbsolute(relative)) return undefined;
  return relative;
}

/** The protected workspace path a write request names, judged lexically (what the approval prompt shows). */
export function protectedWriteRequest(workspace: string, requested: string, options: ProtectedPathOptions = {}): { relative: string; kind: ProtectedKind } | undefined {
  const relative = lexicalWorkspaceRelative(workspace, requested);
  if (relative === undefined) return undefined;
  const kind = protectedKind(relative, options);
  return kind ? { relative, kind } : undefined;
}
