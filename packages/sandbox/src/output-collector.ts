import { closeSync, constants, fchmodSync, mkdirSync, openSync, write as writeToFile } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { collapseCarriageReturns, stripAnsi } from './ansi.js';

/** Output characters `exec` keeps in memory by default (the model sees at most the router's 25k). */
export const DEFAULT_EXEC_OUTPUT_CHARS = 200_000;
/** Largest spill file by default: the rest of the output is counted, not saved. */
export const DEFAULT_MAX_SPILL_BYTES = 64 * 1024 * 1024;
/** A line longer than this is passed on in pieces, so one endless line cannot exhaust memory. */
const MAX_PENDING_LINE_CHARS = 64_000;
/** Text gathered before one redaction and one write to the spill file. */
const SPILL_BLOCK_CHARS = 256 * 1024;

export interface OutputCollectorOptions {
  /** Characters kept in memory: the first quarter (head) and the last three quarters (tail). */
  maxChars?: number;
  /** Receives the complete output once it no longer fits in memory (created mode 0600). */
  spillFile?: string;
  /** Largest spill file in bytes (default 64 MiB); past it the output is counted but not saved. */
  maxSpillBytes?: number;
  /**
   * Applied to the spill file's text before it is written, in blocks of whole lines (the kept
   * head and tail go back through the tool router, which redacts them itself).
   */
  redact?: (text: string) => string;
  /** Each line (ANSI stripped, carriage-return redraws collapsed, no newline). */
  onLine?: (line: string) => void;
}

export interface CollectedOutput {
  text: string;
  totalChars: number;
  truncated: boolean;
  spillPath?: string;
}

/** True when `text` needs the per-line clean-up (carriage returns, ANSI escapes). */
function needsCleaning(text: string): boolean {
  return text.includes('\r') || text.includes('\u001B') || text.includes('\u009B');
}

function cleanLine(raw: string): string {
  return stripAnsi(collapseCarriageReturns(raw));
}

/**
 * Collects a command's stdout and stderr with bounded memory: everything until `maxChars`, then a
 * fixed head, a sliding tail, and the full text streamed to `spillFile` (capped, redacted, 0600).
 * Works on blocks of whole lines, so a command printing millions of short lines costs a few
 * string operations per chunk, not per line.
 */
export class OutputCollector {
  readonly #maxChars: number;
  readonly #spillFile: string | undefined;
  readonly #maxSpillBytes: number;
  readonly #redact: ((text: string) => string) | undefined;
  readonly #onLine: ((line: string) => void) | undefined;
  readonly #decoders = new Map<string, { decoder: StringDecoder; pending: string }>();
  #kept: string[] = [];
  #keptChars = 0;
  #headText = '';
  /** Tail blocks from `#tailStart` on (a queue without O(n) shifts). */
  #tail: string[] = [];
  #tailStart = 0;
  #tailChars = 0;
  #totalChars = 0;
  #overflowed = false;
  #spillFd: number | undefined;
  #spillBlock: string[] = [];
  #spillBlockChars = 0;
  #spillBytes = 0;
  #spillDropped = 0;
  #spillWrites: Promise<void> = Promise.resolve();
  #spillError: Error | undefined;

  constructor(options: OutputCollectorOptions = {}) {
    this.#maxChars = Math.max(1_000, options.maxChars ?? DEFAULT_EXEC_OUTPUT_CHARS);
    this.#spillFile = options.spillFile;
    this.#maxSpillBytes = Math.max(0, options.maxSpillBytes ?? DEFAULT_MAX_SPILL_BYTES);
    this.#redact = options.redact;
    this.#onLine = options.onLine;
  }

