/** The last part of a child process's stderr, kept so failures can say what the server printed. */
export class OutputTail {
  readonly #maxChars: number;
  #text = '';

  constructor(maxChars = 4_000) {
    this.#maxChars = maxChars;
  }

  push(chunk: Buffer | string): void {
    this.#text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.#text.length > this.#maxChars * 2) this.#text = this.#text.slice(-this.#maxChars);
  }

  clear(): void {
    this.#text = '';
  }

  /** At most `maxLines` trailing non-empty lines (and `maxChars` characters), joined by `separator`. */
  lines(maxLines = 20, separator = '\n'): string {
    const lines = this.#text.slice(-this.#maxChars).split(/\r?\n/).filter((line) => line.trim() !== '');
    return lines.slice(-maxLines).join(separator);
  }
}
