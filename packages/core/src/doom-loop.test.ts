import { describe, expect, it } from 'vitest';
import { LoopGuard, canonicalJson, stableResult } from './doom-loop.js';

describe('LoopGuard', () => {
  it('flags the same call and result three times in a row', () => {
    const guard = new LoopGuard();
    guard.record('bash', { command: 'ls' }, 'a\n[exit code 0 · 12 ms]');
    guard.record('bash', { command: 'ls' }, 'a\n[exit code 0 · 9 ms]');
    expect(guard.check()).toBeUndefined();
    guard.record('bash', { command: 'ls' }, 'a\n[exit code 0 · 1.2 s]');
    expect(guard.check()).toMatchObject({ pattern: 'repeat', tools: ['bash'], repetitions: 3 });
  });

  it('does not flag polling whose output moves on', () => {
    const guard = new LoopGuard();
    for (let step = 0; step < 10; step += 1) guard.record('hf_jobs', { operation: 'logs', job_id: 'j' }, `step ${step} loss 0.${9 - step}`);
    expect(guard.check()).toBeUndefined();
  });

  it('flags cycles of 2 to 5 calls repeated twice, and forgets after reset', () => {
    const guard = new LoopGuard();
    for (const name of ['a', 'b', 'c', 'a', 'b', 'c']) guard.record(name, {}, 'same');
    expect(guard.check()).toMatchObject({ pattern: 'cycle', tools: ['a', 'b', 'c'] });
    guard.reset();
    expect(guard.check()).toBeUndefined();
  });

  it('ignores exempt tools and key order', () => {
    const guard = new LoopGuard({ exemptTools: ['poll'] });
    for (let index = 0; index < 5; index += 1) guard.record('poll', {}, 'x');
    expect(guard.check()).toBeUndefined();
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
    expect(stableResult('saved to /tmp/x/spill/call_1.txt in 3.5 s')).toBe('saved to <spill> in <duration>');
  });
});
