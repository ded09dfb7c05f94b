import path from 'node:path';
import { type ApprovalHint, defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { untilAborted } from './abortable.js';
import { checkSyntax } from './check-syntax.js';
import { protectedWriteReason, protectedWriteRequest } from './protected-paths.js';
import type { ReadTracker } from './read-tracker.js';
import { canonicalRulePath, resolveWriteTarget, type WorkspacePathPolicy, type WriteTarget } from './resolve-workspace-path.js';
import type { Sandbox } from './sandbox.js';

/** Options of the `write` and `edit` tools. */
export interface FileToolOptions extends WorkspacePathPolicy {
  sandbox: Sandbox;
  tracker: ReadTracker;
}

const writeInput = z.object({
  path: z.string().describe('File to write, relative to the workspace. Parent directories are created.'),
  content: z.string().describe('The complete new content of the file.'),
});

/**
 * Refuse to replace an existing file the model has not read, or that changed since it read it
 * (a command, the user or another process wrote it). Returns the current content.
 */
export async function assertWritable(sandbox: Sandbox, tracker: ReadTracker, target: string, shownPath: string): Promise<Uint8Array | undefined> {
  const info = await sandbox.stat(target);
  if (!info) return undefined;
  if (info.type !== 'file') throw new ToolExecutionError(`${shownPath} exists and is not a regular file`);
  const current = await sandbox.readFile(target);
  const check = tracker.check(target, current);
  if (!check.ok && check.reason === 'unread') {
    throw new ToolExecutionError(`${shownPath} already exists and has not been read in this session. Read it first, then write or edit it.`);
  }
  if (!check.ok) {
    throw new ToolExecutionError(`${shownPath} changed since you last read it (a command or someone else modified it). Read it again before changing it.`);
  }
  return current;
}

/**
 * The approval hint of `write` and `edit`: a protected file (`.ml-intern/`, `.env*`, `.git` unless
 * `gitWritable`), judged on the path as given with `.` and `..` collapsed, always asks a person
 * (`neverAuto`: no mode, rule or "always" answer approves it, unattended runs deny it).
 */
export function fileWriteApproval(sandbox: Sandbox, requested: string, policy: WorkspacePathPolicy): ApprovalHint {
  const named = protectedWriteRequest(sandbox.workspace, requested, policy);
  if (named) return { decision: 'ask', neverAuto: true, reason: protectedWriteReason(named.relative, named.kind) };
  return { decision: 'allow', reason: 'writes an ordinary file' };
}

/** The arguments approval rules see: `path` canonical and workspace-relative (see {@link canonicalRulePath}). */
export async function fileRuleInput<Input extends { path: string }>(sandbox: Sandbox, input: Input): Promise<Record<string, unknown>> {
  return { ...input, path: await canonicalRulePath(sandbox, input.path) };
}

/**
 * Write a resolved destination without following symbolic links below its root. A sandbox that
 * cannot do that itself (a remote host) gets each component of a protected path checked first.
 */
export async function writeDestination(sandbox: Sandbox, destination: WriteTarget, data: string): Promise<void> {
  if (sandbox.writeFileNoFollow) {
    await sandbox.writeFileNoFollow(destination.root, destination.relative, data);
    return;
  }
  const file = path.posix.join(destination.root, destination.relative);
  if (destination.protectedKind) {
    // Checked, then written: the remote protocol has no no-follow write, so a link swapped in
    // between the two is not caught here.
    let current = destination.root;
    for (const part of destination.relative.split('/')) {
      current = path.posix.join(current, part);
      const resolved = await sandbox.realpath(current);
      if (resolved === undefined) break;
      if (resolved !== current) {
        throw new ToolExecutionError(`refused: ${destination.relative} is written without following symbolic links, and ${path.posix.relative(destination.root, current)} is one.`);
      }
    }
  }
  await sandbox.writeFile(file, data);
}

/** Lines in `text`, a final newline not starting a new one. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The `write` tool: atomic whole-file writes, guarded by read-before-write. */
export function createWriteTool(options: FileToolOptions): Tool<typeof writeInput> {
  const { sandbox, tracker } = options;
  return defineTool({
    name: 'write',
    description: `Create a file or replace its whole content (atomically; parent directories are created). Paths are relative to the workspace (${sandbox.workspace}). An existing file must be read first and unchanged since; prefer edit for small changes.`,
    inputSchema: writeInput,
    summarize: (input) => `write ${input.path} (${lineCount(input.content)} lines)`,
    approval: (input) => fileWriteApproval(sandbox, input.path, options),
    ruleInput: (input) => fileRuleInput(sandbox, input),
    execute(input, ctx) {
      return untilAborted(ctx.signal, async () => {
        const destination = await resolveWriteTarget(sandbox, input.path, options);
        const { target } = destination;
        return tracker.exclusive(target, async () => {
          const existed = (await assertWritable(sandbox, tracker, target, input.path)) !== undefined;
          await writeDestination(sandbox, destination, input.content);
          tracker.record(target, Buffer.from(input.content, 'utf8'));
          const lines = lineCount(input.content);
          const summary = `${existed ? 'Replaced' : 'Created'} ${input.path} (${lines} line${lines === 1 ? '' : 's'}, ${Buffer.byteLength(input.content)} bytes).`;
          const warning = await checkSyntax(sandbox, target, input.content, ctx.signal);
          return warning ? `${summary}\nWarning: ${warning}` : summary;
        });
      });
    },
  });
}
