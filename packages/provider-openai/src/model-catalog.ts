import { catalogEntryInfo, type ImageInputLimits, type ModelCatalog, type ModelInfo } from '@ml-intern/core';

/**
 * What OpenAI accepts per image: 20 MB (as a base64 data URL in Chat Completions `image_url`
 * parts and Responses `input_image` parts). There is no pixel limit: the API scales large
 * images down itself (high detail: into a 2048 px square, then to 768 px on the short side),
 * which `downscaleTo` lets an app do first.
 */
export const OPENAI_IMAGE_LIMITS: ImageInputLimits = { maxBytes: 20 * 1024 * 1024, downscaleTo: { longEdge: 2048, shortEdge: 768 } };

/** Rows of {@link OPENAI_MODEL_CATALOG} whose model takes images (the others are text only). */
export const OPENAI_VISION_MODELS: ReadonlySet<string> = new Set([
  'openai/gpt-5.5',
  'openai/gpt-5',
  'openai/gpt-5-mini',
  'openai/gpt-5-nano',
  'openai/gpt-4.1',
  'openai/gpt-4.1-mini',
  'openai/gpt-4.1-nano',
  'openai/gpt-4o',
  'openai/gpt-4o-mini',
  'openai/o3',
  'openai/o4-mini',
]);

/**
 * Windows, output limits and prices (USD per million tokens) of the models this package knows:
 * OpenAI's (`openai/…`) and models of the Hugging Face router (`huggingface/…`). Models built with
 * `createOpenAIModel` or `openAIModelFactory` take their info from here, so usage is priced and
 * budgets hold wherever the package is used; an app's own table (the CLI's `configs/models.json`)
 * and explicit `info` override it. Local servers are not listed: their window is asked of them.
 */
export const OPENAI_MODEL_CATALOG: ModelCatalog = {
  'openai/gpt-5.5': { context_window: 400_000, max_output_tokens: 128_000, pricing: { input: 1.25, output: 10, cache_read: 0.125 } },
  'openai/gpt-5': { context_window: 400_000, max_output_tokens: 128_000, pricing: { input: 1.25, output: 10, cache_read: 0.125 } },
  'openai/gpt-5-mini': { context_window: 400_000, max_output_tokens: 128_000, pricing: { input: 0.25, output: 2, cache_read: 0.025 } },
  'openai/gpt-5-nano': { context_window: 400_000, max_output_tokens: 128_000, pricing: { input: 0.05, output: 0.4, cache_read: 0.005 } },
  'openai/gpt-4.1': { context_window: 1_047_576, max_output_tokens: 32_768, pricing: { input: 2, output: 8, cache_read: 0.5 } },
  'openai/gpt-4.1-mini': { context_window: 1_047_576, max_output_tokens: 32_768, pricing: { input: 0.4, output: 1.6, cache_read: 0.1 } },
  'openai/gpt-4.1-nano': { context_window: 1_047_576, max_output_tokens: 32_768, pricing: { input: 0.1, output: 0.4, cache_read: 0.025 } },
  'openai/gpt-4o': { context_window: 128_000, max_output_tokens: 16_384, pricing: { input: 2.5, output: 10, cache_read: 1.25 } },
  'openai/gpt-4o-mini': { context_window: 128_000, max_output_tokens: 16_384, pricing: { input: 0.15, output: 0.6, cache_read: 0.075 } },
  'openai/o3': { context_window: 200_000, max_output_tokens: 100_000, pricing: { input: 2, output: 8, cache_read: 0.5 } },
  'openai/o4-mini': { context_window: 200_000, max_output_tokens: 100_000, pricing: { input: 1.1, output: 4.4, cache_read: 0.275 } },
  'huggingface/moonshotai/Kimi-K2.6': { context_window: 262_144, max_output_tokens: 16_384 },
  'huggingface/Qwen/Qwen3-Coder-480B-A35B-Instruct': { context_window: 262_144, max_output_tokens: 16_384 },
  'huggingface/openai/gpt-oss-120b': { context_window: 131_072, max_output_tokens: 16_384 },
};

/**
 * What {@link OPENAI_MODEL_CATALOG} says of a model served by `provider` (only the fields it
 * lists; nothing for local servers). OpenAI's dated snapshots (`gpt-4o-2024-08-06`) share their
 * family's row, and a router policy (`:fastest`, `:groq`) is ignored.
 */
export function lookupOpenAIModelInfo(provider: string, model: string): Partial<ModelInfo> {
  if (provider !== 'openai' && provider !== 'huggingface') return {};
  const bare = model.replace(/:[^/]*$/, '');
  const key = OPENAI_MODEL_CATALOG[`${provider}/${bare}`] ? `${provider}/${bare}` : provider === 'openai' ? `openai/${bare.replace(/-\d{4}-\d{2}-\d{2}$/, '')}` : undefined;
  const entry = key === undefined ? undefined : OPENAI_MODEL_CATALOG[key];
  const info = catalogEntryInfo(entry);
  return key !== undefined && OPENAI_VISION_MODELS.has(key) ? { ...info, imageInput: OPENAI_IMAGE_LIMITS } : info;
}
