import type { Runtime } from '../runtime/runtime-types.js';
import { loadCustomCommands, type CustomCommand } from './custom-commands.js';
import { DoublePress } from './double-press.js';
import { InlineImages, detectImageProtocol } from './terminal-images.js';
import { EventRenderer } from './event-renderer.js';
import { findHfToken } from './hf-token.js';
import { askHfTokenQuestion } from './hf-token-prompt.js';
import { loadInputHistory, saveInputHistory } from './input-history.js';
import { LineReader } from './line-reader.js';
import { createMarkdownRenderer } from './markdown-renderer.js';
import { ScreenWriter, type TerminalOutput } from './screen-writer.js';
import { ModelWaitIndicator } from './model-wait.js';
import { builtinCommandNames, runSlashCommand, type SessionLister, type SlashCommandContext } from './slash-commands.js';
import { describeRuntime } from './status-report.js';
import { createTerminalStyle, sanitizeTerminalText, shouldUseColor, type TerminalStyle } from './terminal-style.js';
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
  return new InteractiveChat(runtime, io).run();
}

class InteractiveChat {
  readonly #runtime: Runtime;
  readonly #io: InteractiveIO;
  readonly #env: Record<string, string | undefined>;
  readonly #terminal: boolean;
  readonly #style: TerminalStyle;
  readonly #writer: ScreenWriter;
  readonly #renderer: EventRenderer;
  readonly #reader: LineReader;
  readonly #approvals = new ApprovalInbox();
  readonly #modelWait: ModelWaitIndicator;
  readonly #quit = new AbortController();
  readonly #ctrlC = new DoublePress();
  #exitCode = 0;
  #phase: Phase = 'starting';
  #cancelQuestion: AbortController | undefined;
  #customCommands = new Map<string, CustomCommand>();

