import type { MessageDeltaUsage, RawMessageStreamEvent, StopReason, Usage } from '@anthropic-ai/sdk/resources/messages';
import type { FinishReason, ModelStreamPart, ModelUsage } from '@ml-intern/core';

/** Provider name stamped on reasoning parts, so only this provider replays them. */
export const ANTHROPIC_PROVIDER = 'anthropic';

/** Map the API's stop reason to core's finish reason. */
export function toFinishReason(reason: StopReason | null): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'refusal';
    default:
      return 'other';
  }
}

interface UsageCounters {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  thinking: number;
}

/** `message_delta` usage is cumulative and its fields are nullable: a null keeps the earlier value. */
function mergeUsage(counters: UsageCounters, usage: Usage | MessageDeltaUsage): void {
  if (usage.input_tokens != null) counters.input = usage.input_tokens;
  if (usage.cache_read_input_tokens != null) counters.cacheRead = usage.cache_read_input_tokens;
  if (usage.cache_creation_input_tokens != null) counters.cacheCreation = usage.cache_creation_input_tokens;
  if (usage.output_tokens != null) counters.output = usage.output_tokens;
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (thinking != null) counters.thinking = thinking;
}

/** Core counts every input token in `inputTokens`: uncached + cache read + cache creation. */
function toModelUsage(counters: UsageCounters): ModelUsage {
  return {
    inputTokens: counters.input + counters.cacheRead + counters.cacheCreation,
    cachedInputTokens: counters.cacheRead,
    cacheCreationTokens: counters.cacheCreation,
    outputTokens: counters.output,
    reasoningTokens: counters.thinking,
  };
}

type BlockState =
  | { kind: 'text' }
  | { kind: 'thinking'; text: string; signature: string }
  | { kind: 'redacted'; data: string }
  | { kind: 'tool'; id: string; initialInput: unknown; sentArguments: boolean }
  | { kind: 'other' };

function startBlock(event: Extract<RawMessageStreamEvent, { type: 'content_block_start' }>): BlockState {
  const block = event.content_block;
  switch (block.type) {
    case 'text':
      return { kind: 'text' };
    case 'thinking':
      return { kind: 'thinking', text: block.thinking ?? '', signature: block.signature ?? '' };
    case 'redacted_thinking':
      return { kind: 'redacted', data: block.data };
    case 'tool_use':
      return { kind: 'tool', id: block.id, initialInput: block.input, sentArguments: false };
    default:
      return { kind: 'other' };
  }
}

/** A tool call whose input arrived whole in `content_block_start` (or empty) still needs its arguments text. */
function initialArguments(input: unknown): string {
  if (input === undefined || input === null) return '{}';
  return JSON.stringify(input);
}

function stopBlock(state: BlockState | undefined): ModelStreamPart[] {
  if (!state) return [];
  switch (state.kind) {
    case 'thinking':
      return [{ type: 'reasoning', text: state.text, signature: state.signature, provider: ANTHROPIC_PROVIDER }];
    case 'redacted':
      return [{ type: 'reasoning', text: '', redacted: state.data, provider: ANTHROPIC_PROVIDER }];
    case 'tool': {
      const parts: ModelStreamPart[] = [];
      if (!state.sentArguments) parts.push({ type: 'tool-call-delta', id: state.id, argumentsDelta: initialArguments(state.initialInput) });
      parts.push({ type: 'tool-call-end', id: state.id });
      return parts;
    }
    default:
      return [];
  }
}

type DeltaPart = Extract<ModelStreamPart, { type: 'text-delta' | 'reasoning-delta' | 'tool-call-delta' }>;

/**
 * Append a delta, merged into the previous part when it continues it. Deltas are only ever
 * merged within one network read, so nothing reaches the consumer later than it would have.
 */
function pushDelta(out: ModelStreamPart[], part: DeltaPart): void {
  const last = out[out.length - 1];
  if (last?.type === 'text-delta' && part.type === 'text-delta') last.text += part.text;
  else if (last?.type === 'reasoning-delta' && part.type === 'reasoning-delta') last.text += part.text;
  else if (last?.type === 'tool-call-delta' && part.type === 'tool-call-delta' && last.id === part.id) last.argumentsDelta += part.argumentsDelta;
  else out.push(part);
}

/**
 * Turns raw Messages API events into core stream parts, synchronously: text and thinking deltas,
 * one complete `reasoning` part per thinking block (signature or redacted payload kept for
 * replay), tool-call start/delta/end, then `usage` and `finish` on `message_stop`.
 */
export class AnthropicStreamMapper {
  readonly #blocks: (BlockState | undefined)[] = [];
  readonly #counters: UsageCounters = { input: 0, cacheRead: 0, cacheCreation: 0, output: 0, thinking: 0 };
  #stopReason: StopReason | null = null;
  #finished = false;

  /** True once `message_stop` arrived: the answer is complete. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Map one event, appending its parts to `out`. */
  map(event: RawMessageStreamEvent, out: ModelStreamPart[]): void {
    switch (event.type) {
      case 'content_block_delta':
        this.#delta(event, out);
        break;
      case 'content_block_start': {
        const state = startBlock(event);
        this.#blocks[event.index] = state;
        if (state.kind === 'tool' && event.content_block.type === 'tool_use') out.push({ type: 'tool-call-start', id: state.id, name: event.content_block.name });
        break;
      }
      case 'content_block_stop':
        out.push(...stopBlock(this.#blocks[event.index]));
        this.#blocks[event.index] = undefined;
        break;
      case 'message_start':
        mergeUsage(this.#counters, event.message.usage);
        break;
      case 'message_delta':
        this.#stopReason = event.delta.stop_reason ?? this.#stopReason;
        mergeUsage(this.#counters, event.usage);
        break;
      case 'message_stop':
        this.#finished = true;
        out.push({ type: 'usage', usage: toModelUsage(this.#counters) }, { type: 'finish', reason: toFinishReason(this.#stopReason) });
        break;
    }
  }

  #delta(event: Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>, out: ModelStreamPart[]): void {
    const state = this.#blocks[event.index];
    const delta = event.delta;
    switch (delta.type) {
      case 'text_delta':
        if (delta.text) pushDelta(out, { type: 'text-delta', text: delta.text });
        break;
      case 'input_json_delta':
        if (state?.kind === 'tool' && delta.partial_json) {
          state.sentArguments = true;
          pushDelta(out, { type: 'tool-call-delta', id: state.id, argumentsDelta: delta.partial_json });
        }
        break;
      case 'thinking_delta':
        if (state?.kind === 'thinking') state.text += delta.thinking;
        if (delta.thinking) pushDelta(out, { type: 'reasoning-delta', text: delta.thinking });
        break;
      case 'signature_delta':
        if (state?.kind === 'thinking') state.signature += delta.signature;
        break;
      default:
        break;
    }
  }
}
