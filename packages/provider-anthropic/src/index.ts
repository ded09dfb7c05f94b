export { DEFAULT_IDLE_TIMEOUT_MS, anthropicModelFactory, createAnthropicModel } from './anthropic-language-model.js';
export type {
  AnthropicClientOptions,
  AnthropicFactoryOptions,
  AnthropicLanguageModel,
  AnthropicModelOptions,
  AnthropicModelSettings,
} from './anthropic-language-model.js';
export { DEFAULT_MAX_RESPONSE_CHARS } from '@ml-intern/core';
export { REASONING_EFFORT_BUDGET_TOKENS } from './build-anthropic-request.js';
export type { AnthropicThinking } from './build-anthropic-request.js';
export { ANTHROPIC_PROVIDER } from './anthropic-stream-mapper.js';
export { ANTHROPIC_IMAGE_LIMITS, ANTHROPIC_MODEL_CATALOG, lookupAnthropicModelInfo } from './model-catalog.js';
