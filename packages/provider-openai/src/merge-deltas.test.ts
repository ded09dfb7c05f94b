import type { ModelStreamPart } from '@ml-intern/core';
import { describe, expect, test } from 'vitest';
import { mergeDeltas } from './merge-deltas.js';

describe('mergeDeltas', () => {
  test('merges neighbouring deltas of one kind and one tool call, keeping everything else in order', () => {
    const parts: ModelStreamPart[] = [
      { type: 'reasoning-delta', text: 'a' },
      { type: 'reasoning-delta', text: 'b' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'tool-call-start', id: 'c1', name: 'bash' },
      { type: 'tool-call-delta', id: 'c1', argumentsDelta: '{"x"' },
      { type: 'tool-call-delta', id: 'c1', argumentsDelta: ':1}' },
      { type: 'tool-call-start', id: 'c2', name: 'bash' },
      { type: 'tool-call-delta', id: 'c2', argumentsDelta: '{}' },
      { type: 'tool-call-end', id: 'c1' },
      { type: 'tool-call-end', id: 'c2' },
    ];
    mergeDeltas(parts);
    expect(parts).toEqual([
      { type: 'reasoning-delta', text: 'ab' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'tool-call-start', id: 'c1', name: 'bash' },
      { type: 'tool-call-delta', id: 'c1', argumentsDelta: '{"x":1}' },
      { type: 'tool-call-start', id: 'c2', name: 'bash' },
      { type: 'tool-call-delta', id: 'c2', argumentsDelta: '{}' },
      { type: 'tool-call-end', id: 'c1' },
      { type: 'tool-call-end', id: 'c2' },
    ]);
  });
});
