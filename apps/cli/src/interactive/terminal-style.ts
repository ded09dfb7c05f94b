/** A colour function: wraps text in ANSI codes, or returns it unchanged when colours are off. */
export type Paint = (text: string) => string;

/** The few styles the interactive front end uses. */
export interface TerminalStyle {
  readonly enabled: boolean;
  bold: Paint;
  dim: Paint;
  italic: Paint;
  underline: Paint;
  strikethrough: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  blue: Paint;
  magenta: Paint;
  cyan: Paint;
  gray: Paint;
}

function paint(open: number, close: number): Paint {
  return (text) => (text ? `\u001B[${open}m${text}\u001B[${close}m` : text);
}

const identity: Paint = (text) => text;

/** ANSI styles, or identity functions when `enabled` is false. */
export function createTerminalStyle(enabled: boolean): TerminalStyle {
  if (!enabled) {
    return {
      enabled,
      bold: identity,
      dim: identity,
      italic: identity,
      underline: identity,
      strikethrough: identity,
      red: identity,
      green: identity,
      yellow: identity,
      blue: identity,
      magenta: identity,
      cyan: identity,
      gray: identity,
    };
  }
  return {
    enabled,
    bold: paint(1, 22),
    dim: paint(2, 22),
    italic: paint(3, 23),
    underline: paint(4, 24),
    strikethrough: paint(9, 29),
    red: paint(31, 39),
    green: paint(32, 39),
    yellow: paint(33, 39),
    blue: paint(34, 39),
    magenta: paint(35, 39),
    cyan: paint(36, 39),
    gray: paint(90, 39),
  };
}

/**
 * Colours only on a terminal, and never when `NO_COLOR` is set (https://no-color.org: any
 * non-empty value). `FORCE_COLOR` (non-empty, not `0`) turns them on for a non-terminal.
 */
export function shouldUseColor(output: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  if (env.TERM === 'dumb') return false;
  return output.isTTY === true;
}

// CSI and OSC sequences, then two-character escapes.
const ESCAPE_PATTERN = /(?:\u001B\[|\u009B)[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[@-Z\\-_]/g;
// C0 controls except tab and newline, DEL and C1 controls.
const CONTROL_PATTERN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** Remove ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPE_PATTERN, '');
}

/**
 * Text from a model or a tool, made safe to print: escape sequences and control characters are
 * removed so output cannot move the cursor, retitle the window or hide what it printed.
 * A carriage return keeps only what a terminal would finally show on that line (progress bars).
 */
export function sanitizeTerminalText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      const last = trimmed.lastIndexOf('\r');
      return last === -1 ? trimmed : trimmed.slice(last + 1);
    })
    .join('\n')
    .replace(ESCAPE_PATTERN, '')
    .replace(CONTROL_PATTERN, '');
}

/** Cut plain text to `width` columns, ending with an ellipsis when it was longer. */
export function truncateText(text: string, width: number): string {
  const characters = [...text];
  if (width <= 0 || characters.length <= width) return text;
  return `${characters.slice(0, Math.max(0, width - 1)).join('')}…`;
}
