import type { Message } from '@ml-intern/context';

/** JSON Schema object as sent to a model. */
export type JsonSchema = Record<string, unknown>;

/** A tool as the model sees it. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface ModelRequest {
  system: string;
  messages: readonly Message[];
  tools: readonly ToolSpec[];
  maxOutputTokens?: number;
  reasoningEffort?: ReasoningEffort;
  /** `none` forbids tool calls (final summary after max_iterations, compaction summaries). */
  toolChoice?: 'auto' | 'none';
}

export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'refusal' | 'content_filter' | 'error' | 'other';

/** Token usage of one call. `inputTokens` counts every input token, cached and cache-creation ones included. */
export interface ModelUsage {
  inputTokens: number;
  cachedInputTokens: number;
  cacheCreationTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

/** What a provider stream yields. Tool-call parts are tied together by `id`. */
export type ModelStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  /** A complete reasoning block to replay later (signature / redacted payload included). */
  | { type: 'reasoning'; text: string; signature?: string; redacted?: string; provider?: string }
  | { type: 'tool-call-start'; id: string; name: string }
  | { type: 'tool-call-delta'; id: string; argumentsDelta: string }
  | { type: 'tool-call-end'; id: string }
  | { type: 'usage'; usage: ModelUsage }
  | { type: 'finish'; reason: FinishReason }
  /** Discard everything streamed so far in this call: the call is being retried from the start. */
  | { type: 'reset'; reason: string };

/** USD per million tokens. */
export interface ModelPricing {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export interface ModelInfo {
  /** Input window in tokens. */
  contextWindow: number;
  /** Output tokens reserved per call. */
  maxOutputTokens: number;
  /** Undefined when the model is not in the price table: cost is reported as `unpriced`. */
  pricing?: ModelPricing;
}

export interface StreamOptions {
  signal?: AbortSignal;
}

/** The one contract every provider implements. Core never sees an SDK. */
export interface LanguageModel {
  /** Full id as configured, e.g. `anthropic/claude-opus-4-6`. */
  readonly id: string;
  readonly info: ModelInfo;
  stream(request: ModelRequest, options?: StreamOptions): AsyncIterable<ModelStreamPart>;
  /** Exact input token count from the provider, when it offers one. */
  countTokens?(request: ModelRequest, options?: StreamOptions): Promise<number>;
}

export function emptyUsage(): ModelUsage {
  return { inputTokens: 0, cachedInputTokens: 0, cacheCreationTokens: 0, outputTokens: 0, reasoningTokens: 0 };
}

export function addUsage(total: ModelUsage, usage: ModelUsage): ModelUsage {
  return {
    inputTokens: total.inputTokens + usage.inputTokens,
    cachedInputTokens: total.cachedInputTokens + usage.cachedInputTokens,
    cacheCreationTokens: total.cacheCreationTokens + usage.cacheCreationTokens,
    outputTokens: total.outputTokens + usage.outputTokens,
    reasoningTokens: total.reasoningTokens + usage.reasoningTokens,
  };
}

/**
 * Cost of one call in USD. `inputTokens` counts every input token including cached ones; cached
 * reads and cache writes are billed at their own rates when the table has them.
 */
export function computeCost(usage: ModelUsage, pricing: ModelPricing | undefined): { usd: number; unpriced: boolean } {
  if (!pricing) return { usd: 0, unpriced: true };
  const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheCreationTokens);
  const usd =
    (uncached * pricing.input +
      usage.cachedInputTokens * (pricing.cacheRead ?? pricing.input) +
      usage.cacheCreationTokens * (pricing.cacheWrite ?? pricing.input) +
      usage.outputTokens * pricing.output) /
    1_000_000;
  return { usd, unpriced: false };
}
