import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { collapseCarriageReturns, stripAnsi } from './ansi.js';

/** Output characters `exec` keeps in memory by default (the model sees at most the router's 25k). */
export const DEFAULT_EXEC_OUTPUT_CHARS = 200_000;
/** A line longer than this is passed on in pieces, so one endless line cannot exhaust memory. */
const MAX_PENDING_LINE_CHARS = 64_000;

export interface OutputCollectorOptions {
  /** Characters kept in memory: the first quarter (head) and the last three quarters (tail). */
  maxChars?: number;
  /** Receives the complete output once it no longer fits in memory. */
  spillFile?: string;
  /** Each line (ANSI stripped, carriage-return redraws collapsed, no newline). */
  onLine?: (line: string) => void;
}

export interface CollectedOutput {
  text: string;
  totalChars: number;
  truncated: boolean;
  spillPath?: string;
}

/**
 * Collects a command's stdout and stderr line by line with bounded memory: everything until
 * `maxChars`, then a fixed head, a sliding tail, and the full text streamed to `spillFile`.
 */
export class OutputCollector {
  readonly #maxChars: number;
  readonly #spillFile: string | undefined;
  readonly #onLine: ((line: string) => void) | undefined;
  readonly #decoders = new Map<string, { decoder: StringDecoder; pending: string }>();
  #lines: string[] = [];
  #headText = '';
  /** Tail lines from `#tailStart` on (a queue without O(n) shifts). */
  #tail: string[] = [];
  #tailStart = 0;
  #tailChars = 0;
  #keptChars = 0;
  #totalChars = 0;
  #overflowed = false;
  #spill: WriteStream | undefined;
  #spillError: Error | undefined;

  constructor(options: OutputCollectorOptions = {}) {
    this.#maxChars = Math.max(1_000, options.maxChars ?? DEFAULT_EXEC_OUTPUT_CHARS);
    this.#spillFile = options.spillFile;
    this.#onLine = options.onLine;
  }

  /** Feed raw bytes (or text) from one stream; `source` keeps partial lines of streams apart. */
  write(source: string, chunk: Uint8Array | string): void {
    let state = this.#decoders.get(source);
    if (!state) {
      state = { decoder: new StringDecoder('utf8'), pending: '' };
      this.#decoders.set(source, state);
    }
    state.pending += typeof chunk === 'string' ? chunk : state.decoder.write(Buffer.from(chunk));
    let newline = state.pending.indexOf('\n');
    while (newline !== -1) {
      this.#addLine(state.pending.slice(0, newline), true);
      state.pending = state.pending.slice(newline + 1);
      newline = state.pending.indexOf('\n');
    }
    if (state.pending.length > MAX_PENDING_LINE_CHARS) {
      // Progress bars redraw one line with \r for minutes: keep only what the terminal would show.
      const redrawn = collapseCarriageReturns(state.pending);
      if (redrawn.length > MAX_PENDING_LINE_CHARS) {
        this.#addLine(redrawn, false);
        state.pending = '';
      } else {
        state.pending = redrawn;
      }
    }
  }

  /** Flush partial lines and close the spill file. */
  async finish(): Promise<CollectedOutput> {
    for (const state of this.#decoders.values()) {
      const rest = state.pending + state.decoder.end();
      state.pending = '';
      if (rest !== '') this.#addLine(rest, false);
    }
    if (this.#spill) {
      const spill = this.#spill;
      await new Promise<void>((resolve) => spill.end(() => resolve()));
    }
    if (!this.#overflowed) {
      return { text: this.#lines.join(''), totalChars: this.#totalChars, truncated: false };
    }
    const tail = this.#tail.slice(this.#tailStart).join('');
    const tailBudget = this.#maxChars - this.#headText.length;
    const keptTail = tail.length > tailBudget ? tail.slice(tail.length - tailBudget) : tail;
    const omitted = this.#totalChars - this.#headText.length - keptTail.length;
    const saved = this.#spillFile !== undefined && this.#spillError === undefined;
    const where = saved
      ? `the full output is in ${this.#spillFile}`
      : this.#spillFile
        ? `the full output could not be saved (${this.#spillError?.message})`
        : 'the full output was not saved';
    const marker = `\n[… ${omitted} characters omitted; ${where}]\n`;
    return {
      text: this.#headText + marker + keptTail,
      totalChars: this.#totalChars,
      truncated: true,
      ...(saved && this.#spillFile ? { spillPath: this.#spillFile } : {}),
    };
  }

  #addLine(raw: string, newline: boolean): void {
    const line = stripAnsi(collapseCarriageReturns(raw));
    this.#onLine?.(line);
    const entry = newline ? `${line}\n` : line;
    this.#totalChars += entry.length;
    if (!this.#overflowed) {
      this.#lines.push(entry);
      this.#keptChars += entry.length;
      if (this.#keptChars > this.#maxChars) this.#overflow();
      return;
    }
    this.#spill?.write(entry);
    this.#tail.push(entry);
    this.#tailChars += entry.length;
    const tailBudget = this.#maxChars - this.#headText.length;
    while (this.#tail.length - this.#tailStart > 1 && this.#tailChars - (this.#tail[this.#tailStart]?.length ?? 0) >= tailBudget) {
      this.#tailChars -= this.#tail[this.#tailStart]?.length ?? 0;
      this.#tailStart += 1;
    }
    if (this.#tailStart > 4_096 && this.#tailStart * 2 > this.#tail.length) {
      this.#tail = this.#tail.slice(this.#tailStart);
      this.#tailStart = 0;
    }
  }

  #overflow(): void {
    this.#overflowed = true;
    const all = this.#lines.join('');
    this.#lines = [];
    const headBudget = Math.floor(this.#maxChars * 0.25);
    this.#headText = all.slice(0, headBudget);
    const rest = all.slice(headBudget);
    this.#tail = [rest];
    this.#tailChars = rest.length;
    if (this.#spillFile) {
      try {
        mkdirSync(path.dirname(this.#spillFile), { recursive: true });
        this.#spill = createWriteStream(this.#spillFile, { encoding: 'utf8' });
        this.#spill.on('error', (error) => {
          this.#spillError = error;
        });
        this.#spill.write(all);
      } catch (error) {
        this.#spillError = error as Error;
        this.#spill = undefined;
      }
    }
  }
}
