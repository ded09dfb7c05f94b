import type { ImagePart, ModelRequest, ToolSpec } from '@ml-intern/core';
import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';

/** A history message, as core's `ModelRequest` carries it. */
export type HistoryMessage = ModelRequest['messages'][number];

/** Harness notices reach the model as user text, marked so it never mistakes them for the user. */
export function noticeText(content: string): string {
  return `<system-notice>${content}</system-notice>`;
}

/** Why an image cannot be sent; the note goes in its place. */
export type ImageRefusal = (image: ImagePart) => string | undefined;

/** An image as a base64 data URL (what OpenAI accepts inline: `data:image/png;base64,…`). */
export function imageDataUrl(image: ImagePart): string {
  return `data:${image.mediaType};base64,${image.data}`;
}

function imageParts(images: readonly ImagePart[], refusal: ImageRefusal | undefined): ChatCompletionContentPart[] {
  return images.map((image): ChatCompletionContentPart => {
    const note = refusal?.(image);
    return note === undefined ? { type: 'image_url', image_url: { url: imageDataUrl(image) } } : { type: 'text', text: note };
  });
}

/**
 * Map the provider-neutral history to Chat Completions messages. Reasoning parts are dropped:
 * Chat Completions has no way to send them back. A tool message can only hold text, so the images
 * of tool results go in one user message after the run of tool messages (the API wants every
 * tool call answered before anything else), each introduced by the call it came from.
 */
export function toChatMessages(system: string, messages: readonly HistoryMessage[], imageRefusal?: ImageRefusal): ChatCompletionMessageParam[] {
  const result: ChatCompletionMessageParam[] = [];
  if (system) result.push({ role: 'system', content: system });
  let toolImages: ChatCompletionContentPart[] = [];
  const flushToolImages = () => {
    if (toolImages.length === 0) return;
    result.push({ role: 'user', content: toolImages });
    toolImages = [];
  };
  for (const message of messages) {
    if (message.role !== 'tool') flushToolImages();
    switch (message.role) {
      case 'system':
        result.push({ role: 'system', content: message.content });
        break;
      case 'user':
        if (message.images?.length) {
          const text: ChatCompletionContentPart[] = message.content ? [{ type: 'text', text: message.content }] : [];
          result.push({ role: 'user', content: [...text, ...imageParts(message.images, imageRefusal)] });
        } else {
          result.push({ role: 'user', content: message.content });
        }
        break;
      case 'notice':
        result.push({ role: 'user', content: noticeText(message.content) });
        break;
      case 'tool':
        result.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        if (message.images?.length) {
          const count = message.images.length === 1 ? 'image' : `${message.images.length} images`;
          toolImages.push({ type: 'text', text: noticeText(`The ${count} returned by the ${message.toolName} call ${message.toolCallId}:`) }, ...imageParts(message.images, imageRefusal));
        }
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
  flushToolImages();
  return result;
}

/** Tool specs in the Chat Completions function format. */
export function toChatTools(tools: readonly ToolSpec[]): ChatCompletionTool[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}
