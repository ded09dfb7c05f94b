import type { ModelStreamPart } from '@ml-intern/core';

/**
 * Merge neighbouring deltas of the same kind (text, reasoning, arguments of one tool call) in place.
 * Only parts that arrived in the same network read are merged, so a slow stream keeps its pace
 * while a fast one costs one part per read instead of one per token.
 */
export function mergeDeltas(parts: ModelStreamPart[]): void {
  let kept = 0;
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index] as ModelStreamPart;
    const previous = kept > 0 ? parts[kept - 1] : undefined;
    if (previous && previous.type === part.type) {
      if (part.type === 'text-delta' || part.type === 'reasoning-delta') {
        parts[kept - 1] = { type: part.type, text: (previous as typeof part).text + part.text };
        continue;
      }
      if (part.type === 'tool-call-delta' && (previous as typeof part).id === part.id) {
        parts[kept - 1] = { type: part.type, id: part.id, argumentsDelta: (previous as typeof part).argumentsDelta + part.argumentsDelta };
        continue;
      }
    }
    parts[kept] = part;
    kept += 1;
  }
  parts.length = kept;
}
