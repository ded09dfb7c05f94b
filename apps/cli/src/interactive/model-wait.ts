import type { AgentEvent } from '@ml-intern/events';
import type { ErasableBlock, ScreenWriter } from './screen-writer.js';
import type { TerminalStyle } from './terminal-style.js';

export interface ModelWaitOptions {
  /** Redraw one line in place (a terminal); otherwise print a line now and then. */
  live: boolean;
  /** Silence before the line appears (default 3 s). */
  delayMs?: number;
  /** Without a terminal: a line every this often while the wait goes on (default 30 s). */
  repeatMs?: number;
  /** Clock and timer, replaceable in tests. */
  now?: () => number;
  setInterval?: (callback: () => void, ms: number) => unknown;
  clearInterval?: (timer: unknown) => void;
}

/** Events after which nothing of the turn is running any more (no tool, no stream). */
const TURN_BREAKS = new Set<AgentEvent['type']>(['turn_complete', 'interrupted', 'session_terminated', 'shutdown', 'approval_required']);

/**
 * "waiting for the model (N s)" while a turn waits on a model that sends nothing: no tool runs,
 * no approval is asked, no text streams. Any event resets the count (a retry notice included), so
 * N is how long the model has been silent. On a terminal the line is redrawn each second and
 * taken back before anything else is printed.
 */
export class ModelWaitIndicator {
  readonly #writer: ScreenWriter;
  readonly #style: TerminalStyle;
  readonly #live: boolean;
  readonly #delayMs: number;
  readonly #repeatMs: number;
  readonly #now: () => number;
  readonly #setInterval: (callback: () => void, ms: number) => unknown;
  readonly #clearInterval: (timer: unknown) => void;
  #active = false;
  #since = 0;
  #streaming = false;
  #lastPrinted = 0;
  readonly #running = new Set<string>();
  #timer: unknown;
  #block: ErasableBlock | undefined;

  constructor(writer: ScreenWriter, style: TerminalStyle, options: ModelWaitOptions) {
    this.#writer = writer;
    this.#style = style;
    this.#live = options.live;
    this.#delayMs = options.delayMs ?? 3_000;
    this.#repeatMs = options.repeatMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#setInterval = options.setInterval ?? ((callback, ms) => setInterval(callback, ms));
    this.#clearInterval = options.clearInterval ?? ((timer) => clearInterval(timer as ReturnType<typeof setInterval>));
  }

  /** The turn runs (true) or waits for the user / has ended (false). */
  setActive(active: boolean): void {
    if (active === this.#active) return;
    this.#active = active;
    this.#clear();
    if (active) {
      this.#since = this.#now();
      this.#lastPrinted = 0;
      this.#timer = this.#setInterval(() => this.tick(), 1_000);
    } else {
      if (this.#timer !== undefined) this.#clearInterval(this.#timer);
      this.#timer = undefined;
      this.#running.clear();
      this.#streaming = false;
    }
  }

  /** Call before the event is rendered: the line is taken back first. */
  handle(event: AgentEvent): void {
    this.#clear();
    this.#since = this.#now();
    this.#lastPrinted = 0;
    switch (event.type) {
      case 'assistant_chunk':
        this.#streaming = true;
        break;
      case 'assistant_stream_end':
      case 'assistant_message':
      case 'llm_call':
        this.#streaming = false;
        break;
      case 'tool_call':
        this.#streaming = false;
        this.#running.add(event.tool_call_id);
        break;
      case 'tool_output':
        this.#running.delete(event.tool_call_id);
        break;
      case 'tool_state_change':
        if (!['queued', 'awaiting_approval', 'running'].includes(event.state)) this.#running.delete(event.tool_call_id);
        break;
      default:
        if (TURN_BREAKS.has(event.type)) {
          this.#running.clear();
          this.#streaming = false;
        }
    }
  }

  /** One clock tick (every second while active). */
  tick(): void {
    if (!this.#active || this.#streaming || this.#running.size > 0) return;
    const waited = this.#now() - this.#since;
    if (waited < this.#delayMs) return;
    const text = this.#style.dim(`waiting for the model (${Math.floor(waited / 1000)} s)`);
    if (this.#live) {
      this.#clear();
      this.#block = this.#writer.printErasable([text]);
      return;
    }
    if (this.#lastPrinted !== 0 && this.#now() - this.#lastPrinted < this.#repeatMs) return;
    this.#lastPrinted = this.#now();
    this.#writer.line(text);
  }

  /** Stop for good (the chat ends). */
  dispose(): void {
    this.setActive(false);
  }

  #clear(): void {
    if (this.#block) this.#writer.erase(this.#block);
    this.#block = undefined;
  }
}
