import type { ImagePart, ModelRequest, ReasoningEffort } from '@ml-intern/core';

/** Per-model decisions shared by the Chat Completions and Responses request builders. */
export interface RequestSettings {
  /** The model name sent on the wire (`gpt-5.5`, `Qwen/Qwen3-Coder:fastest`, `llama3.1`). */
  model: string;
  /** OpenAI wants `max_completion_tokens`; other servers understand `max_tokens`. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** True when the model reasons: it accepts a reasoning effort and returns reasoning items. */
  reasoningModel: boolean;
  /** Reasoning summaries requested from the Responses API (`null` asks for none). */
  reasoningSummary: 'auto' | 'concise' | 'detailed' | null;
  /** The effort to send for a request, or undefined to send none. */
  reasoningEffort(request: ModelRequest): ReasoningEffort | undefined;
  /** Why an image cannot be sent (a note goes in its place); undefined: send it. */
  imageRefusal?(image: ImagePart): string | undefined;
}
