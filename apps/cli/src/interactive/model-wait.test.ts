import { describe, expect, it } from 'vitest';
import { CaptureOutput, toEvents } from './__fixtures__/capture-output.js';
import { ModelWaitIndicator } from './model-wait.js';
import { ScreenWriter } from './screen-writer.js';
import { createTerminalStyle } from './terminal-style.js';

/** An indicator on a captured screen with a clock the test moves. */
function setup(live: boolean) {
  const output = new CaptureOutput({ isTTY: live });
  const writer = new ScreenWriter(output);
  let now = 0;
  let ticking: (() => void) | undefined;
  const indicator = new ModelWaitIndicator(writer, createTerminalStyle(false), {
    live,
    now: () => now,
    setInterval: (callback) => {
      ticking = callback;
      return 1;
    },
    clearInterval: () => {
      ticking = undefined;
    },
  });
  const advance = (ms: number) => {
    for (let step = 0; step < ms; step += 1_000) {
      now += 1_000;
      ticking?.();
    }
  };
  return { output, writer, indicator, advance, ticking: () => ticking !== undefined };
}

describe('"waiting for the model (N s)"', () => {
  it('on a terminal: appears after 3 s of silence, counts up in place, and is taken back when the model speaks', () => {
    const { output, indicator, advance, writer } = setup(true);
    indicator.setActive(true);
    advance(2_000);
    expect(output.text).toBe('');
    advance(1_000);
    expect(output.text).toBe('waiting for the model (3 s)\n');
    advance(2_000);
    // Redrawn in place: cursor up, erase, the new count.
    expect(output.text.endsWith('\u001B[1A\r\u001B[Jwaiting for the model (5 s)\n')).toBe(true);
    const [chunk] = toEvents({ type: 'assistant_chunk', text: 'Hi' });
    indicator.handle(chunk!);
    expect(output.text.endsWith('waiting for the model (5 s)\n\u001B[1A\r\u001B[J')).toBe(true);
    writer.write('Hi');
    // Streaming text is never interrupted by the line.
    advance(10_000);
    expect(output.text.endsWith('Hi')).toBe(true);
  });

  it('says nothing while a tool runs or an approval is asked, and stops with the turn', () => {
    const { output, indicator, advance, ticking } = setup(true);
    indicator.setActive(true);
    for (const event of toEvents({ type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 'bash' })) indicator.handle(event);
    advance(10_000);
    expect(output.text).toBe('');
    for (const event of toEvents({ type: 'tool_output', tool_call_id: 'c1', tool: 'bash', output: 'ok', is_error: false, truncated: false, duration_ms: 1 })) indicator.handle(event);
    advance(4_000);
    expect(output.text.startsWith('waiting for the model (3 s)\n')).toBe(true);
    expect(output.text.endsWith('waiting for the model (4 s)\n')).toBe(true);
    indicator.setActive(false);
    expect(ticking()).toBe(false);
    expect(output.text.endsWith('\u001B[J')).toBe(true);
  });

  it('without a terminal: one line when the wait starts to show, then one every 30 s', () => {
    const { output, indicator, advance } = setup(false);
    indicator.setActive(true);
    advance(40_000);
    expect(output.text).toBe('waiting for the model (3 s)\nwaiting for the model (33 s)\n');
  });
});
