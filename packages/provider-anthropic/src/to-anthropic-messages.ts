import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import type { AssistantPart, ImagePart, Message, ReasoningPart, ToolResultMessage } from '@ml-intern/core';

/** What a conversation becomes on the wire. */
export interface AnthropicConversation {
  /** System messages found inside the history (the request's own `system` is added by the caller). */
  extraSystem: string[];
  messages: MessageParam[];
}

export interface ToAnthropicMessagesOptions {
  /** Put a `cache_control` breakpoint on the last block of the last user message (default true). */
  cacheLastUserBlock?: boolean;
  /** Why an image cannot be sent; the note goes in its place. Omitted: every image is sent. */
  imageRefusal?: (image: ImagePart) => string | undefined;
}

/** An image as a base64 `image` block, or the refusal note in its place. */
function imageBlock(image: ImagePart, options: ToAnthropicMessagesOptions): ImageBlockParam | TextBlockParam {
  const refusal = options.imageRefusal?.(image);
  if (refusal !== undefined) return { type: 'text', text: refusal };
  return { type: 'image', source: { type: 'base64', media_type: image.mediaType, data: image.data } };
}

const ID_CHARACTERS = /[^a-zA-Z0-9_-]/g;

/** The API accepts tool-use ids matching `^[a-zA-Z0-9_-]+$`; ids from other providers may not. */
export function toAnthropicToolId(id: string): string {
  const cleaned = id.replace(ID_CHARACTERS, '_');
  return cleaned === '' ? 'toolu_empty' : cleaned;
}

/** Anthropic thinking can only be replayed with its signature (or as the redacted payload). */
function isReplayable(part: ReasoningPart): boolean {
  if (part.provider !== undefined && part.provider !== 'anthropic') return false;
  return Boolean(part.signature) || Boolean(part.redacted);
}

function hasText(text: string): boolean {
  return text.trim() !== '';
}

/** Parse raw tool-call arguments; the API only accepts a JSON object as `input`. */
function parseToolInput(raw: string): { input: Record<string, unknown>; valid: boolean } {
  if (raw.trim() === '') return { input: {}, valid: true };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { input: parsed as Record<string, unknown>, valid: true };
  } catch {
    // Fall through: the model produced arguments the API would refuse.
  }
  return { input: {}, valid: false };
}

const EXCERPT_CHARACTERS = 200;

/** Shown to the model with the result of a call whose arguments could not be sent as produced. */
function malformedNote(raw: string): string {
  const excerpt = raw.length > EXCERPT_CHARACTERS ? `${raw.slice(0, EXCERPT_CHARACTERS)}…` : raw;
  return `[The arguments of this call were not a valid JSON object (${raw.length} characters, beginning: ${JSON.stringify(excerpt)}), so it was recorded with {} as input.]`;
}

function assistantBlocks(content: readonly AssistantPart[], malformed: Map<string, string>): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  for (const part of content) {
    if (part.type === 'reasoning') {
      if (!isReplayable(part)) continue;
      if (part.redacted) blocks.push({ type: 'redacted_thinking', data: part.redacted });
      else blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature ?? '' });
    } else if (part.type === 'text') {
      if (hasText(part.text)) blocks.push({ type: 'text', text: part.text });
    } else {
      const id = toAnthropicToolId(part.id);
      const { input, valid } = parseToolInput(part.arguments);
      if (!valid) malformed.set(id, part.arguments);
      blocks.push({ type: 'tool_use', id, name: part.name, input });
    }
  }
  return blocks;
}

function toolResultBlock(message: ToolResultMessage, malformed: Map<string, string>, options: ToAnthropicMessagesOptions): ToolResultBlockParam {
  const id = toAnthropicToolId(message.toolCallId);
  const raw = malformed.get(id);
  const text = raw === undefined ? message.content : `${malformedNote(raw)}\n${message.content}`;
  const images = message.images ?? [];
  // With images the content is a list of blocks (text first); without, the plain string as before.
  const content: ToolResultBlockParam['content'] =
    images.length === 0 ? text : [...(hasText(text) ? [{ type: 'text' as const, text }] : []), ...images.map((image) => imageBlock(image, options))];
  return {
    type: 'tool_result',
    tool_use_id: id,
    ...(images.length > 0 || hasText(text) ? { content } : {}),
    ...(message.isError ? { is_error: true } : {}),
  };
}

interface Turn {
  role: 'user' | 'assistant';
  blocks: ContentBlockParam[];
}

/** Consecutive same-role turns become one message; tool results go first in a user message, as the API requires. */
function mergeTurns(turns: readonly Turn[]): Turn[] {
  const merged: Turn[] = [];
  for (const turn of turns) {
    if (turn.blocks.length === 0) continue;
    const last = merged.at(-1);
    if (last && last.role === turn.role) last.blocks.push(...turn.blocks);
    else merged.push({ role: turn.role, blocks: [...turn.blocks] });
  }
  for (const turn of merged) {
    if (turn.role !== 'user') continue;
    const results = turn.blocks.filter((block) => block.type === 'tool_result');
    if (results.length > 0 && results.length < turn.blocks.length) {
      turn.blocks = [...results, ...turn.blocks.filter((block) => block.type !== 'tool_result')];
    }
  }
  return merged;
}

function addCacheBreakpoint(messages: MessageParam[]): void {
  const lastUser = messages.findLast((message) => message.role === 'user');
  const content = lastUser?.content;
  if (!Array.isArray(content) || content.length === 0) return;
  const last = content[content.length - 1] as ContentBlockParam & { cache_control?: unknown };
  last.cache_control = { type: 'ephemeral' };
}

/**
 * Translate core messages to Messages API turns: tool results become user `tool_result` blocks,
 * harness notices become `<system-notice>` user text, Anthropic thinking is replayed with its
 * signature (other providers' reasoning is dropped: it cannot be verified), and consecutive
 * same-role turns are merged.
 */
export function toAnthropicMessages(history: readonly Message[], options: ToAnthropicMessagesOptions = {}): AnthropicConversation {
  const extraSystem: string[] = [];
  const malformed = new Map<string, string>();
  const turns: Turn[] = [];
  for (const message of history) {
    switch (message.role) {
      case 'system':
        if (hasText(message.content)) extraSystem.push(message.content);
        break;
      case 'user':
        turns.push({
          role: 'user',
          blocks: [...(hasText(message.content) ? [{ type: 'text' as const, text: message.content }] : []), ...(message.images ?? []).map((image) => imageBlock(image, options))],
        });
        break;
      case 'notice':
        turns.push({ role: 'user', blocks: [{ type: 'text', text: `<system-notice>\n${message.content}\n</system-notice>` }] });
        break;
      case 'tool':
        turns.push({ role: 'user', blocks: [toolResultBlock(message, malformed, options)] });
        break;
      case 'assistant':
        turns.push({ role: 'assistant', blocks: assistantBlocks(message.content, malformed) });
        break;
    }
  }
  const messages: MessageParam[] = mergeTurns(turns).map((turn) => ({ role: turn.role, content: turn.blocks }));
  if (options.cacheLastUserBlock !== false) addCacheBreakpoint(messages);
  return { extraSystem, messages };
}

/** System prompt blocks, with the cache breakpoint on the last one. */
export function toAnthropicSystem(system: string, extra: readonly string[], cache: boolean): TextBlockParam[] {
  const texts = [system, ...extra.filter((text) => text !== system)].filter(hasText);
  const blocks: TextBlockParam[] = texts.map((text) => ({ type: 'text', text }));
  const last = blocks.at(-1);
  if (last && cache) last.cache_control = { type: 'ephemeral' };
  return blocks;
}
