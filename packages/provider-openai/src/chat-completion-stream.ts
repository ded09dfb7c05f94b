import { keepRecentImages, type FinishReason, type ModelRequest, type ModelStreamPart, type ModelUsage } from '@ml-intern/core';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { toChatMessages, toChatTools } from './chat-messages.js';
import { streamDroppedError, type EndpointDescription } from './openai-error.js';
import type { RequestSettings } from './request-settings.js';
import type { StreamAssembler } from './stream-assembler.js';

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  length: 'length',
  content_filter: 'content_filter',
};

/** The streaming Chat Completions body for a request. */
export function buildChatRequest(request: ModelRequest, settings: RequestSettings): ChatCompletionCreateParamsStreaming {
  const body: ChatCompletionCreateParamsStreaming = {
    model: settings.model,
    messages: toChatMessages(request.system, keepRecentImages(request.messages), settings.imageRefusal?.bind(settings)),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools.length > 0) {
    body.tools = toChatTools(request.tools);
    body.tool_choice = request.toolChoice ?? 'auto';
  }
  if (request.maxOutputTokens !== undefined) {
    // OpenAI's reasoning models reject `max_tokens`; many compatible servers only know `max_tokens`.
    if (settings.maxTokensField === 'max_completion_tokens') body.max_completion_tokens = request.maxOutputTokens;
    else body.max_tokens = request.maxOutputTokens;
  }
  const effort = settings.reasoningEffort(request);
  if (effort !== undefined) body.reasoning_effort = effort as ChatCompletionCreateParamsStreaming['reasoning_effort'];
  return body;
}

interface OpenToolCall {
  id: string;
  name: string;
}

/** Reasoning as OpenAI-compatible servers stream it (vLLM and DeepSeek: `reasoning_content`; Ollama: `reasoning`). */
interface CompatibleDelta {
  reasoning_content?: string | null;
  reasoning?: string | null;
}

function toUsage(usage: NonNullable<ChatCompletionChunk['usage']>): ModelUsage {
  return {
    inputTokens: usage.prompt_tokens ?? 0,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheCreationTokens: 0,
    outputTokens: usage.completion_tokens ?? 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

/**
 * Turns chat completion chunks into stream parts. Tool calls are assembled by `index`; a new id at
 * an index already in use starts a new call (some compatible servers reuse index 0 for parallel calls).
 */
export class ChatStreamAssembler implements StreamAssembler<ChatCompletionChunk> {
  requestId: string | undefined;
  readonly #endpoint: EndpointDescription;
  readonly #open = new Map<number, OpenToolCall>();
  #reasoning = '';
  #usage: ModelUsage | undefined;
  #finishReason: string | undefined;
  #sawToolCall = false;

  constructor(endpoint: EndpointDescription) {
    this.#endpoint = endpoint;
  }

  accept(chunk: ChatCompletionChunk, parts: ModelStreamPart[]): void {
    if (chunk.usage) this.#usage = toUsage(chunk.usage);
    const choice = chunk.choices[0];
    if (!choice) return;
    const delta = choice.delta as (typeof choice.delta & CompatibleDelta) | undefined;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) {
        this.#reasoning += reasoning;
        parts.push({ type: 'reasoning-delta', text: reasoning });
      }
      if (delta.content) parts.push({ type: 'text-delta', text: delta.content });
      if (delta.tool_calls) for (const call of delta.tool_calls) this.#acceptToolCall(call, parts);
    }
    if (choice.finish_reason) {
      this.#finishReason = choice.finish_reason;
      this.#closeToolCalls(parts);
    }
  }

  #acceptToolCall(call: NonNullable<ChatCompletionChunk.Choice.Delta['tool_calls']>[number], parts: ModelStreamPart[]): void {
    const index = call.index ?? 0;
    let open = this.#open.get(index);
    if (open && call.id && call.id !== open.id) {
      parts.push({ type: 'tool-call-end', id: open.id });
      open = undefined;
    }
    if (!open) {
      open = { id: call.id || `call_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`, name: call.function?.name ?? '' };
      this.#open.set(index, open);
      this.#sawToolCall = true;
      parts.push({ type: 'tool-call-start', id: open.id, name: open.name });
    }
    const args = call.function?.arguments;
    if (args) parts.push({ type: 'tool-call-delta', id: open.id, argumentsDelta: args });
  }

  #closeToolCalls(parts: ModelStreamPart[]): void {
    for (const open of this.#open.values()) parts.push({ type: 'tool-call-end', id: open.id });
    this.#open.clear();
  }

  end(): ModelStreamPart[] {
    if (this.#finishReason === undefined) throw streamDroppedError(this.#endpoint, this.requestId);
    const parts: ModelStreamPart[] = [];
    if (this.#reasoning) parts.push({ type: 'reasoning', text: this.#reasoning, provider: 'openai-chat' });
    if (this.#usage) parts.push({ type: 'usage', usage: this.#usage });
    let reason = FINISH_REASONS[this.#finishReason] ?? 'other';
    // Some compatible servers say `stop` after calling tools.
    if (reason === 'stop' && this.#sawToolCall) reason = 'tool_calls';
    parts.push({ type: 'finish', reason });
    return parts;
  }
}
