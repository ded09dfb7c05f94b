import type { RawContentBlockDeltaEvent, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

const DELTA_PREFIX = '{"type":"content_block_delta","index":';
const DELTA_SUFFIX = '"}}';
/** The single-string deltas that make up nearly every frame of a long answer. */
const STRING_DELTAS = (
  [
    ['text_delta', 'text'],
    ['input_json_delta', 'partial_json'],
    ['thinking_delta', 'thinking'],
  ] as const
).map(([type, field]) => ({ type, field, middle: `,"delta":{"type":"${type}","${field}":"` }));

function readIndex(data: string, position: number): { index: number; next: number } | undefined {
  let index = 0;
  let next = position;
  for (; next < data.length; next += 1) {
    const code = data.charCodeAt(next);
    if (code < 48 || code > 57) break;
    index = index * 10 + (code - 48);
  }
  return next === position ? undefined : { index, next };
}

/** The value of a JSON string literal's body, or undefined when it is not exactly one string. */
function readString(body: string): string | undefined {
  if (body.indexOf('\\') === -1 && body.indexOf('"') === -1) return body;
  try {
    const value: unknown = JSON.parse(`"${body}"`);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseStringDelta(data: string): RawContentBlockDeltaEvent | undefined {
  const position = readIndex(data, DELTA_PREFIX.length);
  if (!position) return undefined;
  for (const { type, field, middle } of STRING_DELTAS) {
    if (!data.startsWith(middle, position.next)) continue;
    const value = readString(data.slice(position.next + middle.length, data.length - DELTA_SUFFIX.length));
    if (value === undefined) return undefined;
    const delta = (field === 'text' ? { type, text: value } : field === 'partial_json' ? { type, partial_json: value } : { type, thinking: value }) as RawContentBlockDeltaEvent['delta'];
    return { type: 'content_block_delta', index: position.index, delta };
  }
  return undefined;
}

/**
 * Parse one event's `data`. Text, tool-input and thinking deltas in the API's exact layout are
 * read without a full JSON parse (they are nearly every frame of a long answer); anything else,
 * or any deviation from that layout, goes through `JSON.parse`.
 */
export function parseStreamEvent(data: string): RawMessageStreamEvent {
  if (data.startsWith(DELTA_PREFIX) && data.endsWith(DELTA_SUFFIX)) {
    const fast = parseStringDelta(data);
    if (fast) return fast;
  }
  return JSON.parse(data) as RawMessageStreamEvent;
}
