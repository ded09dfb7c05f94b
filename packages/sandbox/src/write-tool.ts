import { defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { checkSyntax } from './check-syntax.js';
import type { ReadTracker } from './read-tracker.js';
import { resolveWorkspacePath, type WorkspacePathPolicy } from './resolve-workspace-path.js';
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
    async execute(input, ctx) {
      const target = await resolveWorkspacePath(sandbox, input.path, 'write', options);
      return tracker.exclusive(target, async () => {
        const existed = (await assertWritable(sandbox, tracker, target, input.path)) !== undefined;
        await sandbox.writeFile(target, input.content);
        tracker.record(target, Buffer.from(input.content, 'utf8'));
        const lines = lineCount(input.content);
        const summary = `${existed ? 'Replaced' : 'Created'} ${input.path} (${lines} line${lines === 1 ? '' : 's'}, ${Buffer.byteLength(input.content)} bytes).`;
        const warning = await checkSyntax(sandbox, target, input.content, ctx.signal);
        return warning ? `${summary}\nWarning: ${warning}` : summary;
      });
    },
  });
}
