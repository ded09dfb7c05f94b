import { ContextOverflowError, ProviderError, keepRecentImages, type FinishReason, type ModelRequest, type ModelStreamPart, type ModelUsage } from '@ml-intern/core';
import type { Response, ResponseCreateParamsStreaming, ResponseOutputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { streamDroppedError, type EndpointDescription } from './openai-error.js';
import type { RequestSettings } from './request-settings.js';
import type { StreamAssembler } from './stream-assembler.js';
import { RESPONSES_REASONING_PROVIDER, toResponsesInput, toResponsesTools } from './responses-input.js';

/** Codes of failed responses that are worth retrying. */
const RETRYABLE_CODES = new Set(['server_error', 'rate_limit_exceeded', 'vector_store_timeout']);

/**
 * The streaming Responses body. `store: false` keeps nothing on OpenAI's side, so reasoning items
 * come back encrypted (`include: reasoning.encrypted_content`) and are replayed from our history.
 */
export function buildResponsesRequest(request: ModelRequest, settings: RequestSettings): ResponseCreateParamsStreaming {
  const body: ResponseCreateParamsStreaming = {
    model: settings.model,
    input: toResponsesInput(keepRecentImages(request.messages), settings.imageRefusal?.bind(settings)),
    stream: true,
    store: false,
  };
  if (request.system) body.instructions = request.system;
  if (request.tools.length > 0) {
    body.tools = toResponsesTools(request.tools);
    body.tool_choice = request.toolChoice ?? 'auto';
  }
  if (request.maxOutputTokens !== undefined) body.max_output_tokens = request.maxOutputTokens;
  if (settings.reasoningModel) {
    body.include = ['reasoning.encrypted_content'];
    const effort = settings.reasoningEffort(request);
    body.reasoning = {
      ...(effort === undefined ? {} : { effort: effort as NonNullable<ResponseCreateParamsStreaming['reasoning']>['effort'] }),
      ...(settings.reasoningSummary ? { summary: settings.reasoningSummary } : {}),
    };
  }
  return body;
}

function toUsage(usage: NonNullable<Response['usage']>): ModelUsage {
  const details = usage.input_tokens_details as { cached_tokens?: number; cache_write_tokens?: number } | undefined;
  return {
    inputTokens: usage.input_tokens ?? 0,
    cachedInputTokens: details?.cached_tokens ?? 0,
    cacheCreationTokens: details?.cache_write_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    reasoningTokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

interface OpenCall {
  id: string;
  streamedArguments: boolean;
}

/** Turns Responses stream events into stream parts; a function call is tracked by its output index. */
export class ResponsesStreamAssembler implements StreamAssembler<ResponseStreamEvent> {
  requestId: string | undefined;
  readonly #endpoint: EndpointDescription;
  readonly #calls = new Map<number, OpenCall>();
  #sawToolCall = false;
  #sawRefusal = false;
  #finished = false;

  constructor(endpoint: EndpointDescription) {
    this.#endpoint = endpoint;
  }

  accept(event: ResponseStreamEvent, parts: ModelStreamPart[]): void {
    switch (event.type) {
      case 'response.output_text.delta':
        parts.push({ type: 'text-delta', text: event.delta });
        break;
      case 'response.refusal.delta':
        this.#sawRefusal = true;
        parts.push({ type: 'text-delta', text: event.delta });
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        parts.push({ type: 'reasoning-delta', text: event.delta });
        break;
      case 'response.reasoning_summary_part.added':
        if (event.summary_index > 0) parts.push({ type: 'reasoning-delta', text: '\n\n' });
        break;
      case 'response.output_item.added':
        if (event.item.type === 'function_call') this.#startCall(event.output_index, event.item.call_id, event.item.name, parts);
        break;
      case 'response.function_call_arguments.delta':
        this.#argumentsDelta(event.output_index, event.delta, parts);
        break;
      case 'response.output_item.done':
        this.#itemDone(event.output_index, event.item, parts);
        break;
      case 'response.completed':
      case 'response.incomplete':
        this.#complete(event.response, parts);
        break;
      case 'response.failed':
        throw this.#failure(event.response.error?.code ?? null, event.response.error?.message ?? 'the response failed');
      case 'error':
        throw this.#failure(event.code, event.message);
      default:
        break;
    }
  }

  #startCall(outputIndex: number, id: string, name: string, parts: ModelStreamPart[]): void {
    this.#calls.set(outputIndex, { id, streamedArguments: false });
    this.#sawToolCall = true;
    parts.push({ type: 'tool-call-start', id, name });
  }

  #argumentsDelta(outputIndex: number, delta: string, parts: ModelStreamPart[]): void {
    const call = this.#calls.get(outputIndex);
    if (!call || !delta) return;
    call.streamedArguments = true;
    parts.push({ type: 'tool-call-delta', id: call.id, argumentsDelta: delta });
  }

  #itemDone(outputIndex: number, item: ResponseOutputItem, parts: ModelStreamPart[]): void {
    if (item.type === 'function_call') {
      if (!this.#calls.has(outputIndex)) this.#startCall(outputIndex, item.call_id, item.name, parts);
      const call = this.#calls.get(outputIndex) as OpenCall;
      // Servers that skip argument deltas still send the full arguments here.
      if (!call.streamedArguments && item.arguments) parts.push({ type: 'tool-call-delta', id: call.id, argumentsDelta: item.arguments });
      parts.push({ type: 'tool-call-end', id: call.id });
      this.#calls.delete(outputIndex);
    } else if (item.type === 'reasoning') {
      const summary = item.summary.map((entry) => entry.text).join('\n\n');
      const text = summary || (item.content ?? []).map((entry) => entry.text).join('\n\n');
      parts.push({
        type: 'reasoning',
        text,
        signature: item.id,
        ...(item.encrypted_content ? { redacted: item.encrypted_content } : {}),
        provider: RESPONSES_REASONING_PROVIDER,
      });
    }
  }

  #complete(response: Response, parts: ModelStreamPart[]): void {
    this.#finished = true;
    if (response.usage) parts.push({ type: 'usage', usage: toUsage(response.usage) });
    let reason: FinishReason = this.#sawToolCall ? 'tool_calls' : this.#sawRefusal ? 'refusal' : 'stop';
    if (response.status === 'incomplete') {
      reason = response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
    }
    parts.push({ type: 'finish', reason });
  }

  #failure(code: string | null, message: string): ProviderError {
    const text = `${this.#endpoint.label} stream error${code ? ` (${code})` : ''}: ${message}`;
    const options = { requestId: this.requestId, ...(code ? { errorType: code } : {}) };
    if (code === 'context_length_exceeded') return new ContextOverflowError(text, options);
    return new ProviderError(text, { ...options, isRetryable: code !== null && RETRYABLE_CODES.has(code) });
  }

  /** The finish and usage parts came with `response.completed`; this only checks the stream got there. */
  end(): ModelStreamPart[] {
    if (!this.#finished) throw streamDroppedError(this.#endpoint, this.requestId);
    return [];
  }
}
