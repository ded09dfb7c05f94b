import type { ModelRequest, ToolSpec } from '@ml-intern/core';
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall, ChatCompletionTool } from 'openai/resources/chat/completions';

/** A history message, as core's `ModelRequest` carries it. */
export type HistoryMessage = ModelRequest['messages'][number];

/** Harness notices reach the model as user text, marked so it never mistakes them for the user. */
export function noticeText(content: string): string {
  return `<system-notice>${content}</system-notice>`;
}

/**
 * Map the provider-neutral history to Chat Completions messages. Reasoning parts are dropped:
 * Chat Completions has no way to send them back.
 */
export function toChatMessages(system: string, messages: readonly HistoryMessage[]): ChatCompletionMessageParam[] {
  const result: ChatCompletionMessageParam[] = [];
  if (system) result.push({ role: 'system', content: system });
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        result.push({ role: 'system', content: message.content });
        break;
      case 'user':
        result.push({ role: 'user', content: message.content });
        break;
      case 'notice':
        result.push({ role: 'user', content: noticeText(message.content) });
        break;
      case 'tool':
        result.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        break;
      case 'assistant': {
        let text = '';
        const toolCalls: ChatCompletionMessageToolCall[] = [];
        for (const part of message.content) {
          if (part.type === 'text') text += part.text;
          else if (part.type === 'tool_call') toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
        }
        // A turn that only reasoned has nothing Chat Completions can carry.
        if (!text && toolCalls.length === 0) break;
        result.push(toolCalls.length ? { role: 'assistant', content: text || null, tool_calls: toolCalls } : { role: 'assistant', content: text });
        break;
      }
    }
  }
  return result;
}

/** Tool specs in the Chat Completions function format. */
export function toChatTools(tools: readonly ToolSpec[]): ChatCompletionTool[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}
