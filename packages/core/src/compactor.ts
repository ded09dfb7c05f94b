import {
  applyCompactionPlan,
  messageText,
  planCompaction,
  type History,
  type Message,
  type ToolResultMessage,
} from '@ml-intern/context';
import { callModel } from './model-call.js';
import type { LanguageModel, ModelUsage, ToolSpec } from './model.js';

export interface CompactionOptions {
  /** Fraction of (window − output reserve) that triggers compaction (default 0.9). */
  threshold?: number;
  /** Token budget of recent messages kept verbatim (default 20% of the window). */
  keepRecentTokens?: number;
  /** Overrides the model's window (from config). */
  contextWindow?: number;
  /** Disable automatic compaction (manual `/compact` still works). */
  auto?: boolean;
}

export type CompactionOutcome =
  | { kind: 'not_needed' }
  | { kind: 'failed'; message: string }
  | {
      kind: 'compacted';
      stats: { tokens_before: number; tokens_after: number; messages_removed: number; summary_tokens: number };
      usage?: ModelUsage;
      latencyMs: number;
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
    const transcript = plan.middle.map(renderForSummary).join('\n\n');
    const prompt = `${plan.previousSummary ? `Previous snapshot:\n${plan.previousSummary}\n\n` : ''}Conversation to compress:\n\n${transcript}`;
    const result = await callModel(
      this.#model,
      { system: SNAPSHOT_INSTRUCTIONS, messages: [{ role: 'user', content: prompt }], tools: [], toolChoice: 'none', maxOutputTokens: Math.min(this.#model.info.maxOutputTokens, 8_000) },
      { onTextDelta: () => {}, onReset: () => {}, onRetry: () => {} },
      { signal: context.signal },
    );
    const summary = result.text.trim();
    const summaryTokens = this.#history.counter.count(summary);
    if (!summary) return { kind: 'failed', message: 'the model returned an empty summary' };
    if (summaryTokens >= plan.middleTokens) {
      const message = `compaction rejected: the summary (${summaryTokens} tokens) is not smaller than what it replaces (${plan.middleTokens} tokens)`;
      if (trigger === 'manual') return { kind: 'failed', message };
      return { kind: 'failed', message };
    }
    const tail = pointerize(plan.tail, Math.floor(keepRecentTokens / 4), this.#history);
    const next = applyCompactionPlan({ ...plan, tail }, summary);
    const removed = this.#history.length - next.length;
    this.#history.replaceAll(next);
    this.#compactedSinceCall = true;
    const after = this.#history.estimatedTokens + fixed;
    if (trigger !== 'manual' && after > limit) {
      return { kind: 'failed', message: `the history is still ${after} tokens after compaction (limit ${limit}); start a new session or remove large content` };
    }
    return {
      kind: 'compacted',
      stats: { tokens_before: before, tokens_after: after, messages_removed: removed, summary_tokens: summaryTokens },
      usage: result.usage,
      latencyMs: result.latencyMs,
    };
  }
}
