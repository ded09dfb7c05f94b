import type { ErasableBlock, ScreenWriter } from './screen-writer.js';
import { truncateText, type TerminalStyle } from './terminal-style.js';

interface Tail {
  callId: string;
  lines: string[];
  hidden: number;
  block: ErasableBlock;
}

/**
 * Progress lines of a running tool (command output, job logs), kept short. On a terminal the last
 * few lines are redrawn in place while nothing else is printed; elsewhere the first few are
 * printed and the rest dropped (the collapsed result follows anyway).
 */
export class LiveTail {
  readonly #writer: ScreenWriter;
  readonly #style: TerminalStyle;
  readonly #live: boolean;
  readonly #maxLines: number;
  #tail: Tail | undefined;
  readonly #printed = new Map<string, number>();

  constructor(writer: ScreenWriter, style: TerminalStyle, options: { live: boolean; maxLines?: number }) {
    this.#writer = writer;
    this.#style = style;
    this.#live = options.live;
    this.#maxLines = options.maxLines ?? 3;
  }

  /** Add progress text of one call. */
  add(callId: string, text: string): void {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) return;
    if (!this.#live) return this.#printCapped(callId, lines);
    const previous = this.#tail?.callId === callId ? this.#tail : undefined;
    // Lines still on screen are replaced; lines something else was printed after stay where they are.
    const replaced = previous && this.#writer.erase(previous.block) ? previous : undefined;
    const all = [...(replaced?.lines ?? []), ...lines];
    const shown = all.slice(-this.#maxLines);
    const hidden = (replaced?.hidden ?? 0) + all.length - shown.length;
    const width = this.#writer.columns - 5;
    const rendered = [...(hidden > 0 ? [`… ${hidden} earlier line${hidden === 1 ? '' : 's'}`] : []), ...shown].map((line) => `    ${this.#style.dim(truncateText(line, width))}`);
    this.#tail = { callId, lines: shown, hidden, block: this.#writer.printErasable(rendered) };
  }

  /** The call finished: take its progress lines back if they are still the last thing on screen. */
  finish(callId: string): void {
    this.#printed.delete(callId);
    if (this.#tail?.callId !== callId) return;
    this.#writer.erase(this.#tail.block);
    this.#tail = undefined;
  }

  #printCapped(callId: string, lines: string[]): void {
    let printed = this.#printed.get(callId) ?? 0;
    for (const line of lines) {
      if (printed < this.#maxLines) this.#writer.line(`    ${this.#style.dim(line)}`);
      // One marker after the first lines, then silence.
      else if (printed === this.#maxLines) this.#writer.line(`    ${this.#style.dim('… (more output; the result follows)')}`);
      else break;
      printed += 1;
    }
    this.#printed.set(callId, printed);
  }
}
