import type { EventPayload } from '@ml-intern/events';
import { describe, expect, it } from 'vitest';
import { CaptureOutput, toEvents } from './__fixtures__/capture-output.js';
import { EventRenderer } from './event-renderer.js';
import { createMarkdownRenderer } from './markdown-renderer.js';
import { ScreenWriter } from './screen-writer.js';
import { createTerminalStyle, stripAnsi } from './terminal-style.js';

function render(payloads: EventPayload[], options: { color?: boolean; markdown?: boolean; columns?: number } = {}): string {
  const output = new CaptureOutput({ isTTY: options.markdown ?? false, columns: options.columns ?? 80 });
  const writer = new ScreenWriter(output);
  const style = createTerminalStyle(options.color ?? false);
  const renderer = new EventRenderer({ writer, style, ...(options.markdown ? { markdown: createMarkdownRenderer({ style, width: options.columns ?? 80 }) } : {}) });
  for (const event of toEvents(...payloads)) renderer.handle(event);
  return output.text;
}

const usage = { input_tokens: 10, cached_input_tokens: 0, cache_creation_tokens: 0, output_tokens: 5, reasoning_tokens: 0 };
const done = (finalText: string, reason: 'done' | 'budget_exceeded' | 'max_iterations' = 'done'): EventPayload => ({
  type: 'turn_complete',
  final_text: finalText,
  reason,
  iterations: 2,
  usage,
  cost_usd: 0,
  unpriced: false,
});

