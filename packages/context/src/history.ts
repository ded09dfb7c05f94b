import { estimateImagesTokens } from './image.js';
import { messageImages, messageText, toolCallsOf, type Message, type ToolResultMessage } from './messages.js';
import { MESSAGE_OVERHEAD_TOKENS, createTiktokenCounter, type TokenCounter } from './token-counter.js';

export const INTERRUPTED_RESULT = 'Not executed (interrupted): the turn was stopped before this tool call ran.';
/** The synthetic error result {@link repairToolResults} gives a tool call that has none. */
export const NO_RESULT_RECORDED = 'no result was recorded for this call';

interface Entry {
  message: Message;
  text: string;
  /** UTF-8 bytes of the text: an upper bound on its tokens (a token is at least one byte). */
  bytes: number;
  /** Counted on first need, once; undefined until then. */
  tokens: number | undefined;
  /** Estimated tokens of the message's images (not text: the tokenizer never sees them). */
  imageTokens: number;
}

export interface HistoryOptions {
  counter?: TokenCounter;
  messages?: readonly Message[];
}

function entryFor(message: Message): Entry {
  const text = messageText(message);
  const imageTokens = estimateImagesTokens(messageImages(message));
  return { message, text, bytes: Buffer.byteLength(text, 'utf8') + MESSAGE_OVERHEAD_TOKENS + imageTokens, tokens: undefined, imageTokens };
}

/**
 * The message history with incremental token accounting: each message is tokenised once, and
 * running totals are O(1) to read. Tokenising is deferred until a precise count is needed:
 * `upperBoundTokens` (UTF-8 bytes) answers "are we anywhere near the limit?" for free, so short
 * sessions never load the tokenizer. Provider-reported usage calibrates the estimate.
 */
export class History {
  readonly counter: TokenCounter;
  #entries: Entry[] = [];
  /** Kept in step with #entries so reading the messages is O(1) on the hot path of every call. */
  #messages: Message[] = [];
  /** Sum of counted entries' tokens. */
  #total = 0;
  /** Entries not tokenised yet, and the sum of their byte bounds. */
  #uncounted = new Set<Entry>();
  #uncountedBytes = 0;
  #calibration = 1;

  constructor(options: HistoryOptions = {}) {
    this.counter = options.counter ?? createTiktokenCounter();
    for (const message of options.messages ?? []) this.append(message);
  }

  get messages(): readonly Message[] {
    return this.#messages;
  }

  get length(): number {
    return this.#entries.length;
  }

  at(index: number): Message | undefined {
    return this.#entries.at(index)?.message;
  }

