import { defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { untilAborted } from './abortable.js';
import { applyEdit } from './apply-edit.js';
import { checkSyntax } from './check-syntax.js';
import { formatLines } from './read-tool.js';
import { resolveWriteTarget } from './resolve-workspace-path.js';
import { assertWritable, fileRuleInput, fileWriteApproval, type FileToolOptions, writeDestination } from './write-tool.js';

const editInput = z.object({
  path: z.string().describe('File to change, relative to the workspace. It must have been read first.'),
  old_string: z.string().min(1).describe('The text to replace, copied from the file with enough context to be unique.'),
  new_string: z.string().describe('The replacement text.'),
  replace_all: z.boolean().optional().describe('Replace every occurrence instead of requiring exactly one (default false).'),
});

const STRATEGY_NOTE = {
  exact: '',
  whitespace: ' (matched ignoring whitespace differences)',
  unicode: ' (matched after normalising quotes, dashes and other Unicode look-alikes)',
} as const;

/**
 * The `edit` tool: replace one exact span (or all with `replace_all`), falling back to
 * whitespace-insensitive and Unicode-normalised matching; refuses ambiguous matches.
 */
export function createEditTool(options: FileToolOptions): Tool<typeof editInput> {
  const { sandbox, tracker } = options;
  return defineTool({
    name: 'edit',
    description: `Replace old_string with new_string in a file you have read (paths relative to the workspace, ${sandbox.workspace}). old_string must match exactly one place unless replace_all is true; if no exact match exists, whitespace differences and Unicode look-alikes (smart quotes, dashes) are tolerated.`,
    inputSchema: editInput,
    summarize: (input) => `edit ${input.path}${input.replace_all ? ' (all occurrences)' : ''}`,
    approval: (input) => fileWriteApproval(sandbox, input.path, options),
    ruleInput: (input) => fileRuleInput(sandbox, input),
    execute(input, ctx) {
      return untilAborted(ctx.signal, async () => {
        const destination = await resolveWriteTarget(sandbox, input.path, options);
        const { target } = destination;
        return tracker.exclusive(target, async () => {
          const current = await assertWritable(sandbox, tracker, target, input.path);
          if (current === undefined) throw new ToolExecutionError(`${input.path} does not exist; create it with the write tool`);
          let text: string;
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(current);
          } catch {
            throw new ToolExecutionError(`${input.path} is not a UTF-8 text file; edit it with bash instead`);
          }
          const result = applyEdit(text, input.old_string, input.new_string, input.replace_all ?? false, input.path);
          await writeDestination(sandbox, destination, result.content);
          tracker.record(target, Buffer.from(result.content, 'utf8'));
          const first = result.lines[0] ?? 1;
          const changedLines = input.new_string.split('\n').length;
          const snippet = formatLines(result.content, Math.max(1, first - 2), changedLines + 4).output;
          const where = result.replacements === 1 ? `line ${first}` : `lines ${result.lines.join(', ')}`;
          const summary = `Edited ${input.path}: ${result.replacements} replacement${result.replacements === 1 ? '' : 's'} at ${where}${STRATEGY_NOTE[result.strategy]}.\n${snippet}`;
          const warning = await checkSyntax(sandbox, target, result.content, ctx.signal);
          return warning ? `${summary}\nWarning: ${warning}` : summary;
        });
      });
    },
  });
}
