import { ToolExecutionError } from '@ml-intern/core';

/** How `old_string` was found: verbatim, ignoring whitespace, or after Unicode normalisation. */
export type MatchStrategy = 'exact' | 'whitespace' | 'unicode';

/** The edited text and how the match was found. */
export interface EditResult {
  content: string;
  replacements: number;
  strategy: MatchStrategy;
  /** 1-based line of each replaced span, in file order. */
  lines: number[];
}

/** Normalised text with, for every character, the span of the original it came from. */
interface NormalizedText {
  text: string;
  starts: number[];
  ends: number[];
}

const SINGLE_QUOTES = new Set(['\u2018', '\u2019', '\u201A', '\u201B', '\u2032', '\u2035', '\u02BC']);
const DOUBLE_QUOTES = new Set(['\u201C', '\u201D', '\u201E', '\u201F', '\u2033', '\u2036']);
const DASHES = new Set(['\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\uFE58', '\uFE63', '\uFF0D']);
const INVISIBLE = new Set(['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF']);
const HORIZONTAL_SPACE = /^[ \t\f\v\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]$/;

/** Smart quotes and dashes to ASCII, invisible characters removed, the rest NFKC (… → ...). */
function foldCharacter(character: string): string {
  if (SINGLE_QUOTES.has(character)) return "'";
  if (DOUBLE_QUOTES.has(character)) return '"';
  if (DASHES.has(character)) return '-';
  if (INVISIBLE.has(character)) return '';
  if (HORIZONTAL_SPACE.test(character)) return ' ';
  return character.normalize('NFKC');
}

/**
 * Whitespace-insensitive form: line-leading and line-trailing spaces dropped, inner runs of
 * spaces and tabs collapsed to one space, carriage returns dropped. With `unicode`, characters
 * are folded first. Each output character remembers its original span.
 */
function normalize(text: string, unicode: boolean): NormalizedText {
  const result: NormalizedText = { text: '', starts: [], ends: [] };
  const push = (character: string, start: number, end: number) => {
    result.text += character;
    result.starts.push(start);
    result.ends.push(end);
  };
  let pendingSpace: { start: number; end: number } | undefined;
  let atLineStart = true;
  let index = 0;
  for (const original of text) {
    const start = index;
    index += original.length;
    const folded = unicode ? foldCharacter(original) : original;
    for (const character of folded) {
      if (character === '\r') continue;
      if (HORIZONTAL_SPACE.test(character)) {
        if (!atLineStart) pendingSpace = { start: pendingSpace?.start ?? start, end: index };
        continue;
      }
      if (character === '\n') {
        pendingSpace = undefined;
        atLineStart = true;
        push('\n', start, index);
        continue;
      }
      if (pendingSpace) push(' ', pendingSpace.start, pendingSpace.end);
      pendingSpace = undefined;
      atLineStart = false;
      push(character, start, index);
    }
  }
  return result;
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  if (needle === '') return found;
  let position = haystack.indexOf(needle);
  while (position !== -1) {
    found.push(position);
    position = haystack.indexOf(needle, position + needle.length);
  }
  return found;
}

function lineOf(content: string, offset: number): number {
  let line = 1;
  for (let index = content.indexOf('\n'); index !== -1 && index < offset; index = content.indexOf('\n', index + 1)) line += 1;
  return line;
}

/** Spans of `oldString` in `content` under one strategy. */
function findSpans(content: string, oldString: string, strategy: MatchStrategy): Array<[number, number]> {
  if (strategy === 'exact') return occurrences(content, oldString).map((start) => [start, start + oldString.length]);
  const unicode = strategy === 'unicode';
  const haystack = normalize(content, unicode);
  const needle = normalize(oldString, unicode).text;
  if (needle.trim() === '') return [];
  // The model gave indentation: replace from the start of the line, or it would be doubled.
  const includesIndentation = /^[ \t]/.test(oldString);
  return occurrences(haystack.text, needle).map((position) => {
    let start = haystack.starts[position] ?? 0;
    const end = haystack.ends[position + needle.length - 1] ?? start;
    if (includesIndentation && (position === 0 || haystack.text[position - 1] === '\n')) {
      while (start > 0 && /[ \t]/.test(content[start - 1] ?? '')) start -= 1;
    }
    return [start, end];
  });
}

const STRATEGY_NOTE: Record<MatchStrategy, string> = {
  exact: '',
  whitespace: ' (ignoring whitespace differences)',
  unicode: ' (after normalising quotes, dashes and other Unicode look-alikes)',
};

/**
 * Replace `oldString` with `newString`: an exact match first, then whitespace-insensitive, then
 * Unicode-normalised (NFKC, smart quotes, dashes), each mapped back to the original span. More
 * than one match without `replaceAll` is refused with the count and lines.
 */
export function applyEdit(content: string, oldString: string, newString: string, replaceAll = false, fileName = 'the file'): EditResult {
  if (oldString === '') throw new ToolExecutionError('old_string is empty; use the write tool to create or replace a whole file');
  if (oldString === newString) throw new ToolExecutionError('old_string and new_string are identical; nothing would change');
  for (const strategy of ['exact', 'whitespace', 'unicode'] as const) {
    const spans = findSpans(content, oldString, strategy);
    if (spans.length === 0) continue;
    const lines = spans.map(([start]) => lineOf(content, start));
    if (spans.length > 1 && !replaceAll) {
      const shown = lines.slice(0, 10).join(', ') + (lines.length > 10 ? ', …' : '');
      throw new ToolExecutionError(
        `old_string matches ${spans.length} places in ${fileName}${STRATEGY_NOTE[strategy]}, at lines ${shown}. Include more surrounding lines to make it unique, or set replace_all to true to change all ${spans.length}.`,
      );
    }
    let result = content;
    for (const [start, end] of [...spans].reverse()) result = result.slice(0, start) + newString + result.slice(end);
    return { content: result, replacements: spans.length, strategy, lines };
  }
  throw new ToolExecutionError(
    `old_string was not found in ${fileName}, not even ignoring whitespace differences or normalising quotes, dashes and other Unicode look-alikes. Read the file again and copy the exact text to replace.`,
  );
}
