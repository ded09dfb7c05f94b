import { createInterface, type Interface } from 'node:readline/promises';
import type { PromptGuard, ScreenWriter } from './screen-writer.js';

/** Input stream, writer and readline settings of a `LineReader`. */
export interface LineReaderOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  writer: ScreenWriter;
  /** Line editing, history and key handling (a terminal on both ends). */
  terminal: boolean;
  /** Earlier inputs, newest first (arrow-up recalls them). */
  history?: string[];
  historySize?: number;
  /** Ctrl-C was pressed (terminal mode only; a signal arrives on the process otherwise). */
  onInterrupt?: () => void;
}

/** Options of one `LineReader.read`. */
export interface ReadOptions {
  signal?: AbortSignal;
  /** Keep the line in the arrow-up history (default true; false for approval answers). */
  remember?: boolean;
  /** Do not echo what is typed (secrets); implies `remember: false`. */
  hidden?: boolean;
}

/**
 * Lines from the user through readline. Lines that arrive while nobody is asking (a pipe that
 * runs ahead of the agent, keys typed during a turn) wait in a queue for the next read.
 */
export class LineReader {
  readonly #readline: Interface;
  readonly #input: LineReaderOptions['input'];
  readonly #writer: ScreenWriter;
  readonly #terminal: boolean;
  readonly #queue: string[] = [];
  /** readline keeps (and updates) the history array it was given: this is that array. */
  readonly #history: string[];
  #waiting: { resolve: (line: string | undefined) => void; remember: boolean; hidden: boolean } | undefined;
  #closed = false;
  readonly #guard: PromptGuard = {
    clearSequence: () => {
      const rows = this.#readline.getCursorPos().rows;
      return `\r${rows > 0 ? `\u001B[${rows}A` : ''}\u001B[J`;
    },
    redraw: () => this.redraw(),
  };

  constructor(options: LineReaderOptions) {
    this.#writer = options.writer;
    this.#input = options.input;
    this.#terminal = options.terminal;
    this.#history = [...(options.history ?? [])];
    this.#readline = createInterface({
      input: options.input,
      output: options.writer.readlineOutput,
      terminal: options.terminal,
      history: this.#history,
      historySize: options.historySize ?? 500,
      removeHistoryDuplicates: true,
      prompt: '',
    });
    this.#readline.on('line', (line) => this.#onLine(line));
    this.#readline.on('close', () => {
      this.#closed = true;
      this.#settle(undefined);
    });
    this.#readline.on('SIGINT', () => options.onInterrupt?.());
  }

  /** Inputs remembered for arrow-up, newest first. */
  get history(): string[] {
    return [...this.#history];
  }

  /** What is typed on the prompt line so far. */
  get currentLine(): string {
    return this.#terminal ? this.#readline.line : '';
  }

  /** Show `prompt` and wait for a line; undefined at end of input or when `signal` aborts. */
  read(prompt: string, options: ReadOptions = {}): Promise<string | undefined> {
    const queued = this.#queue.shift();
    if (queued !== undefined) {
      this.#writer.ensureLineStart();
      this.#writer.write(`${prompt}${options.hidden ? '' : queued}\n`);
      return Promise.resolve(queued);
    }
    if (this.#closed || options.signal?.aborted) return Promise.resolve(undefined);
    const hidden = options.hidden ?? false;
    const remember = !hidden && (options.remember ?? true);
    return new Promise((resolve) => {
      const onAbort = () => this.#settle(undefined);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting = {
        remember,
        hidden,
        resolve: (line) => {
          options.signal?.removeEventListener('abort', onAbort);
          resolve(line);
        },
      };
      this.#writer.ensureLineStart();
      if (this.#terminal && !hidden) {
        this.#writer.setReadlineMuted(false);
        this.#readline.setPrompt(prompt);
        // Keep the cursor after any text typed ahead of the prompt.
        this.#readline.prompt(true);
        this.#writer.setPromptGuard(this.#guard);
      } else {
        this.#writer.write(prompt);
      }
    });
  }

  /** Draw the prompt again after something was printed below it. */
  redraw(): void {
    if (!this.#waiting || !this.#terminal || this.#waiting.hidden) return;
    this.#readline.prompt(true);
    this.#writer.setPromptGuard(this.#guard);
  }

  /** Erase what is typed on the prompt line. */
  clearLine(): void {
    if (!this.#terminal) return;
    this.#readline.write(null, { ctrl: true, name: 'e' });
    this.#readline.write(null, { ctrl: true, name: 'u' });
  }

  /**
   * Hand the terminal to another program (an editor) for the duration of `work`: readline stops
   * reading and the terminal leaves raw mode, then both are restored.
   */
  async suspend<T>(work: () => Promise<T>): Promise<T> {
    const input = this.#input as NodeJS.ReadableStream & { isRaw?: boolean; setRawMode?: (mode: boolean) => void };
    const raw = this.#terminal && typeof input.setRawMode === 'function' ? input.isRaw === true : undefined;
    this.#readline.pause();
    if (raw !== undefined) input.setRawMode?.(false);
    try {
      return await work();
    } finally {
      if (raw !== undefined) input.setRawMode?.(raw);
      this.#readline.resume();
    }
  }

  /** Drop lines typed ahead (they must never answer an approval prompt). Returns how many. */
  discardQueued(): number {
    return this.#queue.splice(0).length;
  }

  close(): void {
    this.#writer.setReadlineMuted(true);
    this.#readline.close();
  }

  #onLine(line: string): void {
    const waiting = this.#waiting;
    if (!waiting) {
      this.#queue.push(line);
      return;
    }
    if (!waiting.remember && this.#history[0] === line) this.#history.shift();
    if (waiting.hidden) this.#writer.write('\n');
    else if (!this.#terminal) this.#writer.write(`${line}\n`);
    this.#settle(line);
  }

  #settle(line: string | undefined): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    this.#writer.setPromptGuard(undefined);
    this.#writer.setReadlineMuted(true);
    waiting?.resolve(line);
  }
}
