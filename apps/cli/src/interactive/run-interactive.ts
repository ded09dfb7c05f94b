import type { Runtime } from '../runtime/runtime-types.js';
import { DoublePress } from './double-press.js';
import { EventRenderer } from './event-renderer.js';
import { findHfToken } from './hf-token.js';
import { askHfTokenQuestion } from './hf-token-prompt.js';
import { loadInputHistory, saveInputHistory } from './input-history.js';
import { LineReader } from './line-reader.js';
import { createMarkdownRenderer } from './markdown-renderer.js';
import { ScreenWriter, type TerminalOutput } from './screen-writer.js';
import { runSlashCommand, type SessionLister } from './slash-commands.js';
import { describeRuntime } from './status-report.js';
import { createTerminalStyle, shouldUseColor, type TerminalStyle } from './terminal-style.js';
import { ApprovalInbox, runTurn, type TurnPhase } from './turn-runner.js';

/** Where the interactive front end reads and writes. */
export interface InteractiveIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: TerminalOutput;
  /** Input history file (newest first, at most 500 entries, mode 0600). */
  historyFile: string;
  /** Saved sessions for the `/resume` picker (default: the runtime's session store). */
  store?: SessionLister | undefined;
  /** Environment for `NO_COLOR`, `HF_TOKEN`, `HF_HOME` (default: `process.env`). */
  env?: Record<string, string | undefined>;
  /** Ask for a Hugging Face token at startup when none is known (default true; terminals only). */
  askHfToken?: boolean;
  /** Called with a token the user just entered and saved (e.g. to rebuild Hub tools with it). */
  onHfToken?: (token: string) => void | Promise<void>;
}

/** Exit code after Ctrl-C twice, as for a shell killed by SIGINT. */
const EXIT_INTERRUPTED = 130;

type Phase = 'starting' | 'prompt' | 'command' | TurnPhase;

function promptText(style: TerminalStyle): string {
  return style.bold(style.cyan('› '));
}

function printBanner(runtime: Runtime, writer: ScreenWriter, style: TerminalStyle): void {
  const session = runtime.session;
  const restored = session.history.messages.filter((message) => message.role !== 'system').length;
  writer.line(`${style.bold('ml-intern')} ${style.dim('·')} ${session.model.id} ${style.dim('·')} ${style.dim(describeRuntime(runtime.description))}`);
  writer.line(style.dim(`session ${session.id}${restored > 0 ? ` (resumed, ${restored} messages)` : ''}${session.policy.mode === 'default' ? '' : ` · approvals: ${session.policy.mode}`}`));
  writer.line(style.dim('Describe a task. /help lists commands; Ctrl-C cancels a turn, Ctrl-D quits.'));
}

/**
 * The interactive chat (`ml-intern` without a prompt): reads lines, runs turns, renders events,
 * asks for approvals, runs slash commands. Resolves with the process exit code once the user
 * quits and the runtime is closed.
 */
export async function runInteractive(runtime: Runtime, io: InteractiveIO): Promise<number> {
  const env = io.env ?? process.env;
  const session = runtime.session;
  const terminal = io.input.isTTY === true && io.output.isTTY === true;
  const style = createTerminalStyle(shouldUseColor(io.output, env));
  const writer = new ScreenWriter(io.output);
  const markdown = io.output.isTTY === true ? createMarkdownRenderer({ style, width: () => writer.columns }) : undefined;
  const renderer = new EventRenderer({ writer, style, ...(markdown ? { markdown } : {}) });
  const approvals = new ApprovalInbox();
  const quit = new AbortController();
  const ctrlC = new DoublePress();
  let exitCode = 0;
  let phase: Phase = 'starting';
  let cancelQuestion: AbortController | undefined;

  const notify = (text: string) => writer.line(text);
  const requestQuit = (code: number) => {
    exitCode = code;
    quit.abort();
  };
  const onInterrupt = () => {
    if (ctrlC.press()) return requestQuit(EXIT_INTERRUPTED);
    switch (phase) {
      case 'turn':
        renderer.finishStream();
        session.submit({ type: 'interrupt' });
        return notify(style.yellow('Cancelling the turn… (Ctrl-C again to quit)'));
      case 'approval':
        cancelQuestion?.abort();
        session.submit({ type: 'interrupt' });
        return notify(style.yellow('Approval cancelled; interrupting the turn… (Ctrl-C again to quit)'));
      case 'prompt':
        if (reader.currentLine) return reader.clearLine();
        return notify(style.dim('(Ctrl-C again to quit, or type /quit)'));
      default:
        cancelQuestion?.abort();
        return notify(style.dim('(Ctrl-C again to quit)'));
    }
  };

  const reader = new LineReader({ input: io.input, writer, terminal, history: loadInputHistory(io.historyFile), onInterrupt });
  process.on('SIGINT', onInterrupt);
  const unsubscribe = session.subscribe((event) => {
    renderer.handle(event);
    if (event.type === 'approval_required') approvals.push(event.tools);
  });

  try {
    if (io.askHfToken !== false && terminal && !findHfToken(env)) {
      cancelQuestion = new AbortController();
      const token = await askHfTokenQuestion({ reader, writer, style, env, signal: cancelQuestion.signal });
      cancelQuestion = undefined;
      if (token && io.onHfToken) await io.onHfToken(token);
      else if (token) writer.line(style.dim('Tools started before this answer use it from the next start of ml-intern.'));
    }
    printBanner(runtime, writer, style);
    while (!quit.signal.aborted) {
      phase = 'prompt';
      const line = await readInput(reader, style, quit.signal);
      if (line === undefined) break;
      const text = line.trim();
      if (!text) continue;
      saveHistory(reader, io.historyFile);
      if (text === 'exit' || text === 'quit') break;
      if (text.startsWith('/')) {
        phase = 'command';
        const result = await runSlashCommand(text, {
          runtime,
          writer,
          style,
          renderer,
          store: io.store ?? runtime.store,
          signal: quit.signal,
          ask: async (prompt) => {
            cancelQuestion = new AbortController();
            const answer = await reader.read(prompt, { signal: cancelQuestion.signal, remember: false });
            cancelQuestion = undefined;
            return answer;
          },
          clearScreen: () => {
            if (io.output.isTTY) writer.write('\u001B[2J\u001B[3J\u001B[H');
          },
        });
        if (result === 'quit') break;
        continue;
      }
      await runTurn(line, {
        session,
        reader,
        writer,
        style,
        renderer,
        approvals,
        terminal,
        quitSignal: quit.signal,
        onPhase: (next, cancel) => {
          phase = next;
          cancelQuestion = cancel;
        },
      });
    }
  } finally {
    phase = 'starting';
    process.off('SIGINT', onInterrupt);
    renderer.finishStream();
    saveHistory(reader, io.historyFile);
    reader.close();
    writer.ensureLineStart();
    try {
      await runtime.close();
    } finally {
      unsubscribe();
      writer.dispose();
    }
  }
  return exitCode;
}

/** One input, joining lines that end with a backslash. */
async function readInput(reader: LineReader, style: TerminalStyle, signal: AbortSignal): Promise<string | undefined> {
  let line = await reader.read(promptText(style), { signal });
  while (line !== undefined && line.endsWith('\\')) {
    const more = await reader.read(style.dim('… '), { signal });
    if (more === undefined) return line.slice(0, -1);
    line = `${line.slice(0, -1)}\n${more}`;
  }
  return line;
}

function saveHistory(reader: LineReader, file: string): void {
  saveInputHistory(file, reader.history);
}
