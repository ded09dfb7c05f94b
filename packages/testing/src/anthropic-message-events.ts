import type { AnthropicBlockScript, AnthropicStopReason } from './anthropic-script.js';
import { estimateTokens } from './anthropic-prompt-cache.js';
import { signThinking } from './validate-anthropic-request.js';

/** Final usage of one fake answer, in the API's field names. */
export interface AnthropicWireUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  thinking_tokens: number;
}

/** A fake answer ready to be written as JSON or as SSE frames. */
export interface AnthropicAnswer {
  id: string;
  model: string;
  content: AnthropicBlockScript[];
  stopReason: AnthropicStopReason;
  usage: AnthropicWireUsage;
  chunkSize: number;
}

/** One SSE frame: event name and JSON data. */
export interface AnthropicFrame {
  event: string;
  data: Record<string, unknown>;
}

/** Split text into deltas of about `size` characters without cutting a surrogate pair. */
export function splitIntoChunks(text: string, size: number): string[] {
  const step = Math.max(1, size);
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + step);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end += 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

function toolInputText(input: Record<string, unknown> | string): string {
  return typeof input === 'string' ? input : JSON.stringify(input);
}

function toolInputObject(input: Record<string, unknown> | string): Record<string, unknown> {
  if (typeof input !== 'string') return input;
  try {
    const parsed: unknown = JSON.parse(input);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Output tokens the fake charges for a content list. */
export function estimateOutputTokens(content: readonly AnthropicBlockScript[]): { output: number; thinking: number } {
  let output = 0;
  let thinking = 0;
  for (const block of content) {
    if (block.type === 'text') output += estimateTokens(block.text);
    else if (block.type === 'thinking') thinking += estimateTokens(block.thinking);
    else if (block.type === 'redacted_thinking') thinking += estimateTokens(block.data);
    else output += estimateTokens(toolInputText(block.input));
  }
  return { output: Math.max(1, output + thinking), thinking };
}

/** Tool-use ids are filled in before an answer is built, so JSON and SSE forms agree. */
function blockId(block: Extract<AnthropicBlockScript, { type: 'tool_use' }>): string {
  return block.id ?? 'toolu_missing_id';
}

/** The answer as a non-streaming `Message` body. */
export function anthropicMessageBody(answer: AnthropicAnswer): Record<string, unknown> {
  const content = answer.content.map((block) => {
    switch (block.type) {
      case 'text':
        return { type: 'text', text: block.text, citations: null };
      case 'thinking':
        return { type: 'thinking', thinking: block.thinking, signature: block.signature ?? signThinking(block.thinking) };
      case 'redacted_thinking':
        return { type: 'redacted_thinking', data: block.data };
      default:
        return { type: 'tool_use', id: blockId(block), name: block.name, input: toolInputObject(block.input) };
    }
  });
  return {
    id: answer.id,
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content,
    stop_reason: answer.stopReason,
    stop_sequence: null,
    usage: wireUsage(answer.usage, answer.usage.output_tokens),
  };
}

function wireUsage(usage: AnthropicWireUsage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    output_tokens: outputTokens,
    ...(usage.thinking_tokens > 0 ? { output_tokens_details: { thinking_tokens: usage.thinking_tokens } } : {}),
  };
}

function blockFrames(block: AnthropicBlockScript, index: number, chunkSize: number): AnthropicFrame[] {
  const size = ('chunkSize' in block ? block.chunkSize : undefined) ?? chunkSize;
  const delta = (payload: Record<string, unknown>): AnthropicFrame => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: payload } });
  const start = (contentBlock: Record<string, unknown>): AnthropicFrame => ({
    event: 'content_block_start',
    data: { type: 'content_block_start', index, content_block: contentBlock },
  });
  const frames: AnthropicFrame[] = [];
  switch (block.type) {
    case 'text':
      frames.push(start({ type: 'text', text: '' }));
      for (const text of splitIntoChunks(block.text, size)) frames.push(delta({ type: 'text_delta', text }));
      break;
    case 'thinking':
      frames.push(start({ type: 'thinking', thinking: '', signature: '' }));
      for (const thinking of splitIntoChunks(block.thinking, size)) frames.push(delta({ type: 'thinking_delta', thinking }));
      frames.push(delta({ type: 'signature_delta', signature: block.signature ?? signThinking(block.thinking) }));
      break;
    case 'redacted_thinking':
      frames.push(start({ type: 'redacted_thinking', data: block.data }));
      break;
    default:
      frames.push(start({ type: 'tool_use', id: blockId(block), name: block.name, input: {} }));
      for (const partial of splitIntoChunks(toolInputText(block.input), size)) frames.push(delta({ type: 'input_json_delta', partial_json: partial }));
  }
  frames.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  return frames;
}

/** The answer as the exact SSE event sequence the Messages API streams (with the initial `ping`). */
export function anthropicStreamFrames(answer: AnthropicAnswer): AnthropicFrame[] {
  const frames: AnthropicFrame[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: answer.id,
          type: 'message',
          role: 'assistant',
          model: answer.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: wireUsage(answer.usage, 1),
        },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  answer.content.forEach((block, index) => frames.push(...blockFrames(block, index, answer.chunkSize)));
  frames.push({
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: answer.stopReason, stop_sequence: null }, usage: wireUsage(answer.usage, answer.usage.output_tokens) },
  });
  frames.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return frames;
}
