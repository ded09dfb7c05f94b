import { createHash } from 'node:crypto';
import { checkImageData } from './validate-image.js';

/** Signature the fake gives a thinking block; replaying the block with other text fails like the real API. */
export function signThinking(thinking: string): string {
  return `sig_${createHash('sha256').update(`fake-anthropic:${thinking}`).digest('base64url')}`;
}

type Block = Record<string, unknown> & { type?: string };
interface WireMessage {
  role?: unknown;
  content?: unknown;
}

const ID_PATTERN = /^[a-zA-Z0-9_-]+$/;
const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,128}$/;
const MAX_BREAKPOINTS = 4;

function blocksOf(message: WireMessage): Block[] {
  if (typeof message.content === 'string') return [{ type: 'text', text: message.content }];
  return Array.isArray(message.content) ? (message.content as Block[]) : [];
}

function countBreakpoints(body: Record<string, unknown>): number {
  const all: unknown[] = [...((body.tools as unknown[]) ?? []), ...(Array.isArray(body.system) ? body.system : [])];
  for (const message of (body.messages as WireMessage[]) ?? []) all.push(...blocksOf(message));
  return all.filter((block) => typeof block === 'object' && block !== null && (block as Block).cache_control != null).length;
}

function checkBlock(block: Block, where: string, knownSignatures: ReadonlyMap<string, string>): string | undefined {
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string' || block.text.trim() === '') return `${where}: text content blocks must contain non-whitespace text`;
      return undefined;
    case 'tool_use':
      if (typeof block.id !== 'string' || !ID_PATTERN.test(block.id)) return `${where}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      if (typeof block.input !== 'object' || block.input === null || Array.isArray(block.input)) return `${where}.input: Input should be a valid dictionary`;
      return undefined;
    case 'thinking': {
      const thinking = String(block.thinking ?? '');
      const signature = String(block.signature ?? '');
      const valid = signature === signThinking(thinking) || knownSignatures.get(signature) === thinking;
      return valid ? undefined : `${where}: Invalid \`signature\` in \`thinking\` block`;
    }
    case 'image': {
      const source = (block.source ?? {}) as Block;
      if (source.type !== 'base64') return source.type === 'url' && typeof source.url === 'string' ? undefined : `${where}.source.type: Input should be 'base64' or 'url'`;
      const problem = checkImageData(source.media_type, source.data);
      return problem ? `${where}.source: ${problem}` : undefined;
    }
    case 'tool_result': {
      // Content is a string or a list of text and image blocks.
      if (block.content === undefined || typeof block.content === 'string') return undefined;
      if (!Array.isArray(block.content)) return `${where}.content: Input should be a valid string or list`;
      for (const [index, inner] of (block.content as Block[]).entries()) {
        if (inner.type !== 'text' && inner.type !== 'image') return `${where}.content.${index}.type: Input should be 'text' or 'image'`;
        const problem = checkBlock(inner, `${where}.content.${index}`, knownSignatures);
        if (problem) return problem;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function checkToolPairing(messages: WireMessage[], index: number): string | undefined {
  const message = messages[index] as WireMessage;
  const next = messages[index + 1];
  const uses = blocksOf(message).filter((block) => block.type === 'tool_use').map((block) => String(block.id));
  if (message.role === 'assistant') {
    if (uses.length === 0 || next === undefined) return undefined;
    const results = new Set(blocksOf(next).filter((block) => block.type === 'tool_result').map((block) => String(block.tool_use_id)));
    const missing = uses.filter((id) => !results.has(id));
    if (missing.length > 0) {
      return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    return undefined;
  }
  const blocks = blocksOf(message);
  const firstOther = blocks.findIndex((block) => block.type !== 'tool_result');
  const lastResult = blocks.map((block) => block.type).lastIndexOf('tool_result');
  if (firstOther !== -1 && lastResult > firstOther) {
    return `messages.${index}: \`tool_result\` blocks must come before any other content in a user message`;
  }
  const previous = index > 0 ? messages[index - 1] : undefined;
  const offered = new Set(previous ? blocksOf(previous).filter((block) => block.type === 'tool_use').map((block) => String(block.id)) : []);
  const unexpected = blocks.filter((block) => block.type === 'tool_result' && !offered.has(String(block.tool_use_id)));
  if (unexpected.length > 0) {
    return `messages.${index}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.map((block) => String(block.tool_use_id)).join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
  }
  return undefined;
}

function checkTop(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required (at least one message)';
  if (countBreakpoints(body) > MAX_BREAKPOINTS) return `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${countBreakpoints(body)}.`;
  for (const [index, tool] of ((body.tools as Block[]) ?? []).entries()) {
    if (typeof tool.name !== 'string' || !TOOL_NAME_PATTERN.test(tool.name)) return `tools.${index}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    const schema = tool.input_schema as Block | undefined;
    if (!schema || schema.type !== 'object') return `tools.${index}.input_schema.type: Input should be 'object'`;
  }
  return undefined;
}

function checkMaxTokens(body: Record<string, unknown>, countOnly: boolean): string | undefined {
  if (!countOnly && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    return 'max_tokens: Field required (a positive integer)';
  }
  const thinking = body.thinking as Block | undefined;
  if (thinking?.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (typeof budget !== 'number' || budget < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (!countOnly && budget >= (body.max_tokens as number)) return '`max_tokens` must be greater than `thinking.budget_tokens`';
  }
  return undefined;
}

/**
 * Check a `/v1/messages` (or `count_tokens`) body the way the API does for the mistakes a
 * provider adapter can make. Returns the API's error message, or undefined when the body is valid.
 */
export function validateAnthropicRequest(
  body: Record<string, unknown>,
  options: { countOnly?: boolean; knownSignatures?: ReadonlyMap<string, string> } = {},
): string | undefined {
  const top = checkTop(body) ?? checkMaxTokens(body, options.countOnly ?? false);
  if (top) return top;
  const messages = body.messages as WireMessage[];
  const knownSignatures = options.knownSignatures ?? new Map<string, string>();
  if (messages[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'user' && message.role !== 'assistant') return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    const previous = messages[index - 1];
    if (previous && previous.role === message.role) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${String(message.role)}" roles in a row`;
    }
    const blocks = blocksOf(message);
    if (blocks.length === 0) return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    for (const [blockIndex, block] of blocks.entries()) {
      const problem = checkBlock(block, `messages.${index}.content.${blockIndex}`, knownSignatures);
      if (problem) return problem;
    }
    const pairing = checkToolPairing(messages, index);
    if (pairing) return pairing;
  }
  return checkThinkingReplay(body, messages);
}

/** With manual thinking on, the assistant turn of an ongoing tool loop must be replayed with its thinking first. */
function checkThinkingReplay(body: Record<string, unknown>, messages: WireMessage[]): string | undefined {
  if ((body.thinking as Block | undefined)?.type !== 'enabled') return undefined;
  const lastAssistant = messages.findLastIndex((message) => message.role === 'assistant');
  if (lastAssistant === -1) return undefined;
  const blocks = blocksOf(messages[lastAssistant] as WireMessage);
  if (!blocks.some((block) => block.type === 'tool_use')) return undefined;
  const first = blocks[0]?.type;
  if (first === 'thinking' || first === 'redacted_thinking') return undefined;
  return `messages.${lastAssistant}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
}
