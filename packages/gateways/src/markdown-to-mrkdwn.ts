// Markdown (as models write it) → Slack mrkdwn.
// https://docs.slack.dev/messaging/formatting-message-text
// Slack wants `&`, `<` and `>` escaped everywhere except in its own `<url|text>` link syntax; it
// decodes the entities inside code too, so code is escaped but never reformatted.

// Private-use characters stand in for bold markers, backslash-escaped characters and protected
// spans (code, links, URLs) while the emphasis rules run over the whole line: `**bold**` becomes
// `*bold*` without the italic rule turning it into `_bold_`, and `**see `x`**` stays one bold run.
const BOLD = '\uE000';
const ESCAPED: Record<string, string> = { '*': '\uE001', _: '\uE002', '~': '\uE003', '`': '\uE004', '[': '\uE005', '#': '\uE006' };
const UNESCAPED = Object.fromEntries(Object.entries(ESCAPED).map(([char, marker]) => [marker, char]));
const PROTECTED_BASE = 0xe100;
const PRIVATE_USE = /[\uE000-\uF8FF]/g;
const PROTECTED = /[\uE100-\uF8FF]/g;
// A span is at least 3 characters, so a line over 3× this could run out of markers: sent as is.
const MAX_LINE_SPANS = 0xf8ff - PROTECTED_BASE;

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
const BULLET = /^(\s*)[-*+]\s+(.*)$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_SEPARATOR = /^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*(:?-{3,}:?\s*)?\|?\s*$/;

// Code spans, images/links `[text](url "title")` (one level of parentheses in the URL),
// autolinks `<https://…>` and bare URLs, in one pass.
const INLINE =
  /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|!?\[([^\]]*)\]\(\s*<?((?:[^\s()<>]|\([^\s()<>]*\))+)>?(?:\s+"[^"]*")?\s*\)|<((?:https?|mailto):[^>\s]+)>|(\bhttps?:\/\/[^\s<>]*[^\s<>.,;:!?'")\]*_~])/g;
const LINKABLE = /^(?:https?:|mailto:)/i;

/** Escape the three characters Slack treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Bold, italic and strikethrough of text whose code and links are already protected; escaped. */
function formatEmphasis(text: string): string {
  let result = escapeMrkdwn(text.replace(/\\([*_~`[#\\])/g, (_, char: string) => ESCAPED[char] ?? char));
  result = result.replace(/\*\*\*(?=\S)([^*\n]*?\S)\*\*\*/g, `${BOLD}_$1_${BOLD}`);
  result = result.replace(/\*\*(?=\S)([^\n]*?\S)\*\*/g, `${BOLD}$1${BOLD}`);
  result = result.replace(/(?<![\w_])__(?=\S)([^\n]*?\S)__(?![\w_])/g, `${BOLD}$1${BOLD}`);
  result = result.replace(/(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])/g, '_$1_');
  result = result.replace(/~~(?=\S)([^\n]*?\S)~~/g, '~$1~');
  return result.replace(/\uE000/g, '*');
}

function restoreEscapes(text: string): string {
  return text.replace(/[\uE001-\uE006]/g, (marker) => UNESCAPED[marker] ?? marker);
}

function formatLink(url: string, label: string): string {
  const text = restoreEscapes(formatEmphasis(label)).trim();
  if (!LINKABLE.test(url)) return text ? `${text} (${escapeMrkdwn(url)})` : escapeMrkdwn(url);
  const target = escapeMrkdwn(url).replace(/\|/g, '%7C');
  return text && text !== target ? `<${target}|${text}>` : `<${target}>`;
}

/** Convert one line of prose: code spans and links are protected, the rest gets emphasis rules. */
export function formatInline(line: string): string {
  const spans: string[] = [];
  const protect = (rendered: string) => String.fromCharCode(PROTECTED_BASE + spans.push(rendered) - 1);
  if (line.length > 3 * MAX_LINE_SPANS) return escapeMrkdwn(line);
  const masked = line.replace(INLINE, (whole, ticks?: string, code?: string, label?: string, url?: string, autolink?: string, bare?: string) => {
    if (ticks !== undefined) return protect(`\`${escapeMrkdwn((code ?? '').replace(/^ (.*) $/, '$1'))}\``);
    if (autolink !== undefined) return protect(formatLink(autolink, ''));
    if (bare !== undefined) return protect(escapeMrkdwn(bare));
    if (url !== undefined) return protect(formatLink(url, label ?? ''));
    return whole;
  });
  const formatted = restoreEscapes(formatEmphasis(masked));
  return formatted.replace(PROTECTED, (marker) => spans[marker.charCodeAt(0) - PROTECTED_BASE] ?? '');
}

function splitCells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|').replace(/\*\*|__|`/g, ''));
}

/** Slack has no tables: render one as an aligned code block. */
function formatTable(rows: string[]): string[] {
  const cells = rows.filter((row) => !TABLE_SEPARATOR.test(row)).map(splitCells);
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  const lines = cells.map((row) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join(' | ')
      .trimEnd(),
  );
  return ['```', ...lines.map(escapeMrkdwn), '```'];
}

function formatLine(line: string): string {
  const heading = HEADING.exec(line);
  if (heading) {
    const text = formatInline((heading[1] ?? '').replace(/\*\*|__/g, '')).trim();
    return text ? `*${text}*` : '';
  }
  if (RULE.test(line)) return '──────────';
  const bullet = BULLET.exec(line);
  if (bullet) return `${bullet[1] ?? ''}• ${formatInline(bullet[2] ?? '')}`;
  const quote = QUOTE.exec(line);
  if (quote) return `> ${formatInline(quote[1] ?? '')}`;
  return formatInline(line);
}

/**
 * Convert Markdown to Slack mrkdwn: fenced and inline code kept verbatim (escaped, language hint
 * dropped), `[t](u)` → `<u|t>`, headings → bold, `**b**` → `*b*`, `*i*`/`_i_` → `_i_`,
 * `~~s~~` → `~s~`, bullets → `•`, tables → aligned code blocks, `& < >` escaped outside links.
 */
export function markdownToMrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').replace(PRIVATE_USE, '').split('\n');
  const output: string[] = [];
  let fence: string | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as string;
    if (fence !== undefined) {
      const closing = FENCE.exec(line);
      if (closing && closing[1]?.[0] === fence[0] && (closing[1]?.length ?? 0) >= fence.length && line.trim() === closing[1]) {
        output.push('```');
        fence = undefined;
      } else {
        output.push(escapeMrkdwn(line));
      }
      continue;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      fence = opening[1];
      output.push('```');
      continue;
    }
    if (TABLE_ROW.test(line) && TABLE_SEPARATOR.test(lines[index + 1] ?? '')) {
      const rows: string[] = [];
      while (index < lines.length && TABLE_ROW.test(lines[index] as string)) rows.push(lines[index++] as string);
      index -= 1;
      output.push(...formatTable(rows));
      continue;
    }
    output.push(formatLine(line));
  }
  if (fence !== undefined) output.push('```');
  return output.join('\n');
}
