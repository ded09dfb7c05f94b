import { findHfToken, storeHfToken } from './hf-token.js';
import { LineReader } from './line-reader.js';
import { ScreenWriter, type TerminalOutput } from './screen-writer.js';
import { createTerminalStyle, shouldUseColor, type TerminalStyle } from './terminal-style.js';

type Env = Record<string, string | undefined>;

/** The terminal and environment for the standalone token question. */
export interface HfTokenPromptOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: TerminalOutput;
  env: Env;
}

/** The token question inside a running chat (its reader and writer). */
export interface HfTokenQuestion {
  reader: LineReader;
  writer: ScreenWriter;
  style: TerminalStyle;
  env: Env;
  /** Aborted by Ctrl-C: skip the question. */
  signal?: AbortSignal;
}

/**
 * Ask for a Hugging Face token (input hidden, empty = skip) and save it where the `hf` CLI keeps
 * it. Returns the saved token, or undefined when the user skipped.
 */
export async function askHfTokenQuestion(question: HfTokenQuestion): Promise<string | undefined> {
  const { writer, style } = question;
  writer.ensureBlankLine();
  writer.line(`${style.yellow('No Hugging Face token found')} (HF_TOKEN or ${style.dim('hf auth login')}).`);
  writer.line('Hub tools, HF Jobs and Inference Providers need one: https://huggingface.co/settings/tokens');
  const answer = await question.reader.read('Paste a token (input hidden, Enter to skip): ', { hidden: true, ...(question.signal ? { signal: question.signal } : {}) });
  const token = answer?.trim();
  if (!token) {
    writer.line(style.dim('Skipped. Set HF_TOKEN or run `hf auth login` later.'));
    return undefined;
  }
  if (/\s/.test(token)) {
    writer.line(style.red('That does not look like a token (it contains spaces); nothing saved.'));
    return undefined;
  }
  try {
    const file = storeHfToken(token, question.env);
    const note = token.startsWith('hf_') ? '' : style.yellow(' (it does not start with hf_; check it if Hub calls fail)');
    writer.line(`${style.green('Saved')} to ${file}${note}`);
    return token;
  } catch (error) {
    writer.line(style.red(`Could not save the token: ${(error as Error).message}`));
    return token;
  }
}

/**
 * Standalone version for callers that want the token before building their runtime: asks only
 * when no token is known and input is a terminal. Returns the token in use, if any.
 */
export async function promptForHfToken(options: HfTokenPromptOptions): Promise<string | undefined> {
  const known = findHfToken(options.env);
  if (known || options.input.isTTY !== true) return known;
  const writer = new ScreenWriter(options.output);
  const style = createTerminalStyle(shouldUseColor(options.output, options.env));
  const controller = new AbortController();
  const reader = new LineReader({ input: options.input, writer, terminal: options.output.isTTY === true, historySize: 0, onInterrupt: () => controller.abort() });
  try {
    return await askHfTokenQuestion({ reader, writer, style, env: options.env, signal: controller.signal });
  } finally {
    reader.close();
    writer.dispose();
  }
}
