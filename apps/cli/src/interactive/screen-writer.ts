import { Writable } from 'node:stream';

/** The terminal (or file, or pipe) the interactive front end writes to. */
export interface TerminalOutput extends NodeJS.WritableStream {
  columns?: number;
  isTTY?: boolean;
}

/** A prompt on screen that output must not overwrite: it is erased, then drawn again below. */
export interface PromptGuard {
  /** Escape sequence that erases the prompt and what is typed on it, leaving the cursor at column 0. */
  clearSequence(): string;
  /** Draw the prompt again (after the output that displaced it). */
  redraw(): void;
}

/** Lines printed by `ScreenWriter.printErasable`. */
export interface ErasableBlock {
  readonly rows: number;
  readonly writesAfter: number;
  readonly blankLineBefore: boolean;
}

/**
 * Everything printed goes through one writer, which knows whether the cursor is at the start
 * of a line. readline writes through `readlineOutput`, which is silent while no prompt is shown:
 * keys typed during a turn then cannot redraw a prompt line over the streaming answer.
 */
export class ScreenWriter {
  readonly output: TerminalOutput;
  readonly readlineOutput: Writable & { columns?: number; isTTY?: boolean };
  #atLineStart = true;
  #blankLine = true;
  #muted = true;
  #prompt: { guard: PromptGuard; blankLineBefore: boolean } | undefined;
  #writes = 0;
  #newlines = 0;
  readonly #onResize: () => void;

  constructor(output: TerminalOutput) {
    this.output = output;
    const writer = this;
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        if (!writer.#muted) writer.#writeRaw(chunk.toString());
        callback();
      },
    });
    Object.defineProperty(sink, 'columns', { get: () => output.columns, enumerable: true });
    Object.defineProperty(sink, 'isTTY', { get: () => output.isTTY, enumerable: true });
    this.#onResize = () => sink.emit('resize');
    if (typeof output.on === 'function') output.on('resize', this.#onResize);
    this.readlineOutput = sink;
  }

  /** Stop following the terminal's resize events. */
  dispose(): void {
    if (typeof this.output.off === 'function') this.output.off('resize', this.#onResize);
  }

  /** Columns available for one line (80 when unknown). */
  get columns(): number {
    const columns = this.output.columns;
    return typeof columns === 'number' && columns > 0 ? columns : 80;
  }

  /** Let readline echo keys and draw its prompt (only while waiting for input). */
  setReadlineMuted(muted: boolean): void {
    this.#muted = muted;
  }

  /**
   * Output that erases the prompt while it is printed and redraws it afterwards (once, after
   * everything written in the same tick), so events never land in the middle of the input line.
   */
  setPromptGuard(guard: PromptGuard | undefined): void {
    this.#prompt = guard ? { guard, blankLineBefore: this.#blankLine } : undefined;
  }

  write(text: string): void {
    if (!text) return;
    this.#releasePrompt();
    this.#writeRaw(text);
  }

  #releasePrompt(): void {
    const prompt = this.#prompt;
    if (!prompt) return;
    this.#prompt = undefined;
    this.output.write(prompt.guard.clearSequence());
    this.#atLineStart = true;
    this.#blankLine = prompt.blankLineBefore;
    queueMicrotask(() => prompt.guard.redraw());
  }

  #writeRaw(text: string): void {
    if (!text) return;
    this.output.write(text);
    this.#writes += 1;
    for (const character of text) if (character === '\n') this.#newlines += 1;
    this.#blankLine = text.endsWith('\n\n') || (this.#atLineStart && text === '\n');
    this.#atLineStart = text.endsWith('\n');
  }

  /** Leave one empty line before what comes next (a new section of output). */
  ensureBlankLine(): void {
    this.#releasePrompt();
    this.ensureLineStart();
    if (!this.#blankLine) this.write('\n');
  }

  /**
   * Print whole lines that can be taken back with `erase` as long as nothing else is printed
   * after them (live progress that is replaced rather than scrolled).
   */
  printErasable(lines: readonly string[]): ErasableBlock {
    this.ensureLineStart();
    const blankLineBefore = this.#blankLine;
    const newlinesBefore = this.#newlines;
    for (const line of lines) this.write(`${line}\n`);
    return { rows: this.#newlines - newlinesBefore, writesAfter: this.#writes, blankLineBefore };
  }

  /** Erase a block printed by `printErasable` if it is still the last output; true when erased. */
  erase(block: ErasableBlock): boolean {
    if (block.writesAfter !== this.#writes || block.rows === 0) return false;
    this.#writeRaw(`\u001B[${block.rows}A\r\u001B[J`);
    this.#atLineStart = true;
    this.#blankLine = block.blankLineBefore;
    return true;
  }

  /** Move to the start of a line unless already there. */
  ensureLineStart(): void {
    this.#releasePrompt();
    if (!this.#atLineStart) this.write('\n');
  }

  /** Print one or more complete lines, starting on a fresh line. */
  line(text = ''): void {
    this.ensureLineStart();
    this.write(`${text}\n`);
  }
}