  /** Feed raw bytes (or text) from one stream; `source` keeps partial lines of streams apart. */
  write(source: string, chunk: Uint8Array | string): void {
    let state = this.#decoders.get(source);
    if (!state) {
      state = { decoder: new StringDecoder('utf8'), pending: '' };
      this.#decoders.set(source, state);
    }
    const text = state.pending + (typeof chunk === 'string' ? chunk : state.decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline === -1) {
      state.pending = text;
    } else {
      state.pending = text.slice(lastNewline + 1);
      this.#addBlock(text.slice(0, lastNewline + 1));
    }
    if (state.pending.length > MAX_PENDING_LINE_CHARS) {
      // Progress bars redraw one line with \r for minutes: keep only what the terminal would show.
      const redrawn = collapseCarriageReturns(state.pending);
      if (redrawn.length > MAX_PENDING_LINE_CHARS) {
        this.#addPartial(redrawn);
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
      if (rest !== '') this.#addPartial(rest);
    }
    if (this.#spillFd !== undefined) {
      this.#flushSpill(true);
      const fd = this.#spillFd;
      this.#spillFd = undefined;
      await this.#spillWrites;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    if (!this.#overflowed) {
      return { text: this.#kept.join(''), totalChars: this.#totalChars, truncated: false };
    }
    const tail = this.#tail.slice(this.#tailStart).join('');
    const tailBudget = this.#maxChars - this.#headText.length;
    const keptTail = tail.length > tailBudget ? tail.slice(tail.length - tailBudget) : tail;
    const omitted = this.#totalChars - this.#headText.length - keptTail.length;
    const saved = this.#spillFile !== undefined && this.#spillError === undefined;
    const capped = this.#spillDropped > 0 ? ` (the first ${this.#spillBytes} bytes; ${this.#spillDropped} more characters were not saved)` : '';
    const where = saved
      ? `the full output is in ${this.#spillFile}${capped}`
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

  /** Whole lines, each ending in a newline. */
  #addBlock(raw: string): void {
    let block = raw;
    if (needsCleaning(raw)) {
      const lines = raw.split('\n');
      lines.pop();
      block = `${lines.map(cleanLine).join('\n')}\n`;
    }
    if (this.#onLine) {
      const lines = block.split('\n');
      lines.pop();
      for (const line of lines) this.#onLine(line);
    }
    this.#keep(block);
  }

  /** A piece of a line that ends without a newline (end of stream, or an endless line). */
  #addPartial(raw: string): void {
    const line = cleanLine(raw);
    this.#onLine?.(line);
    this.#keep(line);
  }

  #keep(text: string): void {
    if (text === '') return;
    this.#totalChars += text.length;
    if (!this.#overflowed) {
      this.#kept.push(text);
      this.#keptChars += text.length;
      if (this.#keptChars > this.#maxChars) this.#overflow();
      return;
    }
    this.#spill(text);
    this.#tail.push(text);
    this.#tailChars += text.length;
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
    const all = this.#kept.join('');
    this.#kept = [];
    const headBudget = Math.floor(this.#maxChars * 0.25);
    this.#headText = all.slice(0, headBudget);
    const rest = all.slice(headBudget);
    this.#tail = [rest];
    this.#tailChars = rest.length;
    if (this.#spillFile) {
      try {
        mkdirSync(path.dirname(this.#spillFile), { recursive: true, mode: 0o700 });
        // Never through a planted link; readable by this user only (it may hold what a command printed).
        this.#spillFd = openSync(this.#spillFile, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
        fchmodSync(this.#spillFd, 0o600);
        this.#spill(all);
      } catch (error) {
        this.#spillError = error as Error;
        this.#spillFd = undefined;
      }
    }
  }

  #spill(text: string): void {
    if (this.#spillFd === undefined) return;
    this.#spillBlock.push(text);
    this.#spillBlockChars += text.length;
    if (this.#spillBlockChars >= SPILL_BLOCK_CHARS) this.#flushSpill(false);
  }

  /** Redact and write the gathered block: whole lines only, unless the output ended. */
  #flushSpill(final: boolean): void {
    const fd = this.#spillFd;
    if (fd === undefined || this.#spillBlock.length === 0) return;
    let text = this.#spillBlock.join('');
    let rest = '';
    if (!final) {
      const cut = text.lastIndexOf('\n') + 1;
      if (cut === 0 && text.length < 4 * SPILL_BLOCK_CHARS) return;
      if (cut > 0) {
        rest = text.slice(cut);
        text = text.slice(0, cut);
      }
    }
    this.#spillBlock = rest === '' ? [] : [rest];
    this.#spillBlockChars = rest.length;
    if (this.#spillDropped > 0) {
      this.#spillDropped += text.length;
      return;
    }
    let data = Buffer.from(this.#redact ? this.#redact(text) : text, 'utf8');
    const room = this.#maxSpillBytes - this.#spillBytes;
    if (data.length > room) {
      this.#spillDropped += text.length;
      const note = Buffer.from(`\n[spill file capped at ${this.#maxSpillBytes} bytes: the rest of the output was counted but not saved]\n`);
      data = Buffer.concat([data.subarray(0, Math.max(0, room)), note]);
    }
    this.#spillBytes += data.length;
    this.#spillWrites = this.#spillWrites.then(
      () =>
        new Promise<void>((resolve) => {
          const writeAll = (offset: number) => {
            writeToFile(fd, data, offset, data.length - offset, null, (error, written) => {
              if (error) {
                this.#spillError ??= error;
                return resolve();
              }
              if (offset + written < data.length) writeAll(offset + written);
              else resolve();
            });
          };
          writeAll(0);
        }),
    );
  }
}
