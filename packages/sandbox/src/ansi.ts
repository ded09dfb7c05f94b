// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) ended by BEL or ST,
// and the remaining two-character escapes. Written for terminal output of common CLI tools
// (pip, tqdm, git, pytest), which is what commands in the sandbox print.
const ANSI_PATTERN = /(?:\u001B\[|\u009B)[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[@-Z\\-_]/g;

/** Remove ANSI escape sequences so the model and logs see plain text. */
export function stripAnsi(text: string): string {
  return text.includes('\u001B') || text.includes('\u009B') ? text.replace(ANSI_PATTERN, '') : text;
}

/**
 * What a terminal would show for one line written with carriage returns (progress bars redraw
 * with `\r`): the text after the last `\r`.
 */
export function collapseCarriageReturns(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const last = trimmed.lastIndexOf('\r');
  return last === -1 ? trimmed : trimmed.slice(last + 1);
}
