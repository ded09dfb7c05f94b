import { LineReader } from './line-reader.js';
import { ScreenWriter, type TerminalOutput } from './screen-writer.js';
import { createTerminalStyle, shouldUseColor, type TerminalStyle } from './terminal-style.js';

/** A one-off question on the terminal before a session starts (trust a folder, delete left-over Spaces). */
export interface TerminalQuestion {
  writer: ScreenWriter;
  style: TerminalStyle;
  /** The answer, or undefined when the input ended or Ctrl-C was pressed. */
  ask(prompt: string): Promise<string | undefined>;
  close(): void;
}

export function openTerminalQuestion(options: { input: NodeJS.ReadableStream; output: TerminalOutput; env: Record<string, string | undefined> }): TerminalQuestion {
  const writer = new ScreenWriter(options.output);
  const style = createTerminalStyle(shouldUseColor(options.output, options.env));
  const controller = new AbortController();
  const reader = new LineReader({ input: options.input, writer, terminal: true, historySize: 0, onInterrupt: () => controller.abort() });
  return {
    writer,
    style,
    ask: (prompt) => reader.read(prompt, { remember: false, signal: controller.signal }),
    close() {
      reader.close();
      writer.dispose();
    },
  };
}
