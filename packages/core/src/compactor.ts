import {
  SUMMARY_PREFIX,
  applyCompactionPlan,
  messageText,
  planCompaction,
  type History,
  type Message,
  type ToolResultMessage,
} from '@ml-intern/context';
import { ContextOverflowError } from './errors.js';
import { callModel, type ModelCallResult } from './model-call.js';
import type { LanguageModel, ModelUsage, ToolSpec } from './model.js';
import type { RetryOptions } from './retry.js';

export interface CompactionOptions {
  /** Fraction of (window − output reserve) that triggers compaction (default 0.9). */
  threshold?: number;
  /** Token budget of recent messages kept verbatim (default 20% of the window). */
  keepRecentTokens?: number;
  /** Overrides the model's window (from config). */
  contextWindow?: number;
  /** Disable automatic compaction (manual `/compact` still works). */
  auto?: boolean;
  /** Retry and idle-timeout settings of the summary call (the session's own). */
  retry?: RetryOptions;
}

export type CompactionOutcome =
  | { kind: 'not_needed' }
  | { kind: 'failed'; message: string }
  | {
      kind: 'compacted';
      stats: { tokens_before: number; tokens_after: number; messages_removed: number; summary_tokens: number };
      usage?: ModelUsage;
      latencyMs: number;
      /**
       * Oldest messages of the summarised span left out of the summary: the summary request itself
       * did not fit the model's window, so they were dropped (the snapshot in the history says so).
       */
      dropped?: number;
      /** What to tell the user about it (set with `dropped`). */
      notice?: string;
    };

const SNAPSHOT_INSTRUCTIONS = `You compress the middle of an ML engineering agent's conversation into a state snapshot that lets the agent continue without the original messages. Write markdown with exactly these sections:
## Goal
## Constraints and preferences
## Key knowledge (facts learned: dataset schemas, model ids, hyperparameters, errors and their fixes)
## Artifacts (files written, Hub repos, HF job ids and URLs, spill-file paths of large outputs, other URLs)
## Done
## Next steps
Be specific: keep exact ids, paths, URLs, numbers and commands. Drop chit-chat and superseded attempts. If a previous snapshot is given, merge it: update facts that changed, keep the rest. Do not call tools.`;

const TOOL_RESULT_PREVIEW = 2_000;
/** Room kept in the window for the instructions, the prompt's framing and the tokenizer's error. */
const SUMMARY_OVERHEAD_TOKENS = 1_000;

function dropNote(dropped: number): string {
  return `[${dropped} older message${dropped === 1 ? ' was' : 's were'} dropped without a summary: the summary request did not fit the model's context window.]`;
}

function renderForSummary(message: Message): string {
  switch (message.role) {
    case 'user':
      return `USER: ${message.content}`;
    case 'tool': {
      const body = message.content.length > TOOL_RESULT_PREVIEW ? `${message.content.slice(0, TOOL_RESULT_PREVIEW)}… [${message.content.length} chars${message.spillPath ? `, full output at ${message.spillPath}` : ''}]` : message.content;
      return `TOOL RESULT (${message.toolName}${message.isError ? ', error' : ''}): ${body}`;
    }
    case 'assistant':
      return `ASSISTANT: ${messageText(message)}`;
    case 'notice':
      return `HARNESS NOTICE: ${message.content}`;
    default:
      return `${message.role.toUpperCase()}: ${messageText(message)}`;
  }
}

/** Large tool outputs in the kept tail become pointers to their spill files (re-readable). */
function pointerize(tail: Message[], budgetPerResult: number, history: History): Message[] {
  return tail.map((message, index) => {
    if (message.role !== 'tool' || !message.spillPath || index >= tail.length - 2) return message;
    if (history.counter.count(message.content) <= budgetPerResult) return message;
    const pointer: ToolResultMessage = {
      ...message,
      content: `[Large output of ${message.toolName} removed by compaction. Full text: ${message.spillPath} — read it again if you need it.]`,
    };
    return pointer;
  });
}

/** Runs compaction for a session: decides when, summarises with the session's model, applies. */
export class Compactor {
  #model: LanguageModel;
  readonly #history: History;
  readonly #options: CompactionOptions;
  #fixed: { key: string; tokens: number } | undefined;
  #fixedBound: { key: string; bytes: number } | undefined;
  #compactedSinceCall = false;

  constructor(model: LanguageModel, history: History, options: CompactionOptions = {}) {
    this.#model = model;
    this.#history = history;
    this.#options = options;
  }

  setModel(model: LanguageModel): void {
    this.#model = model;
  }

  /** Input tokens the system prompt and tool specs add to every call (counted once per change). */
  fixedTokens(system: string, tools: readonly ToolSpec[]): number {
    const key = `${system.length}:${tools.length}:${tools.map((tool) => tool.name).join(',')}`;
    if (this.#fixed?.key !== key) {
      this.#fixed = { key, tokens: this.#history.counter.count(system) + this.#history.counter.count(JSON.stringify(tools)) };
    }
    return this.#fixed.tokens;
  }

