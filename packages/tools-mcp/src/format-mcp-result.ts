import type { ToolResult } from '@ml-intern/core';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';

/** Decoded size of base64 data, without decoding it. */
export function base64ByteLength(data: string): number {
  const compact = data.replace(/\s+/g, '');
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((compact.length * 3) / 4) - padding);
}

function describeMime(mimeType: string | undefined): string {
  return mimeType ?? 'unknown type';
}

function describeBlock(block: ContentBlock): { text: string; isText: boolean } {
  switch (block.type) {
    case 'text':
      return { text: block.text, isText: block.text.trim() !== '' };
    case 'image':
      return { text: `[image: ${describeMime(block.mimeType)}, ${base64ByteLength(block.data)} bytes]`, isText: false };
    case 'audio':
      return { text: `[audio: ${describeMime(block.mimeType)}, ${base64ByteLength(block.data)} bytes]`, isText: false };
    case 'resource_link': {
      const title = block.title ?? block.name;
      const details = [block.mimeType, title ? `"${title}"` : undefined].filter(Boolean).join(', ');
      const description = block.description ? ` - ${block.description}` : '';
      return { text: `[resource link: ${block.uri}${details ? ` (${details})` : ''}${description}]`, isText: false };
    }
    case 'resource': {
      const resource = block.resource;
      if ('text' in resource && typeof resource.text === 'string') {
        return { text: `[resource: ${resource.uri} (${describeMime(resource.mimeType)})]\n${resource.text}`, isText: resource.text.trim() !== '' };
      }
      const size = 'blob' in resource && typeof resource.blob === 'string' ? `, ${base64ByteLength(resource.blob)} bytes` : '';
      return { text: `[resource: ${resource.uri} (${describeMime(resource.mimeType)}${size})]`, isText: false };
    }
    default:
      return { text: `[unsupported content: ${(block as { type?: unknown }).type ?? 'unknown'}]`, isText: false };
  }
}

/**
 * An MCP `tools/call` result as the text the model sees. Text blocks are joined; images and audio
 * are described (`[image: image/png, 1234 bytes]`); resource links and embedded resources show their
 * uri and mime type, with the embedded text when there is some; `structuredContent` is appended as
 * JSON when the result carries no text. `isError: true` becomes an error tool result.
 */
export function formatMcpResult(result: CallToolResult | { toolResult: unknown }): ToolResult {
  if (!('content' in result) && 'toolResult' in result) {
    return { output: typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult, null, 2) };
  }
  const callResult = result as CallToolResult;
  const parts: string[] = [];
  let hasText = false;
  for (const block of callResult.content ?? []) {
    const described = describeBlock(block);
    parts.push(described.text);
    hasText ||= described.isText;
  }
  if (!hasText && callResult.structuredContent !== undefined) {
    parts.push(JSON.stringify(callResult.structuredContent, null, 2));
  }
  const isError = callResult.isError === true;
  let output = parts.join('\n');
  if (output.trim() === '') output = isError ? 'The tool reported an error without a message.' : '(the tool returned no content)';
  return isError ? { output, isError: true } : { output };
}