  #count(entry: Entry): number {
    if (entry.tokens === undefined) {
      entry.tokens = this.counter.count(entry.text) + MESSAGE_OVERHEAD_TOKENS + entry.imageTokens;
      this.#total += entry.tokens;
      this.#uncounted.delete(entry);
      this.#uncountedBytes -= entry.bytes;
    }
    return entry.tokens;
  }

  /** Token count of message `index` (tokenised once, on first need). */
  tokensAt(index: number): number {
    const entry = this.#entries[index];
    return entry ? this.#count(entry) : 0;
  }

  /** Raw tokenizer total (uncalibrated); tokenises the messages not counted yet. */
  get rawTokens(): number {
    if (this.#uncounted.size > 0) for (const entry of [...this.#uncounted]) this.#count(entry);
    return this.#total;
  }

  /** A cheap bound that is never below the real count: counted tokens plus bytes of the rest. */
  get upperBoundTokens(): number {
    return this.#total + this.#uncountedBytes;
  }

  /** True when every message has been tokenised (calibration is meaningful then). */
  get fullyCounted(): boolean {
    return this.#uncounted.size === 0;
  }

  /** Best estimate of what the provider will count for this history. */
  get estimatedTokens(): number {
    return Math.round(this.rawTokens * this.#calibration);
  }

  get calibration(): number {
    return this.#calibration;
  }

  append(message: Message): void {
    const entry = entryFor(message);
    this.#entries.push(entry);
    this.#messages.push(message);
    this.#uncounted.add(entry);
    this.#uncountedBytes += entry.bytes;
  }

  #forget(entry: Entry): void {
    if (entry.tokens === undefined) {
      this.#uncounted.delete(entry);
      this.#uncountedBytes -= entry.bytes;
    } else {
      this.#total -= entry.tokens;
    }
  }

  /**
   * Align the estimate with a provider's reported input tokens for a request whose messages we
   * estimated at `estimatedRawTokens` (plus a fixed part the history does not hold, e.g. tool specs).
   */
  calibrate(reportedInputTokens: number, estimatedRawTokens: number): void {
    if (reportedInputTokens <= 0 || estimatedRawTokens <= 0) return;
    const ratio = reportedInputTokens / estimatedRawTokens;
    if (!Number.isFinite(ratio)) return;
    // Smooth and clamp so one odd report (cached prefixes, provider quirks) cannot swing budgets wildly.
    const clamped = Math.min(3, Math.max(0.5, ratio));
    this.#calibration = this.#calibration * 0.5 + clamped * 0.5;
  }

  /** Replace every message (compaction, resume). Counts each new message once. */
  replaceAll(messages: readonly Message[]): void {
    this.#entries = [];
    this.#messages = [];
    this.#total = 0;
    this.#uncounted = new Set();
    this.#uncountedBytes = 0;
    for (const message of messages) this.append(message);
  }

  /** Replace the slice [start, end) with `replacement`, keeping counts of untouched messages. */
  splice(start: number, end: number, replacement: readonly Message[]): void {
    const added = replacement.map(entryFor);
    const removed = this.#entries.splice(start, end - start, ...added);
    this.#messages.splice(start, end - start, ...replacement);
    for (const entry of removed) this.#forget(entry);
    for (const entry of added) {
      this.#uncounted.add(entry);
      this.#uncountedBytes += entry.bytes;
    }
  }

  /** Remove the last user turn and everything after it. Returns how many messages were removed. */
  undoLastUserTurn(): number {
    for (let index = this.#entries.length - 1; index >= 0; index -= 1) {
      if (this.#entries[index]?.message.role === 'user') {
        const removed = this.#entries.length - index;
        this.splice(index, this.#entries.length, []);
        return removed;
      }
    }
    return 0;
  }

  /** Tool call ids that have no result yet, in order. */
  danglingToolCalls(): { id: string; name: string }[] {
    const answered = new Set<string>();
    for (const entry of this.#entries) {
      if (entry.message.role === 'tool') answered.add(entry.message.toolCallId);
    }
    const dangling: { id: string; name: string }[] = [];
    for (const entry of this.#entries) {
      for (const call of toolCallsOf(entry.message)) {
        if (!answered.has(call.id)) dangling.push({ id: call.id, name: call.name });
      }
    }
    return dangling;
  }

  /**
   * Give every tool call without a result a "not executed" result, inserted right after the
   * results of its assistant message so a call is never separated from its result.
   */
  repairDanglingToolCalls(reason = INTERRUPTED_RESULT): number {
    const dangling = new Set(this.danglingToolCalls().map((call) => call.id));
    if (dangling.size === 0) return 0;
    const repaired: Message[] = [];
    const messages = this.messages;
    for (let index = 0; index < messages.length; index += 1) {
      const message = messages[index] as Message;
      repaired.push(message);
      const calls = toolCallsOf(message).filter((call) => dangling.has(call.id));
      if (calls.length === 0) continue;
      while (index + 1 < messages.length && messages[index + 1]?.role === 'tool') {
        index += 1;
        repaired.push(messages[index] as Message);
      }
      for (const call of calls) {
        const result: ToolResultMessage = { role: 'tool', toolCallId: call.id, toolName: call.name, content: reason, isError: true };
        repaired.push(result);
      }
    }
    this.replaceAll(repaired);
    return dangling.size;
  }
}

/**
 * Indices where the history may be cut without separating a tool call from its result: a cut at
 * index i keeps messages[i..] intact. A cut is safe when messages[i] is not a tool result.
 */
export function isSafeCut(messages: readonly Message[], index: number): boolean {
  const message = messages[index];
  return message === undefined || message.role !== 'tool';
}

export interface ToolResultRepair {
  /** The repaired history; the very array passed in when nothing needed repair. */
  messages: readonly Message[];
  /** Results without their call, and second results of one call: dropped. */
  dropped: number;
  /** Calls without a result: each got a synthetic error result ({@link NO_RESULT_RECORDED}). */
  added: number;
  /** Results found later in the history than right after their call: moved up to it. */
  moved: number;
}

/**
 * Make every tool call have exactly one result, placed right after the assistant message that made
 * the call (what every provider requires): a result without its call, or a second result for one
 * call, is dropped; a call whose result appears further down (a log written by two processes, a
 * message slipped in between) gets that result moved up; a call without any result gets a synthetic
 * error result. A history that needs none of this is returned as is (same array). Linear time.
 */
export function repairToolResults(messages: readonly Message[]): ToolResultRepair {
  // Where each call id's results are, in order, to find a displaced one without rescanning.
  const resultsById = new Map<string, number[]>();
  messages.forEach((message, index) => {
    if (message.role !== 'tool') return;
    const positions = resultsById.get(message.toolCallId);
    if (positions) positions.push(index);
    else resultsById.set(message.toolCallId, [index]);
  });
  const used = new Set<number>();
  const repaired: Message[] = [];
  let dropped = 0;
  let added = 0;
  let moved = 0;
  for (let index = 0; index < messages.length; index += 1) {
    const message = messages[index] as Message;
    if (message.role === 'tool') {
      if (!used.has(index)) dropped += 1;
      continue;
    }
    repaired.push(message);
    const calls = toolCallsOf(message);
    if (calls.length === 0) continue;
    const pending = new Set(calls.map((call) => call.id));
    // The results that follow the call, in their order.
    let next = index + 1;
    for (; next < messages.length; next += 1) {
      const result = messages[next] as Message;
      if (result.role !== 'tool') break;
      if (!pending.has(result.toolCallId)) continue;
      pending.delete(result.toolCallId);
      used.add(next);
      repaired.push(result);
    }
    for (const call of calls) {
      if (!pending.has(call.id)) continue;
      pending.delete(call.id);
      const later = resultsById.get(call.id)?.find((position) => position >= next && !used.has(position));
      if (later !== undefined) {
        used.add(later);
        repaired.push(messages[later] as Message);
        moved += 1;
      } else {
        repaired.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: NO_RESULT_RECORDED, isError: true });
        added += 1;
      }
    }
  }
  const changed = dropped > 0 || added > 0 || moved > 0;
  return { messages: changed ? repaired : messages, dropped, added, moved };
}
