import path from 'node:path';
import { defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { readHostFile, realpathHost, statHostPath, writeHostFileAtomically } from './host-files.js';
import type { ReadTracker } from './read-tracker.js';
import { canonicalRulePath, resolveWorkspacePath, type WorkspacePathPolicy } from './resolve-workspace-path.js';
import type { Sandbox } from './sandbox.js';

/** Lines shown by `read` when the model gives no `limit`. */
export const DEFAULT_READ_LINES = 2_000;
const MAX_LINE_CHARS = 2_000;
/** Characters of numbered lines per call, under the router's 25k cap so nothing is cut mid-read. */
const MAX_OUTPUT_CHARS = 24_000;
const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Options of the `read` tool: the sandbox, the session's read tracker and the allowed roots. */
export interface ReadToolOptions extends WorkspacePathPolicy {
  sandbox: Sandbox;
  tracker: ReadTracker;
}

const readInput = z.object({
  path: z.string().describe('File to read: relative to the workspace, or absolute (a saved tool output in the session data directory works too).'),
  offset: z.number().int().min(1).optional().describe('First line to show, 1-based (default 1).'),
  limit: z.number().int().min(1).optional().describe(`Number of lines to show (default ${DEFAULT_READ_LINES}).`),
});

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Text unless it has NUL bytes near the start or is not valid UTF-8. */
function decodeText(content: Uint8Array): string | undefined {
  if (content.subarray(0, 8_192).includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return undefined;
  }
}

/** Numbered lines (`cat -n` style) from `offset`, within the line and character budgets. */
export function formatLines(text: string, offset: number, limit: number): { output: string; last: number; total: number } {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const total = lines.length;
  const shown: string[] = [];
  let chars = 0;
  let last = offset - 1;
  for (let index = offset - 1; index < Math.min(total, offset - 1 + limit); index += 1) {
    let line = (lines[index] ?? '').replace(/\r$/, '');
    if (line.length > MAX_LINE_CHARS) line = `${line.slice(0, MAX_LINE_CHARS)}… [line cut: ${line.length} characters]`;
    const numbered = `${String(index + 1).padStart(6)}\t${line}`;
    if (shown.length > 0 && chars + numbered.length + 1 > MAX_OUTPUT_CHARS) break;
    shown.push(numbered);
    chars += numbered.length + 1;
    last = index + 1;
  }
  return { output: shown.join('\n'), last, total };
}

/** The host's session data directory seen through the Sandbox shape, for spill files. */
function hostView(directory: string): Sandbox {
  return {
    workspace: directory,
    runtime: 'host',
    sandboxed: false,
    network: true,
    exec: () => Promise.reject(new Error('not available')),
    readFile: readHostFile,
    writeFile: writeHostFileAtomically,
    stat: statHostPath,
    realpath: realpathHost,
    describe: () => Promise.reject(new Error('not available')),
  };
}

/** The `read` tool: numbered lines with offset/limit, long lines cut, binary files detected. */
export function createReadTool(options: ReadToolOptions): Tool<typeof readInput> {
  const { sandbox, tracker } = options;
  return defineTool({
    name: 'read',
    description: `Read a text file with line numbers (${DEFAULT_READ_LINES} lines by default; use offset/limit for more). Paths are relative to the workspace (${sandbox.workspace}). Reading a file is required before overwriting it with write or changing it with edit.`,
    inputSchema: readInput,
    readOnly: true,
    summarize: (input) => `read ${input.path}${input.offset ? ` from line ${input.offset}` : ''}`,
    ruleInput: async (input) => ({ ...input, path: await canonicalRulePath(sandbox, input.path) }),
    async execute(input, ctx) {
      // Spilled tool outputs live on the agent's machine even when the sandbox is remote.
      const dataDirectory = path.resolve(ctx.session.dataDir);
      const inDataDirectory = path.isAbsolute(input.path) && isWithin(path.resolve(input.path), dataDirectory);
      const files = inDataDirectory ? hostView(dataDirectory) : sandbox;
      const target = await resolveWorkspacePath(files, input.path, 'read', inDataDirectory ? {} : options);
      const info = await files.stat(target);
      if (!info) throw new ToolExecutionError(`${input.path} does not exist`);
      if (info.type === 'directory') throw new ToolExecutionError(`${input.path} is a directory; list it with bash (ls)`);
      if (info.size > MAX_FILE_BYTES) {
        throw new ToolExecutionError(`${input.path} is ${info.size} bytes, too large to read whole; look at parts of it with bash (head, tail, sed -n 'A,Bp', grep)`);
      }
      const content = await files.readFile(target);
      if (!inDataDirectory) tracker.record(target, content);
      const text = decodeText(content);
      if (text === undefined) return `${input.path} is a binary file (${content.length} bytes) and is not shown; inspect it with bash (file, xxd | head, python).`;
      if (text === '') return `${input.path} is empty.`;
      const offset = input.offset ?? 1;
      const { output, last, total } = formatLines(text, offset, input.limit ?? DEFAULT_READ_LINES);
      if (offset > total) throw new ToolExecutionError(`offset ${offset} is past the end of ${input.path}, which has ${total} lines`);
      if (offset === 1 && last === total) return output;
      return `${output}\n[lines ${offset}–${last} of ${total}${last < total ? `; continue with offset ${last + 1}` : ''}]`;
    },
  });
}
