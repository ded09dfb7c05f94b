import { ToolExecutionError } from '@ml-intern/core';

export interface LineSelection {
  text: string;
  /** 1-based first and last line shown (0 and 0 for an empty file). */
  first: number;
  last: number;
  total: number;
}

/** Lines longer than this are cut (minified code would otherwise fill the output). */
const MAX_LINE_CHARS = 2000;

/**
 * Lines `start`…`end` (1-based, inclusive) of a text; without `end`, `window` lines. An `end` past
 * the last line is clamped; a `start` past it is an error the model sees.
 */
export function selectLines(text: string, start: number, end: number | undefined, window = 300): LineSelection {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const total = lines.length;
  if (total === 0) return { text: '(empty file)', first: 0, last: 0, total: 0 };
  if (start > total) throw new ToolExecutionError(`line_start ${start} is past the end of the file (${total} lines).`);
  const last = Math.min(total, end ?? start + window - 1);
  const shown = lines
    .slice(start - 1, last)
    .map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [line cut at ${MAX_LINE_CHARS} of ${line.length} characters]` : line));
  return { text: shown.join('\n'), first: start, last, total };
}
