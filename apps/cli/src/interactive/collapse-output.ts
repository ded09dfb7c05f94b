import { truncateText } from './terminal-style.js';

/** The first lines of a tool's output, each cut to the terminal width, and how many were left out. */
export interface CollapsedOutput {
  lines: string[];
  hiddenLines: number;
}

/**
 * A short view of tool output: the first `maxLines` non-empty-trailing lines, cut to `width`
 * columns. Trailing blank lines do not count as hidden output.
 */
export function collapseOutput(text: string, options: { maxLines: number; width: number }): CollapsedOutput {
  const all = text.replace(/\s+$/, '').split('\n');
  if (all.length === 1 && all[0] === '') return { lines: [], hiddenLines: 0 };
  const shown = all.slice(0, options.maxLines).map((line) => truncateText(line.replace(/\t/g, '  '), options.width));
  return { lines: shown, hiddenLines: Math.max(0, all.length - options.maxLines) };
}
