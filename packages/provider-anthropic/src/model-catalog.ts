import { catalogEntryInfo, type ImageInputLimits, type ModelCatalog, type ModelInfo } from '@ml-intern/core';

/**
 * What the Messages API accepts per image: 5 MB and 8000 px a side (larger images are refused
 * by the API; ones over 1568 px are downscaled by it, which costs latency: `downscaleTo` lets an
 * app do it first). Every Claude model listed here (and every Claude 3+ model) takes images.
 */
export const ANTHROPIC_IMAGE_LIMITS: ImageInputLimits = { maxBytes: 5 * 1024 * 1024, maxEdge: 8000, downscaleTo: { longEdge: 1568 } };

/**
 * Windows, output limits and prices (USD per million tokens; cache reads and 5-minute cache
 * writes at their own rates) of Claude models. `createAnthropicModel` and `anthropicModelFactory`
 * take a model's info from here, so its usage is priced and `budgetUsd` holds wherever the
 * package is used; an app's own table (the CLI's `configs/models.json`) and explicit `info`
 * override it.
 */
export const ANTHROPIC_MODEL_CATALOG: ModelCatalog = {
  'anthropic/claude-opus-4-6': { context_window: 200_000, max_output_tokens: 32_000, pricing: { input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 } },
  'anthropic/claude-opus-4-5': { context_window: 200_000, max_output_tokens: 64_000, pricing: { input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 } },
  'anthropic/claude-opus-4-1': { context_window: 200_000, max_output_tokens: 32_000, pricing: { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 } },
  'anthropic/claude-opus-4-0': { context_window: 200_000, max_output_tokens: 32_000, pricing: { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 } },
  'anthropic/claude-sonnet-4-5': { context_window: 200_000, max_output_tokens: 64_000, pricing: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } },
  'anthropic/claude-sonnet-4-0': { context_window: 200_000, max_output_tokens: 64_000, pricing: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } },
  'anthropic/claude-3-7-sonnet': { context_window: 200_000, max_output_tokens: 64_000, pricing: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } },
  'anthropic/claude-haiku-4-5': { context_window: 200_000, max_output_tokens: 64_000, pricing: { input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 } },
  'anthropic/claude-3-5-haiku': { context_window: 200_000, max_output_tokens: 8_192, pricing: { input: 0.8, output: 4, cache_read: 0.08, cache_write: 1 } },
};

/** Aliases the API accepts for rows of the catalog. */
const ALIASES: Record<string, string> = { 'claude-opus-4': 'claude-opus-4-0', 'claude-sonnet-4': 'claude-sonnet-4-0' };

/**
 * What {@link ANTHROPIC_MODEL_CATALOG} says of a model (only the fields it lists). Dated ids
 * (`claude-sonnet-4-5-20250929`) and `-latest` aliases share their family's row.
 */
export function lookupAnthropicModelInfo(model: string): Partial<ModelInfo> {
  const family = model.replace(/-(?:\d{8}|latest)$/, '');
  const name = ALIASES[family] ?? family;
  const entry = ANTHROPIC_MODEL_CATALOG[`anthropic/${name}`];
  return entry ? { ...catalogEntryInfo(entry), imageInput: ANTHROPIC_IMAGE_LIMITS } : {};
}
