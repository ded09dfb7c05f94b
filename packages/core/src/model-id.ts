import { ConfigError } from './errors.js';
import type { LanguageModel, ModelInfo, ModelPricing } from './model.js';

export const LOCAL_PROVIDERS = ['ollama', 'vllm', 'lm_studio', 'llamacpp'] as const;
export type LocalProvider = (typeof LOCAL_PROVIDERS)[number];
export type ModelProvider = 'anthropic' | 'openai' | 'huggingface' | LocalProvider;

/** A parsed litellm-style model id (SPEC section 2). */
export interface ModelRoute {
  provider: ModelProvider;
  /** The id as written, e.g. `huggingface/Qwen/Qwen3-Coder:fastest`. */
  id: string;
  /** The provider's own model name, e.g. `claude-opus-4-6`, `Qwen/Qwen3-Coder:fastest`. */
  model: string;
}

export const ACCEPTED_MODEL_FORMS = [
  'anthropic/<model>            e.g. anthropic/claude-opus-4-6',
  'openai/<model>               e.g. openai/gpt-5.5',
  'huggingface/<org>/<model>[:provider|:fastest|:cheapest]   (HF Inference Providers router, HF_TOKEN)',
  'ollama/<model>               (OLLAMA_BASE_URL, default http://localhost:11434)',
  'vllm/<model>                 (VLLM_BASE_URL, default http://localhost:8000)',
  'lm_studio/<model>            (LM_STUDIO_BASE_URL, default http://localhost:1234)',
  'llamacpp/<model>             (LLAMACPP_BASE_URL, default http://localhost:8080)',
];

function invalid(id: string, why: string): ConfigError {
  return new ConfigError(`unknown model id "${id}": ${why}. Accepted forms:\n  ${ACCEPTED_MODEL_FORMS.join('\n  ')}`, {
    keyPath: 'model_name',
  });
}

export function parseModelId(id: string): ModelRoute {
  const trimmed = id.trim();
  const slash = trimmed.indexOf('/');
  if (slash <= 0) throw invalid(id, 'it has no provider prefix');
  const prefix = trimmed.slice(0, slash);
  const model = trimmed.slice(slash + 1);
  if (!model) throw invalid(id, 'the model name after the prefix is empty');
  const provider = prefix === 'lmstudio' ? 'lm_studio' : prefix === 'llama_cpp' ? 'llamacpp' : prefix;
  if (provider === 'huggingface' && !/^[^/\s]+\/[^/\s]+$/.test(model)) {
    throw invalid(id, 'Hugging Face models are written huggingface/<org>/<model>');
  }
  if (provider === 'anthropic' || provider === 'openai' || provider === 'huggingface' || (LOCAL_PROVIDERS as readonly string[]).includes(provider)) {
    return { provider: provider as ModelProvider, id: trimmed, model };
  }
  throw invalid(id, `"${prefix}" is not a known provider`);
}

/** One row of a model table: the provider packages' own catalogs, and `configs/models.json` over them. */
export interface ModelCatalogEntry {
  context_window?: number;
  max_output_tokens?: number;
  /** USD per million tokens. */
  pricing?: { input: number; output: number; cache_read?: number; cache_write?: number };
}

/** Keyed by full id (`anthropic/claude-opus-4-6`) or bare model name (`claude-opus-4-6`). */
export type ModelCatalog = Record<string, ModelCatalogEntry>;

export const DEFAULT_CONTEXT_WINDOW = 128_000;
export const DEFAULT_MAX_OUTPUT_TOKENS = 8_192;

/** The catalog row for a route: full id, `provider/model` without a `:policy` suffix, bare name. */
export function findCatalogEntry(route: ModelRoute, catalog: ModelCatalog): ModelCatalogEntry | undefined {
  const bare = route.model.replace(/:[^/]*$/, '');
  return catalog[route.id] ?? catalog[`${route.provider}/${bare}`] ?? catalog[route.model] ?? catalog[bare];
}

/** A catalog row as (partial) `ModelInfo`: only what the row says. */
export function catalogEntryInfo(entry: ModelCatalogEntry | undefined): Partial<ModelInfo> {
  if (!entry) return {};
  const info: Partial<ModelInfo> = {};
  if (entry.context_window !== undefined) info.contextWindow = entry.context_window;
  if (entry.max_output_tokens !== undefined) info.maxOutputTokens = entry.max_output_tokens;
  if (entry.pricing) {
    const pricing: ModelPricing = { input: entry.pricing.input, output: entry.pricing.output };
    if (entry.pricing.cache_read !== undefined) pricing.cacheRead = entry.pricing.cache_read;
    if (entry.pricing.cache_write !== undefined) pricing.cacheWrite = entry.pricing.cache_write;
    info.pricing = pricing;
  }
  return info;
}

/**
 * What an app's catalog and overrides say about a model, and nothing else: the fields they leave
 * unset are the provider's to fill from its own catalog (window, output limit, prices) or from
 * the server (a local server's window). `overrides` win over the catalog.
 */
export function modelInfoOverrides(route: ModelRoute, catalog: ModelCatalog = {}, overrides: Partial<ModelInfo> = {}): Partial<ModelInfo> {
  const info = catalogEntryInfo(findCatalogEntry(route, catalog));
  for (const [key, value] of Object.entries(overrides) as [keyof ModelInfo, ModelInfo[keyof ModelInfo]][]) {
    if (value !== undefined) (info as Record<string, unknown>)[key] = value;
  }
  return info;
}

/**
 * Window and prices for a model from one catalog, with core's defaults for what it does not say.
 * Unknown models (new releases, fine-tunes, local models) get a conservative window and no price
 * (cost reported as `unpriced`). Provider packages carry the catalogs of their models; prefer
 * their lookups (and `resolveModel`, which leaves the gaps to them).
 */
export function lookupModelInfo(route: ModelRoute, catalog: ModelCatalog = {}, overrides: Partial<ModelInfo> = {}): ModelInfo {
  return { contextWindow: DEFAULT_CONTEXT_WINDOW, maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS, ...modelInfoOverrides(route, catalog, overrides) };
}

/**
 * Builds a LanguageModel for a route; provider packages supply these and apps wire them. `info`
 * holds only what the app's catalog and overrides say; the provider fills the rest from its own
 * catalog and defaults.
 */
export type ModelFactory = (route: ModelRoute, info: Partial<ModelInfo>) => LanguageModel;

export interface ResolveModelOptions {
  /** `anthropic` serves `anthropic/…`; `openai` serves every OpenAI-compatible route. */
  factories: { anthropic?: ModelFactory; openai?: ModelFactory };
  /** Overrides of the providers' own catalogs (the CLI's `configs/models.json`). */
  catalog?: ModelCatalog;
  overrides?: Partial<ModelInfo>;
}

/** The one place a model id becomes a LanguageModel. */
export function resolveModel(id: string, options: ResolveModelOptions): LanguageModel {
  const route = parseModelId(id);
  const info = modelInfoOverrides(route, options.catalog, options.overrides);
  const factory = route.provider === 'anthropic' ? options.factories.anthropic : options.factories.openai;
  if (!factory) throw new ConfigError(`no provider is installed for "${route.provider}" models (model "${id}")`, { keyPath: 'model_name' });
  return factory(route, info);
}
