/** Cut `text` to `max` characters, marking the cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Collapse whitespace and cut to `max` characters (for one-line previews). */
export function oneLine(text: string | null | undefined, max: number): string {
  return truncateText((text ?? '').replace(/\s+/g, ' ').trim(), max);
}

/** A window of a long text, with a note telling the model how to read the rest. */
export interface TextWindow {
  text: string;
  /** Offset to pass to read the next window, when there is more. */
  nextOffset: number | undefined;
  total: number;
}

/** Take `maxChars` characters from `offset`, preferring to end at a line break. */
export function textWindow(text: string, offset: number, maxChars: number): TextWindow {
  const start = Math.min(Math.max(0, offset), text.length);
  let end = Math.min(text.length, start + maxChars);
  if (end < text.length) {
    const lineBreak = text.lastIndexOf('\n', end);
    if (lineBreak > start + maxChars * 0.8) end = lineBreak + 1;
  }
  return { text: text.slice(start, end), nextOffset: end < text.length ? end : undefined, total: text.length };
}

/** `1.2 MB` style sizes. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

// CSI sequences and OSC sequences ended by BEL or ST.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** `1,234` style counts. */
export function formatCount(value: number | undefined): string {
  return value === undefined ? '?' : value.toLocaleString('en-US');
}
