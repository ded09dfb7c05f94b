import type { ImagePart, ToolSpec } from '@ml-intern/core';
import type { FunctionTool, ResponseFunctionCallOutputItemList, ResponseInputItem, ResponseInputMessageContentList } from 'openai/resources/responses/responses';
import { imageDataUrl, noticeText, type HistoryMessage, type ImageRefusal } from './chat-messages.js';

/** Images as `input_image` parts with data URLs, or the refusal note in their place. */
function inputImages(images: readonly ImagePart[], refusal: ImageRefusal | undefined): ResponseInputMessageContentList {
  return images.map((image) => {
    const note = refusal?.(image);
    return note === undefined ? { type: 'input_image' as const, image_url: imageDataUrl(image), detail: 'auto' as const } : { type: 'input_text' as const, text: note };
  });
}

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
export function toResponsesInput(messages: readonly HistoryMessage[], imageRefusal?: ImageRefusal): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        items.push({ role: 'developer', content: message.content });
        break;
      case 'user':
        if (message.images?.length) {
          const text: ResponseInputMessageContentList = message.content ? [{ type: 'input_text', text: message.content }] : [];
          items.push({ role: 'user', content: [...text, ...inputImages(message.images, imageRefusal)] });
        } else {
          items.push({ role: 'user', content: message.content });
        }
        break;
      case 'notice':
        items.push({ role: 'user', content: noticeText(message.content) });
        break;
      case 'tool':
        if (message.images?.length) {
          // A function call's output may be a list of text and image parts.
          const text: ResponseFunctionCallOutputItemList = message.content ? [{ type: 'input_text', text: message.content }] : [];
          items.push({ type: 'function_call_output', call_id: message.toolCallId, output: [...text, ...(inputImages(message.images, imageRefusal) as ResponseFunctionCallOutputItemList)] });
        } else {
          items.push({ type: 'function_call_output', call_id: message.toolCallId, output: message.content });
        }
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