  /** A bound on fixedTokens() that needs no tokenizer: UTF-8 bytes of the system prompt and tool specs. */
  fixedUpperBound(system: string, tools: readonly ToolSpec[]): number {
    const key = `${system.length}:${tools.length}:${tools.map((tool) => tool.name).join(',')}`;
    if (this.#fixedBound?.key !== key) this.#fixedBound = { key, bytes: Buffer.byteLength(system, 'utf8') + Buffer.byteLength(JSON.stringify(tools), 'utf8') };
    return this.#fixedBound.bytes;
  }

  /** Tokens above which compaction triggers. */
  limit(): number {
    const window = this.#options.contextWindow ?? this.#model.info.contextWindow;
    return Math.floor((window - this.#model.info.maxOutputTokens) * (this.#options.threshold ?? 0.9));
  }

  /** Note that a normal model call happened (compaction may run again). */
  noteModelCall(): void {
    this.#compactedSinceCall = false;
  }

  async run(trigger: 'threshold' | 'overflow' | 'manual', context: { system: string; tools: readonly ToolSpec[]; signal: AbortSignal }): Promise<CompactionOutcome> {
    const limit = this.limit();
    if (trigger === 'threshold') {
      if (this.#options.auto === false) return { kind: 'not_needed' };
      // Far below the limit even by the byte bound: no need to tokenise anything.
      if (this.#history.upperBoundTokens * Math.max(1, this.#history.calibration) + this.fixedUpperBound(context.system, context.tools) <= limit) return { kind: 'not_needed' };
    }
    const fixed = this.fixedTokens(context.system, context.tools);
    const before = this.#history.estimatedTokens + fixed;
    if (trigger === 'threshold' && before <= limit) return { kind: 'not_needed' };
    if (trigger === 'threshold' && this.#compactedSinceCall) {
      return { kind: 'failed', message: `the history is still ${before} tokens after compaction (limit ${limit}); start a new session or remove large content` };
    }
    const window = this.#options.contextWindow ?? this.#model.info.contextWindow;
    const keepRecentTokens = this.#options.keepRecentTokens ?? Math.floor(window * 0.2);
    const plan = planCompaction(this.#history, { keepRecentTokens });
    if (!plan || plan.middle.length === 0) {
      if (trigger === 'manual') return { kind: 'not_needed' };
      return { kind: 'failed', message: `the history (${before} tokens) is over the limit (${limit}) but has nothing old enough to summarise` };
    }
    // The summary request carries the span it summarises: a span larger than the window cannot be
    // summarised whole. Its oldest messages are dropped until the rest fits (user messages stay
    // verbatim in the snapshot either way), and again, by halves, if the model still refuses.
    const summaryOutput = Math.min(this.#model.info.maxOutputTokens, 8_000);
    const rendered = plan.middle.map(renderForSummary);
    const previous = plan.previousSummary ? this.#history.counter.count(plan.previousSummary) : 0;
    let budget = window - summaryOutput - SUMMARY_OVERHEAD_TOKENS - previous - this.#history.counter.count(SNAPSHOT_INSTRUCTIONS);
    // The span's own count bounds its rendering (tool results are cut to previews): most spans fit without counting again.
    let first = plan.middleTokens + rendered.length * 8 <= budget ? 0 : rendered.length;
    for (let index = rendered.length - 1; first > 0 && index >= 0; index -= 1) {
      budget -= this.#history.counter.count(rendered[index] as string) + 2;
      if (budget < 0) break;
      first = index;
    }
    let result: ModelCallResult | undefined;
    for (;;) {
      if (first >= rendered.length) break;
      const transcript = rendered.slice(first).join('\n\n');
      const prompt = `${plan.previousSummary ? `Previous snapshot:\n${plan.previousSummary}\n\n` : ''}Conversation to compress:\n\n${transcript}`;
      try {
        result = await callModel(
          this.#model,
          { system: SNAPSHOT_INSTRUCTIONS, messages: [{ role: 'user', content: prompt }], tools: [], toolChoice: 'none', maxOutputTokens: summaryOutput },
          { onTextDelta: () => {}, onReset: () => {}, onRetry: () => {} },
          { ...this.#options.retry, signal: context.signal },
        );
        break;
      } catch (error) {
        if (!ContextOverflowError.isInstance(error)) throw error;
        first += Math.max(1, Math.ceil((rendered.length - first) / 2));
      }
    }
    const dropped = Math.min(first, rendered.length);
    let summary = result?.text.trim() ?? '';
    if (result && !summary) return { kind: 'failed', message: 'the model returned an empty summary' };
    if (result) {
      const tokens = this.#history.counter.count(summary);
      if (tokens >= plan.middleTokens) {
        return { kind: 'failed', message: `compaction rejected: the summary (${tokens} tokens) is not smaller than what it replaces (${plan.middleTokens} tokens)` };
      }
    }
    if (dropped > 0) {
      // Nothing summarised at all: the previous snapshot (if any) carries on, with the note.
      const previousBody = plan.previousSummary?.startsWith(SUMMARY_PREFIX) ? plan.previousSummary.slice(SUMMARY_PREFIX.length).trim() : plan.previousSummary?.trim();
      summary = `${summary || previousBody || ''}\n\n${dropNote(dropped)}`.trim();
    }
    const summaryTokens = this.#history.counter.count(summary);
    const tail = pointerize(plan.tail, Math.floor(keepRecentTokens / 4), this.#history);
    const next = applyCompactionPlan({ ...plan, tail }, summary);
    const removed = this.#history.length - next.length;
    this.#history.replaceAll(next);
    this.#compactedSinceCall = true;
    const after = this.#history.estimatedTokens + fixed;
    if (trigger !== 'manual' && after > limit) {
      return { kind: 'failed', message: `the history is still ${after} tokens after compaction (limit ${limit}); start a new session or remove large content` };
    }
    const notice = `Compaction dropped the ${dropped} oldest message${dropped === 1 ? '' : 's'} of the conversation without summarising ${dropped === 1 ? 'it' : 'them'}: the summary request did not fit ${this.#model.id}'s context window.`;
    return {
      kind: 'compacted',
      stats: { tokens_before: before, tokens_after: after, messages_removed: removed, summary_tokens: summaryTokens },
      ...(result ? { usage: result.usage, latencyMs: result.latencyMs } : { latencyMs: 0 }),
      ...(dropped > 0 ? { dropped, notice } : {}),
    };
  }
}
