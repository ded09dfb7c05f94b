export { DEFAULT_IDLE_TIMEOUT_MS, OPENAI_BASE_URL, createOpenAIModel } from './openai-language-model.js';
export type { OpenAILanguageModel, OpenAIModelOptions } from './openai-language-model.js';
export { HF_ROUTER_BASE_URL, LOCAL_API_KEY_PLACEHOLDER, openAIModelFactory, resolveOpenAIEndpoint, withVersionPath } from './openai-model-factory.js';
export type { OpenAIEndpoint, OpenAIEnvironment, OpenAIModelFactoryOptions } from './openai-model-factory.js';
export { DEFAULT_MAX_RESPONSE_CHARS } from '@ml-intern/core';
export { acceptsReasoningEffort, isOpenAIReasoningModel, wireReasoningEffort } from './reasoning-models.js';
export { imageDataUrl, toChatMessages, toChatTools } from './chat-messages.js';
export { toResponsesInput, toResponsesTools, RESPONSES_REASONING_PROVIDER } from './responses-input.js';
export { toProviderError } from './openai-error.js';
/** Kept for callers of this package; the parser lives in `@ml-intern/core`. */
export { parseRetryAfter } from '@ml-intern/core';
export type { EndpointDescription } from './openai-error.js';
export { OPENAI_IMAGE_LIMITS, OPENAI_MODEL_CATALOG, OPENAI_VISION_MODELS, lookupOpenAIModelInfo } from './model-catalog.js';
export { probeContextWindow } from './context-window-probe.js';
export type { ContextWindowProbeTarget } from './context-window-probe.js';
export { readContextOverflow } from './context-overflow.js';
export type { ContextOverflowReading } from './context-overflow.js';
