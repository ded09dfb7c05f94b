import type { AgentEvent } from '@ml-intern/events';
import { interruptOnSignals, runUnattended } from '../runtime/index.js';
import type { RuntimeOptions } from '../runtime/index.js';

export interface OneShotOptions extends Omit<RuntimeOptions, 'mode'> {
  stream: boolean;
  format: 'text' | 'json' | 'stream-json';
}

/** On a terminal, answers are rendered as markdown block by block; piped output stays raw text. */
async function createAnswerWriter(): Promise<{ push(text: string): void; end(): void }> {
  if (!process.stdout.isTTY) {
    let midLine = false;
    return {
      push(text) {
        process.stdout.write(text);
        midLine = !text.endsWith('\n');
      },
      end() {
        if (midLine) process.stdout.write('\n');
        midLine = false;
      },
    };
  }
  const [{ MarkdownStream }, { createMarkdownRenderer }, { createTerminalStyle, shouldUseColor }] = await Promise.all([
    import('../interactive/markdown-stream.js'),
    import('../interactive/markdown-renderer.js'),
    import('../interactive/terminal-style.js'),
  ]);
  const style = createTerminalStyle(shouldUseColor(process.stdout, process.env));
  const markdown = new MarkdownStream(createMarkdownRenderer({ style, width: () => process.stdout.columns ?? 100 }));
  return {
    push(text) {
      process.stdout.write(markdown.push(text));
    },
    end() {
      const rest = markdown.flush();
      if (rest) process.stdout.write(rest.endsWith('\n') ? rest : `${rest}\n`);
    },
  };
}

function textRenderer(stream: boolean, answer: { push(text: string): void; end(): void }, printedErrors: Set<string>): (event: AgentEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'assistant_chunk':
        if (stream) answer.push(event.text);
        return;
      case 'assistant_stream_end':
        if (stream) answer.end();
        return;
      case 'tool_call':
        process.stderr.write(`→ ${event.summary}\n`);
        return;
      case 'tool_output':
        if (event.is_error) process.stderr.write(`  ✗ ${event.tool}: ${event.output.split('\n')[0]?.slice(0, 200)}\n`);
        return;
      case 'tool_log':
        if (event.level !== 'info') process.stderr.write(`  ${event.level}: ${event.message}\n`);
        return;
      case 'error':
        printedErrors.add(event.message);
        process.stderr.write(`error: ${event.message}\n`);
        return;
      case 'loop_detected':
        process.stderr.write(`loop detected (${event.tools.join(' → ')}): ${event.action}\n`);
        return;
      case 'session_terminated':
        process.stderr.write(`session terminated (${event.reason}): ${event.message}\n`);
        return;
      default:
        return;
    }
  };
}

/** `ml-intern "prompt"`: one task with the headless approval policy, then exit with its code. */
export async function runOneShot(prompt: string, options: OneShotOptions): Promise<number> {
  const interrupt = interruptOnSignals();
  const answer = options.format === 'text' ? await createAnswerWriter() : undefined;
  const printedErrors = new Set<string>();
  const render = options.format === 'stream-json' ? (event: AgentEvent) => process.stdout.write(`${JSON.stringify(event)}\n`) : answer ? textRenderer(options.stream, answer, printedErrors) : undefined;
  try {
    const { result, exitCode, message } = await runUnattended({ ...options, mode: 'oneshot', task: prompt, signal: interrupt.signal, ...(render ? { onEvent: render } : {}) });
    if (!result) {
      process.stderr.write(`${message ?? 'ml-intern: could not start'}\n`);
      return exitCode;
    }
    if (options.format === 'json' || options.format === 'stream-json') process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      if (!options.stream && result.final_text && answer) {
        answer.push(`${result.final_text}\n`);
        answer.end();
      }
      // The status line, unless it would repeat an error already printed as it happened.
      if (result.status !== 'done' && !(result.error && printedErrors.has(result.error.message))) process.stderr.write(`[${result.status}] ${result.error?.message ?? ''}\n`);
    }
    return exitCode;
  } finally {
    interrupt.dispose();
  }
}