/** What a terminal shows after `text`, for the one cursor movement the renderer uses (up N rows, erase below). */
function terminalScreen(text: string): string {
  const lines: string[] = [''];
  for (const part of text.split(/(\u001B\[\d+A\r\u001B\[J)/)) {
    const erase = /^\u001B\[(\d+)A/.exec(part);
    if (erase) {
      lines.splice(lines.length - 1 - Number(erase[1]), Number(erase[1]));
      continue;
    }
    const [first = '', ...rest] = part.split('\n');
    lines[lines.length - 1] += first;
    lines.push(...rest);
  }
  return lines.join('\n');
}

describe('EventRenderer', () => {
  it('shows a tool call with its summary and a collapsed view of its output', () => {
    const text = render([
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: { command: 'ls' }, summary: 'bash ls -la /data' },
      { type: 'tool_output', tool_call_id: 'c1', tool: 'bash', output: 'one\ntwo\nthree\nfour\nfive\nsix\n', is_error: false, truncated: false, duration_ms: 3 },
    ]);
    expect(text).toBe('● bash ls -la /data\n  ⎿ one\n    two\n    three\n    … 3 more lines\n');
  });

  it('paints failed tool output red and tool logs dim', () => {
    const text = render(
      [
        { type: 'tool_call', tool_call_id: 'c1', tool: 'hf_jobs', arguments: {}, summary: 'run on a10g-small' },
        { type: 'tool_log', tool_call_id: 'c1', tool: 'hf_jobs', level: 'info', message: 'job queued' },
        { type: 'tool_output', tool_call_id: 'c1', tool: 'hf_jobs', output: 'quota exceeded', is_error: true, truncated: false, duration_ms: 3 },
      ],
      { color: true },
    );
    expect(text).toContain('    \u001B[2mjob queued\u001B[22m\n');
    expect(text).toContain('\u001B[31mquota exceeded\u001B[39m');
  });

  it('keeps the progress of a running tool to a few lines when output is not a terminal', () => {
    const log = (message: string): EventPayload => ({ type: 'tool_log', tool_call_id: 'c1', tool: 'bash', level: 'info', message });
    const text = render([
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 'bash: pip install trl' },
      log('Collecting trl\nDownloading trl.whl'),
      log('Collecting torch\nDownloading torch.whl'),
      log('Installing collected packages'),
      { type: 'tool_log', tool_call_id: 'c1', tool: 'bash', level: 'warn', message: 'Not sandboxed' },
      { type: 'tool_output', tool_call_id: 'c1', tool: 'bash', output: 'Successfully installed trl', is_error: false, truncated: false, duration_ms: 9 },
    ]);
    expect(text).toBe(
      [
        '● bash pip install trl',
        '    Collecting trl',
        '    Downloading trl.whl',
        '    Collecting torch',
        '    … (more output; the result follows)',
        '    bash: Not sandboxed',
        '  ⎿ Successfully installed trl',
        '',
      ].join('\n'),
    );
  });

  it('redraws the last progress lines in place on a terminal and removes them when the tool ends', () => {
    const output = new CaptureOutput({ isTTY: true });
    const writer = new ScreenWriter(output);
    const renderer = new EventRenderer({ writer, style: createTerminalStyle(false), liveProgress: true });
    const log = (message: string): EventPayload => ({ type: 'tool_log', tool_call_id: 'c1', tool: 'bash', level: 'info', message });
    const [call, first, second, result] = toEvents(
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 'bash: train' },
      log('epoch 1\nepoch 2'),
      log('epoch 3\nepoch 4'),
      { type: 'tool_output', tool_call_id: 'c1', tool: 'bash', output: 'accuracy 0.93', is_error: false, truncated: false, duration_ms: 9 },
    );
    renderer.handle(call!);
    renderer.handle(first!);
    expect(terminalScreen(output.text)).toBe('● bash train\n    epoch 1\n    epoch 2\n');
    renderer.handle(second!);
    expect(terminalScreen(output.text)).toBe('● bash train\n    … 1 earlier line\n    epoch 2\n    epoch 3\n    epoch 4\n');
    renderer.handle(result!);
    expect(terminalScreen(output.text)).toBe('● bash train\n  ⎿ accuracy 0.93\n');
  });

  it('repeats which call an output belongs to when parallel calls were announced first', () => {
    const text = render([
      { type: 'tool_call', tool_call_id: 'a', tool: 'read', arguments: {}, summary: 'read a.txt' },
      { type: 'tool_call', tool_call_id: 'b', tool: 'read', arguments: {}, summary: 'read b.txt' },
      { type: 'tool_output', tool_call_id: 'a', tool: 'read', output: 'A', is_error: false, truncated: false, duration_ms: 1 },
      { type: 'tool_output', tool_call_id: 'b', tool: 'read', output: 'B', is_error: false, truncated: false, duration_ms: 1 },
    ]);
    expect(text).toBe('● read a.txt\n● read b.txt\n● read a.txt\n  ⎿ A\n● read b.txt\n  ⎿ B\n');
  });

  it('names the spill file of a capped output and says when there was none', () => {
    const text = render([
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 'bash true' },
      { type: 'tool_output', tool_call_id: 'c1', tool: 'bash', output: '', is_error: false, truncated: true, spill_path: '/tmp/out.txt', duration_ms: 1 },
    ]);
    expect(text).toContain('⎿ (no output)\n    full output: /tmp/out.txt\n');
  });

  it('prints the plan after the turn only when the turn changed it', () => {
    const plan: EventPayload = {
      type: 'plan_update',
      plan: [
        { id: '1', content: 'Load the dataset', status: 'completed' },
        { id: '2', content: 'Train', status: 'in_progress' },
        { id: '3', content: 'Push to the Hub', status: 'pending' },
      ],
    };
    const withPlan = render([{ type: 'processing', input: 'go' }, plan, { type: 'assistant_message', text: 'Working.' }, done('Working.')]);
    expect(withPlan).toContain('Plan (1/3 done)\n  [x] Load the dataset\n  [~] Train\n  [ ] Push to the Hub\n');
    const withoutPlan = render([{ type: 'assistant_message', text: 'Hi.' }, done('Hi.')]);
    expect(withoutPlan).not.toContain('Plan');
  });

  it('streams plain text as it arrives when output is not a terminal, and does not print it twice', () => {
    const text = render([
      { type: 'assistant_chunk', text: 'Hello ' },
      { type: 'assistant_chunk', text: '**world**' },
      { type: 'assistant_stream_end' },
      { type: 'assistant_message', text: 'Hello **world**' },
      done('Hello **world**'),
    ]);
    expect(text).toBe('Hello **world**\n');
  });

  it('renders streamed markdown block by block on a terminal', () => {
    const output = new CaptureOutput({ isTTY: true });
    const writer = new ScreenWriter(output);
    const style = createTerminalStyle(true);
    const renderer = new EventRenderer({ writer, style, markdown: createMarkdownRenderer({ style, width: 80 }) });
    const [first, second, third, end] = toEvents(
      { type: 'assistant_chunk', text: 'Some **bold** text' },
      { type: 'assistant_chunk', text: '.\n\n- item `one`\n' },
      { type: 'assistant_chunk', text: '- item two\n\nDone' },
      { type: 'assistant_stream_end' },
    );
    renderer.handle(first!);
    expect(output.text).toBe('');
    renderer.handle(second!);
    expect(output.text).toBe('Some \u001B[1mbold\u001B[22m text.');
    renderer.handle(third!);
    expect(stripAnsi(output.text)).toBe('Some bold text.\n\n  * item one\n  * item two');
    expect(output.text).toContain('\u001B[33mone\u001B[39m');
    renderer.handle(end!);
    expect(stripAnsi(output.text)).toBe('Some bold text.\n\n  * item one\n  * item two\n\nDone');
  });

  it('shows a final text the stream did not (budget stop) and a note for unusual endings', () => {
    const text = render([done('Stopped: the session budget of $1.00 is spent ($1.02).', 'budget_exceeded')]);
    expect(text).toContain('Stopped: the session budget of $1.00 is spent ($1.02).');
    const capped = render([{ type: 'assistant_message', text: 'Summary so far.' }, done('Summary so far.', 'max_iterations')]);
    expect(capped).toBe('Summary so far.\n\nStopped after 2 model calls (max_iterations).\n');
  });

  it('reports errors, interrupts, compaction and undo', () => {
    const text = render([
      { type: 'error', code: 'provider_error', message: 'overloaded', recoverable: true },
      { type: 'interrupted', cancelled_tool_calls: 2 },
      { type: 'compacted', tokens_before: 170_000, tokens_after: 30_000, messages_removed: 40, summary_tokens: 900, trigger: 'manual' },
      { type: 'undo_complete', messages_removed: 3 },
      { type: 'undo_complete', messages_removed: 0 },
    ]);
    expect(text).toContain('Error: overloaded (provider_error)');
    expect(text).toContain('Interrupted. 2 tool call(s) were not run.');
    expect(text).toContain('Context compacted (manual): 170,000 → 30,000 tokens, 40 messages summarised.');
    expect(text).toContain('Undid the last turn (3 messages removed).');
    expect(text).toContain('Nothing to undo.');
  });

  it('strips escape sequences from model and tool text', () => {
    const text = render([
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 'bash \u001B]0;pwned\u0007echo' },
      { type: 'tool_output', tool_call_id: 'c1', tool: 'bash', output: 'progress 10%\rprogress 100%\n\u001B[2Jdone', is_error: false, truncated: false, duration_ms: 1 },
      { type: 'assistant_message', text: 'ok\u001B[31m red' },
    ]);
    expect(text).not.toContain('\u001B');
    expect(text).toContain('  ⎿ progress 100%\n    done\n');
  });
});
