import type {
  MessageCreateParamsStreaming,
  OutputConfig,
  ThinkingConfigParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import { keepRecentImages, type ImagePart, type ModelRequest, type ReasoningEffort, type ToolSpec } from '@ml-intern/core';
import { toAnthropicMessages, toAnthropicSystem } from './to-anthropic-messages.js';

/**
 * How extended thinking is configured.
 * - `'adaptive'`: `thinking: {type: 'adaptive'}`; the request's `reasoningEffort` goes to `output_config.effort`.
 * - `'budget'`: manual thinking whose `budget_tokens` comes from the request's `reasoningEffort`
 *   through {@link REASONING_EFFORT_BUDGET_TOKENS} (models without adaptive thinking).
 * - `{ budgetTokens }`: manual thinking with this fixed budget on every call.
 * - `'disabled'`: `thinking: {type: 'disabled'}`, effort never sent.
 * Unset: adaptive when the request carries a `reasoningEffort`, else the model's default.
 */
export type AnthropicThinking = 'adaptive' | 'budget' | 'disabled' | { budgetTokens: number };

/** Thinking budget per reasoning effort for `thinking: 'budget'`. */
export const REASONING_EFFORT_BUDGET_TOKENS: Readonly<Record<ReasoningEffort, number>> = {
  minimal: 1_024,
  low: 2_048,
  medium: 8_192,
  high: 16_384,
  xhigh: 32_768,
  max: 65_536,
};

/** The API's smallest thinking budget. */
const MINIMUM_BUDGET_TOKENS = 1_024;

export interface BuildRequestSettings {
  model: string;
  maxOutputTokens: number;
  thinking?: AnthropicThinking;
  /** `cache_control` breakpoints on the system prompt, the last tool and the last user block. */
  promptCaching: boolean;
  /** Why an image cannot be sent (a note replaces it); undefined: send it. */
  imageRefusal?: (image: ImagePart) => string | undefined;
}

/** The request body without `stream`; shared by `stream()` and `countTokens()`. */
export type AnthropicRequestBody = Omit<MessageCreateParamsStreaming, 'stream'>;

function toAnthropicTools(tools: readonly ToolSpec[], cache: boolean): Tool[] {
  const converted: Tool[] = tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.inputSchema, type: 'object' },
  }));
  const last = converted.at(-1);
  if (last && cache) last.cache_control = { type: 'ephemeral' };
  return converted;
}

function effortOf(effort: ReasoningEffort): NonNullable<OutputConfig['effort']> {
  return effort === 'minimal' ? 'low' : effort;
}

/** Thinking settings for one call; `budget_tokens` always stays below `max_tokens` as the API requires. */
function thinkingFor(
  request: ModelRequest,
  settings: BuildRequestSettings,
  maxTokens: number,
): { thinking?: ThinkingConfigParam; output_config?: OutputConfig } {
  const effort = request.reasoningEffort;
  const mode = settings.thinking ?? (effort ? 'adaptive' : undefined);
  if (mode === undefined) return {};
  if (mode === 'disabled') return { thinking: { type: 'disabled' } };
  if (mode === 'adaptive') return { thinking: { type: 'adaptive' }, ...(effort ? { output_config: { effort: effortOf(effort) } } : {}) };
  const wanted = mode === 'budget' ? (effort ? REASONING_EFFORT_BUDGET_TOKENS[effort] : undefined) : mode.budgetTokens;
  if (wanted === undefined) return {};
  const budget = Math.min(Math.max(MINIMUM_BUDGET_TOKENS, Math.floor(wanted)), maxTokens - 1);
  if (budget < MINIMUM_BUDGET_TOKENS) return { thinking: { type: 'disabled' } };
  return { thinking: { type: 'enabled', budget_tokens: budget } };
}

/** Translate a core ModelRequest to a Messages API body. */
export function buildAnthropicRequest(request: ModelRequest, settings: BuildRequestSettings): AnthropicRequestBody {
  const maxTokens = Math.max(1, Math.floor(request.maxOutputTokens ?? settings.maxOutputTokens));
  const conversation = toAnthropicMessages(keepRecentImages(request.messages), { cacheLastUserBlock: settings.promptCaching, ...(settings.imageRefusal ? { imageRefusal: settings.imageRefusal } : {}) });
  const system = toAnthropicSystem(request.system, conversation.extraSystem, settings.promptCaching);
  const tools = toAnthropicTools(request.tools, settings.promptCaching);
  return {
    model: settings.model,
    max_tokens: maxTokens,
    messages: conversation.messages,
    ...(system.length > 0 ? { system } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(tools.length > 0 && request.toolChoice === 'none' ? { tool_choice: { type: 'none' } } : {}),
    ...thinkingFor(request, settings, maxTokens),
  };
}