  constructor(runtime: Runtime, io: InteractiveIO) {
    this.#runtime = runtime;
    this.#io = io;
    this.#env = io.env ?? process.env;
    this.#terminal = io.input.isTTY === true && io.output.isTTY === true;
    this.#style = createTerminalStyle(shouldUseColor(io.output, this.#env));
    this.#writer = new ScreenWriter(io.output);
    const markdown = io.output.isTTY === true ? createMarkdownRenderer({ style: this.#style, width: () => this.#writer.columns }) : undefined;
    const images = new InlineImages({ protocol: detectImageProtocol(this.#env, io.output.isTTY === true), cwd: this.#runtime.session.cwd });
    this.#renderer = new EventRenderer({ writer: this.#writer, style: this.#style, liveProgress: io.output.isTTY === true, images, ...(markdown ? { markdown } : {}) });
    this.#modelWait = new ModelWaitIndicator(this.#writer, this.#style, { live: io.output.isTTY === true });
    this.#reader = new LineReader({ input: io.input, writer: this.#writer, terminal: this.#terminal, history: loadInputHistory(io.historyFile), onInterrupt: this.#onInterrupt });
  }

  async run(): Promise<number> {
    const session = this.#runtime.session;
    process.on('SIGINT', this.#onInterrupt);
    process.on('SIGTERM', this.#onTerminate);
    const unsubscribe = session.subscribe((event) => {
      // The "waiting for the model" line is taken back before anything else is printed.
      this.#modelWait.handle(event);
      this.#renderer.handle(event);
      if (event.type === 'approval_required') this.#approvals.push(event.tools);
      // Closed from elsewhere (a fatal error, a signal handler): nothing more can run.
      if (event.type === 'shutdown') this.#quit.abort();
    });
    try {
      await this.#askHfToken();
      printBanner(this.#runtime, this.#writer, this.#style);
      for (const notice of this.#loadCustomCommands()) this.#writer.line(this.#style.yellow(sanitizeTerminalText(notice)));
      await this.#loop();
    } finally {
      this.#phase = 'starting';
      this.#modelWait.dispose();
      process.off('SIGINT', this.#onInterrupt);
      process.off('SIGTERM', this.#onTerminate);
      this.#renderer.finishStream();
      saveInputHistory(this.#io.historyFile, this.#reader.history);
      this.#reader.close();
      this.#writer.ensureLineStart();
      try {
        await this.#runtime.close();
      } finally {
        unsubscribe();
        this.#writer.dispose();
      }
    }
    return this.#exitCode;
  }

  async #loop(): Promise<void> {
    while (!this.#quit.signal.aborted) {
      this.#phase = 'prompt';
      const line = await readInput(this.#reader, this.#style, this.#quit.signal);
      if (line === undefined) return;
      const text = line.trim();
      if (!text) continue;
      saveInputHistory(this.#io.historyFile, this.#reader.history);
      if (text === 'exit' || text === 'quit') return;
      let message = line;
      if (text.startsWith('/')) {
        this.#phase = 'command';
        const result = await runSlashCommand(text, this.#commandContext());
        if (result === 'quit') return;
        if (result === 'continue') continue;
        // A custom command or /init: its prompt is sent as the user's message.
        message = result.send;
      }
      await runTurn(message, {
        session: this.#runtime.session,
        reader: this.#reader,
        writer: this.#writer,
        style: this.#style,
        renderer: this.#renderer,
        approvals: this.#approvals,
        terminal: this.#terminal,
        quitSignal: this.#quit.signal,
        onPhase: (phase, cancel) => {
          this.#phase = phase;
          this.#cancelQuestion = cancel;
          this.#modelWait.setActive(phase === 'turn');
        },
      });
      this.#modelWait.setActive(false);
    }
  }

  #commandContext(): SlashCommandContext {
    return {
      runtime: this.#runtime,
      writer: this.#writer,
      style: this.#style,
      renderer: this.#renderer,
      store: this.#io.store ?? this.#runtime.store,
      signal: this.#quit.signal,
      customCommands: this.#customCommands,
      reloadCustomCommands: () => this.#loadCustomCommands(),
      ask: (prompt) => this.#ask(prompt, { remember: false }),
      clearScreen: () => {
        if (this.#io.output.isTTY) this.#writer.write('\u001B[2J\u001B[3J\u001B[H');
      },
    };
  }

  /** Custom commands from the user config dir and a trusted project's `.ml-intern/commands/`; returns the notices to show. */
  #loadCustomCommands(): string[] {
    const instructions = this.#runtime.instructions;
    if (!instructions) return [];
    const loaded = loadCustomCommands({ userDir: instructions.userDir, projectRoot: instructions.root, trusted: instructions.trusted, reserved: builtinCommandNames() });
    this.#customCommands.clear();
    for (const [name, command] of loaded.commands) this.#customCommands.set(name, command);
    return loaded.notices;
  }

  /** A question outside a turn; Ctrl-C cancels it (undefined). */
  async #ask(prompt: string, options: { remember?: boolean; hidden?: boolean }): Promise<string | undefined> {
    this.#cancelQuestion = new AbortController();
    try {
      return await this.#reader.read(prompt, { ...options, signal: this.#cancelQuestion.signal });
    } finally {
      this.#cancelQuestion = undefined;
    }
  }

  async #askHfToken(): Promise<void> {
    if (this.#io.askHfToken === false || !this.#terminal || findHfToken(this.#env)) return;
    this.#cancelQuestion = new AbortController();
    const token = await askHfTokenQuestion({ reader: this.#reader, writer: this.#writer, style: this.#style, env: this.#env, signal: this.#cancelQuestion.signal });
    this.#cancelQuestion = undefined;
    if (token && this.#io.onHfToken) await this.#io.onHfToken(token);
    else if (token) this.#writer.line(this.#style.dim('Tools started before this answer use it from the next start of ml-intern.'));
  }

  /** Ctrl-C: cancel what runs (turn, question) or clear the line; twice within a second quits. */
  /**
   * SIGTERM (a terminal closing, `kill`): stop the turn and end the run the normal way, so the log
   * is saved and a sandbox Space is deleted; a hard exit follows after 10 s whatever happens.
   */
  readonly #onTerminate = (): void => {
    this.#exitCode = 143;
    if (this.#phase === 'turn') this.#runtime.session.submit({ type: 'interrupt' });
    this.#quit.abort();
    setTimeout(() => process.exit(143), 10_000).unref();
  };

  readonly #onInterrupt = (): void => {
    const style = this.#style;
    if (this.#ctrlC.press()) {
      this.#exitCode = EXIT_INTERRUPTED;
      this.#quit.abort();
      return;
    }
    switch (this.#phase) {
      case 'turn':
        this.#renderer.finishStream();
        this.#runtime.session.submit({ type: 'interrupt' });
        return this.#writer.line(style.yellow('Cancelling the turn… (Ctrl-C again to quit)'));
      case 'approval':
        this.#cancelQuestion?.abort();
        this.#runtime.session.submit({ type: 'interrupt' });
        return this.#writer.line(style.yellow('Approval cancelled; interrupting the turn… (Ctrl-C again to quit)'));
      case 'prompt':
        if (this.#reader.currentLine) return this.#reader.clearLine();
        return this.#writer.line(style.dim('(Ctrl-C again to quit, or type /quit)'));
      default:
        this.#cancelQuestion?.abort();
        // A command that keeps the session busy (/compact) is cancelled like a turn.
        if (this.#phase === 'command' && this.#runtime.session.busy) {
          this.#runtime.session.submit({ type: 'interrupt' });
          return this.#writer.line(style.yellow('Cancelling… (Ctrl-C again to quit)'));
        }
        return this.#writer.line(style.dim('(Ctrl-C again to quit)'));
    }
  };
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
