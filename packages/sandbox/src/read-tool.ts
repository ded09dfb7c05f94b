import path from 'node:path';
import { defineTool, sniffImage, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { untilAborted } from './abortable.js';
import { readHostFile, readRegularFile, realpathHost, statHostPath, writeHostFileAtomically } from './host-files.js';
import type { ReadTracker } from './read-tracker.js';
import { canonicalRulePath, resolveWorkspacePath, type WorkspacePathPolicy } from './resolve-workspace-path.js';
import type { Sandbox } from './sandbox.js';

/** Lines shown by `read` when the model gives no `limit`. */
export const DEFAULT_READ_LINES = 2_000;
const MAX_LINE_CHARS = 2_000;
/** Characters of numbered lines per call, under the router's 25k cap so nothing is cut mid-read. */
const MAX_OUTPUT_CHARS = 24_000;
/** Larger files are read a window at a time (any size; spill files reach 64 MiB). */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** Bytes scanned per read while counting lines of a large file. */
const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes read from the first shown line on: more than the 24k characters shown can need. */
const WINDOW_BYTES = 1024 * 1024;

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
    readFileRange: (file, start, length) => readRegularFile(file, { start, length }),
    writeFile: writeHostFileAtomically,
    stat: statHostPath,
    realpath: realpathHost,
    describe: () => Promise.reject(new Error('not available')),
  };
}

/**
 * Lines `offset`… of a file too large to read whole, through `readFileRange`: the file is
 * scanned in chunks for line ends up to `offset` (never held whole), then one window from there
 * is shown. Memory stays bounded whatever the file's size.
 */
async function readLargeFile(files: Sandbox & { readFileRange: NonNullable<Sandbox['readFileRange']> }, target: string, shownPath: string, size: number, offset: number, limit: number): Promise<string> {
  const head = await files.readFileRange(target, 0, Math.min(size, 8_192));
  if (head.includes(0)) return `${shownPath} is a binary file (${size} bytes) and is not shown; inspect it with bash (file, xxd | head, python).`;
  let line = 1;
  let start = 0;
  let position = 0;
  while (line < offset && position < size) {
    const chunk = await files.readFileRange(target, position, Math.min(SCAN_CHUNK_BYTES, size - position));
    if (chunk.length === 0) break;
    let index = -1;
    while (line < offset && (index = chunk.indexOf(10, index + 1)) !== -1) {
      line += 1;
      if (line === offset) start = position + index + 1;
    }
    position += chunk.length;
  }
  if (line < offset) throw new ToolExecutionError(`offset ${offset} is past the end of ${shownPath}, which has at most ${line} lines`);
  if (start >= size) throw new ToolExecutionError(`offset ${offset} is past the end of ${shownPath}, which has ${offset - 1} lines`);
  const window = await files.readFileRange(target, start, Math.min(WINDOW_BYTES, size - start));
  const atEnd = start + window.length >= size;
  let text = new TextDecoder('utf-8').decode(window);
  const lastBreak = text.lastIndexOf('\n');
  // A line that runs past the window is left for the next call unless it is the only one (then it is cut).
  if (!atEnd && lastBreak !== -1) text = text.slice(0, lastBreak + 1);
  const { output, last, total } = formatLines(text, 1, limit);
  const first = offset;
  const lastShown = offset + last - 1;
  const more = !atEnd || last < total;
  const renumbered = output.replace(/^ *(\d+)\t/gm, (_match, number: string) => `${String(Number(number) + offset - 1).padStart(6)}\t`);
  return `${renumbered}\n[lines ${first}–${lastShown} of ${shownPath} (${size} bytes, read a part at a time)${more ? `; continue with offset ${lastShown + 1}` : '; end of file'}]`;
}

/** The `read` tool: numbered lines with offset/limit, long lines cut, binary files detected. */
export function createReadTool(options: ReadToolOptions): Tool<typeof readInput> {
  const { sandbox, tracker } = options;
  return defineTool({
    name: 'read',
    description: `Read a text file with line numbers (${DEFAULT_READ_LINES} lines by default; use offset/limit for more). Paths are relative to the workspace (${sandbox.workspace}). Reading a file is required before overwriting it with write or changing it with edit. PNG, JPEG, GIF and WebP images (plots you saved) are shown to you as images.`,
    inputSchema: readInput,
    readOnly: true,
    summarize: (input) => `read ${input.path}${input.offset ? ` from line ${input.offset}` : ''}`,
    ruleInput: async (input) => ({ ...input, path: await canonicalRulePath(sandbox, input.path) }),
    execute(input, ctx) {
      return untilAborted(ctx.signal, async () => {
        // Spilled tool outputs live on the agent's machine even when the sandbox is remote.
        const dataDirectory = path.resolve(ctx.session.dataDir);
        const inDataDirectory = path.isAbsolute(input.path) && isWithin(path.resolve(input.path), dataDirectory);
        const files = inDataDirectory ? hostView(dataDirectory) : sandbox;
        const target = await resolveWorkspacePath(files, input.path, 'read', inDataDirectory ? {} : options);
        const info = await files.stat(target);
        if (!info) throw new ToolExecutionError(`${input.path} does not exist`);
        if (info.type === 'directory') throw new ToolExecutionError(`${input.path} is a directory; list it with bash (ls)`);
        if (info.size > MAX_FILE_BYTES && files.readFileRange) {
          const reader = files.readFileRange.bind(files);
          return readLargeFile({ ...files, readFileRange: reader }, target, input.path, info.size, input.offset ?? 1, input.limit ?? DEFAULT_READ_LINES);
        }
        if (info.size > MAX_FILE_BYTES) {
          throw new ToolExecutionError(`${input.path} is ${info.size} bytes, too large to read whole; look at parts of it with bash (head, tail, sed -n 'A,Bp', grep)`);
        }
        const content = await files.readFile(target);
        if (!inDataDirectory) tracker.record(target, content);
        // A plot or other image goes to the model as an image; the provider refuses it with a note if the model cannot see.
        const image = sniffImage(content);
        if (image) {
          const { mediaType, width, height } = image;
          return {
            output: `${input.path}: ${mediaType.slice(6).toUpperCase()} image, ${width}×${height} px, ${content.length} bytes (attached as an image).`,
            images: [{ type: 'image', mediaType, data: Buffer.from(content).toString('base64'), width, height }],
          };
        }
        const text = decodeText(content);
        if (text === undefined) return `${input.path} is a binary file (${content.length} bytes) and is not shown; inspect it with bash (file, xxd | head, python).`;
        if (text === '') return `${input.path} is empty.`;
        const offset = input.offset ?? 1;
        const { output, last, total } = formatLines(text, offset, input.limit ?? DEFAULT_READ_LINES);
        if (offset > total) throw new ToolExecutionError(`offset ${offset} is past the end of ${input.path}, which has ${total} lines`);
        if (offset === 1 && last === total) return output;
        return `${output}\n[lines ${offset}–${last} of ${total}${last < total ? `; continue with offset ${last + 1}` : ''}]`;
      });
    },
  });
}
