import { describe, expect, it } from 'vitest';
import { History } from './history.js';
import { EXACT_COUNT_CHARS, MAX_RUN_CHARS, createTiktokenCounter } from './token-counter.js';

/** Time one call, in ms. */
function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

describe('createTiktokenCounter on pathological input', () => {
  const counter = createTiktokenCounter();
  counter.count('warm up the tokenizer');

  it('counts 20 MB of one letter quickly and without throwing (tiktoken alone aborts with "unreachable")', () => {
    const { value, ms } = timed(() => counter.count('A'.repeat(20_000_000)));
    expect(value).toBeGreaterThan(1_000_000);
    expect(value).toBeLessThanOrEqual(20_000_000);
    // The bench target is 500 ms; the margin is for a busy test machine.
    expect(ms).toBeLessThan(3_000);
  });

  it('counts long runs in linear time (128 KB of one letter took 17 s, 256 KB 66 s)', () => {
    for (const size of [128 * 1024, 256 * 1024]) {
      const { value, ms } = timed(() => counter.count('A'.repeat(size)));
      expect(value).toBeGreaterThan(size / 16);
      expect(ms).toBeLessThan(2_000);
    }
  });

  it('bounds other single-"word" inputs too: whitespace, punctuation followed by line breaks, CJK without spaces, emoji', () => {
    let cjk = '';
    for (let index = 0; index < 200_000; index += 1) cjk += String.fromCharCode(0x4e00 + ((index * 7919) % 2000));
    const inputs = [' '.repeat(5_000_000), `-${'/\n'.repeat(1_000_000)}`, cjk, '😀'.repeat(2_000_000), '-'.repeat(EXACT_COUNT_CHARS)];
    for (const text of inputs) {
      const { value, ms } = timed(() => counter.count(text));
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThanOrEqual(Buffer.byteLength(text, 'utf8'));
      expect(ms).toBeLessThan(3_000);
    }
  });

  it('is exact for ordinary text, and close when a long text is estimated from samples', () => {
    expect(counter.count('hello world')).toBe(2);
    const line = 'Step 12: trained for one epoch, loss=0.1234, saved checkpoint to ./out/ckpt-12.\n';
    const small = line.repeat(100);
    const exact = counter.count(small);
    expect(exact).toBeGreaterThan(100);
    const big = line.repeat(Math.ceil((4 * EXACT_COUNT_CHARS) / line.length));
    const estimate = counter.count(big);
    const expected = (exact / small.length) * big.length;
    expect(Math.abs(estimate - expected) / expected).toBeLessThan(0.05);
  });

  it('cutting a run changes the count by little', () => {
    const text = `word ${'x'.repeat(10 * MAX_RUN_CHARS)} word`;
    const count = counter.count(text);
    expect(count).toBeGreaterThan(10 * MAX_RUN_CHARS / 8);
    expect(count).toBeLessThan(10 * MAX_RUN_CHARS);
  });

  it('a history holding a 20 MB tool call is counted (what resuming such a session does)', () => {
    const history = new History({ counter });
    history.append({ role: 'user', content: 'write the file' });
    history.append({ role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'write', arguments: JSON.stringify({ path: 'a.txt', content: 'A'.repeat(20_000_000) }) }] });
    history.append({ role: 'tool', toolCallId: 'c1', toolName: 'write', content: 'wrote 20000000 bytes', isError: false });
    const { value, ms } = timed(() => history.rawTokens);
    expect(value).toBeGreaterThan(1_000_000);
    expect(value).toBeLessThanOrEqual(history.upperBoundTokens);
    expect(ms).toBeLessThan(3_000);
  });
});
