import type { ImagePart, Message } from '@ml-intern/context';

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
  /**
   * The model accepts images (vision), within these limits. Undefined: text only (or not known
   * to accept images), so image parts are replaced by a note saying why they were not sent.
   */
  imageInput?: ImageInputLimits;
}

/** What a provider accepts per image. Images over a limit are refused with a note; `downscaleTo` is what an app resizes to first. */
export interface ImageInputLimits {
  /** Largest encoded image, in bytes (before base64). */
  maxBytes: number;
  /** Longest side in pixels the API accepts; undefined when the provider downscales any size itself. */
  maxEdge?: number;
  /**
   * The size the provider works at (larger images are scaled down by it, costing latency, or
   * refused): an app with an image library downscales to it before sending. `longEdge` bounds
   * the longer side, `shortEdge` the shorter one.
   */
  downscaleTo?: { longEdge?: number; shortEdge?: number };
}

/**
 * Images sent in one request at most: the most recent ones. Anthropic takes up to 100 but lowers
 * its per-image limit to 2000 px past 20, and every image costs up to ~1,600 tokens each call.
 */
export const MAX_IMAGES_PER_REQUEST = 20;

/**
 * The messages with only the `keep` most recent images; older ones are replaced by a line in
 * their message's text saying so (the history itself keeps them). Returns `messages` itself
 * when nothing is dropped.
 */
export function keepRecentImages(messages: readonly Message[], keep = MAX_IMAGES_PER_REQUEST): readonly Message[] {
  let total = 0;
  for (const message of messages) if ((message.role === 'tool' || message.role === 'user') && message.images) total += message.images.length;
  let drop = total - Math.max(0, keep);
  if (drop <= 0) return messages;
  return messages.map((message): Message => {
    if (drop <= 0 || (message.role !== 'tool' && message.role !== 'user') || !message.images?.length) return message;
    const count = Math.min(drop, message.images.length);
    drop -= count;
    const { images, ...rest } = message;
    const kept = images.slice(count);
    const note = `[${count === 1 ? 'an earlier image was' : `${count} earlier images were`} not sent again, to keep the request small; read the file again to look at it]`;
    return { ...rest, content: rest.content ? `${rest.content}\n${note}` : note, ...(kept.length > 0 ? { images: kept } : {}) } as Message;
  });
}

/** Decoded size of a base64 string, in bytes. */
export function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

/**
 * Why `image` cannot go to this model, as a note for the model in its place; undefined when it
 * can. Providers call this for every image part before they send it.
 */
export function imageRefusal(modelId: string, info: ModelInfo, image: ImagePart): string | undefined {
  const what = `${image.mediaType}${image.width && image.height ? ` ${image.width}×${image.height}` : ''}`;
  const limits = info.imageInput;
  if (!limits) {
    return `[image not shown (${what}): the model ${modelId} does not accept image input. Work from numbers instead (print summary statistics or a few rows), or switch to a vision model.]`;
  }
  const bytes = base64Bytes(image.data);
  if (bytes > limits.maxBytes) {
    return `[image not shown (${what}, ${bytes} bytes): it is larger than the ${limits.maxBytes} bytes ${modelId} accepts per image and cannot be downscaled here. Save a smaller file (lower dpi or figsize, or JPEG) and read that.]`;
  }
  if (limits.maxEdge !== undefined && ((image.width ?? 0) > limits.maxEdge || (image.height ?? 0) > limits.maxEdge)) {
    return `[image not shown (${what}): ${modelId} accepts at most ${limits.maxEdge} pixels per side and the image cannot be downscaled here. Save it smaller (e.g. matplotlib dpi=100) and read that.]`;
  }
  return undefined;
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
