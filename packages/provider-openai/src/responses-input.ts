import type { ToolSpec } from '@ml-intern/core';
import type { FunctionTool, ResponseInputItem } from 'openai/resources/responses/responses';
import { noticeText, type HistoryMessage } from './chat-messages.js';

type AssistantMessage = Extract<HistoryMessage, { role: 'assistant' }>;

/**
 * Reasoning parts produced by the Responses API carry this `provider`; only they are replayed (other
 * providers' reasoning cannot be read back by OpenAI).
 */
export const RESPONSES_REASONING_PROVIDER = 'openai-responses';

function assistantItems(message: AssistantMessage): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const part of message.content) {
    if (part.type === 'text') {
      if (part.text) items.push({ role: 'assistant', content: part.text });
    } else if (part.type === 'tool_call') {
      items.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments });
    } else if (part.provider === RESPONSES_REASONING_PROVIDER && part.redacted && part.signature) {
      // Requests are sent with `store: false`, so a reasoning item can only be replayed with its
      // encrypted content; `signature` holds the item id.
      items.push({
        type: 'reasoning',
        id: part.signature,
        encrypted_content: part.redacted,
        summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
      });
    }
  }
  return items;
}

/**
 * Map the provider-neutral history to Responses input items: messages, `function_call` and
 * `function_call_output` items, and the encrypted reasoning items of earlier turns, in order (a
 * reasoning model needs its reasoning item before the function call it led to).
 */
export function toResponsesInput(messages: readonly HistoryMessage[]): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        items.push({ role: 'developer', content: message.content });
        break;
      case 'user':
        items.push({ role: 'user', content: message.content });
        break;
      case 'notice':
        items.push({ role: 'user', content: noticeText(message.content) });
        break;
      case 'tool':
        items.push({ type: 'function_call_output', call_id: message.toolCallId, output: message.content });
        break;
      case 'assistant':
        items.push(...assistantItems(message));
        break;
    }
  }
  return items;
}

/** Tool specs in the Responses function format. */
export function toResponsesTools(tools: readonly ToolSpec[]): FunctionTool[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.inputSchema, strict: false }));
}
