import { ACCEPTED_MODEL_FORMS, type ReasoningEffort } from '@ml-intern/core';
import type { SessionSummary } from '@ml-intern/context';
import type { Runtime } from '../runtime/runtime-types.js';
import type { EventRenderer } from './event-renderer.js';
import { formatPlan } from './format-plan.js';
import type { ScreenWriter } from './screen-writer.js';
import { formatCost, formatStatus } from './status-report.js';
import { OPERATION_END, submitAndWait } from './submit-and-wait.js';
import { sanitizeTerminalText, truncateText, type TerminalStyle } from './terminal-style.js';

/** Lists saved sessions, newest first (the JSONL session store does). */
export interface SessionLister {
  list(): SessionSummary[];
}

/** What a slash command can use: the runtime, the screen, a way to ask a follow-up question. */
export interface SlashCommandContext {
  runtime: Runtime;
  writer: ScreenWriter;
  style: TerminalStyle;
  renderer: EventRenderer;
  store?: SessionLister | undefined;
  /** Ask a follow-up question (the `/resume` picker); undefined when cancelled. */
  ask(prompt: string): Promise<string | undefined>;
  /** Clear the terminal (`/clear`); does nothing when output is not a terminal. */
  clearScreen(): void;
  /** Aborted when the user quits while a command waits for the session. */
  signal?: AbortSignal;
}

/** Whether the chat goes on after a command. */
export type SlashCommandResult = 'continue' | 'quit';

/** The commands of SPEC section 11, in `/help` order. */
export const SLASH_COMMANDS: readonly { name: string; usage: string; description: string }[] = [
  { name: 'help', usage: '/help', description: 'show this list' },
  { name: 'new', usage: '/new', description: 'start a fresh session (the current one stays saved)' },
  { name: 'clear', usage: '/clear', description: 'start a fresh session and clear the screen' },
  { name: 'undo', usage: '/undo', description: 'remove the last turn from the conversation' },
  { name: 'compact', usage: '/compact', description: 'summarise older messages to free context' },
  { name: 'resume', usage: '/resume [id|prefix]', description: 'continue a saved session (lists them without an id)' },
  { name: 'model', usage: '/model [id]', description: 'show or switch the model' },
  { name: 'effort', usage: '/effort [level|off]', description: 'reasoning effort: minimal, low, medium, high, xhigh, max, off' },
  { name: 'yolo', usage: '/yolo', description: 'toggle auto-approval (never-auto operations still ask)' },
  { name: 'status', usage: '/status', description: 'model, runtime, session, context use and cost' },
  { name: 'plan', usage: '/plan', description: "show the agent's current plan" },
  { name: 'cost', usage: '/cost', description: 'tokens and spend so far' },
  { name: 'quit', usage: '/quit', description: 'leave (also /exit, Ctrl-D, Ctrl-C twice)' },
];

const EFFORTS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

type Print = (lines: string | string[]) => void;
/** A command's handler; it returns 'quit' to leave, nothing to stay. */
type CommandHandler = (argument: string, context: SlashCommandContext, print: Print) => Promise<SlashCommandResult | void> | SlashCommandResult | void;

const HANDLERS: Record<string, CommandHandler> = {
  help: (_argument, { style }, print) => {
    print([
      style.bold('Commands'),
      ...SLASH_COMMANDS.map((command) => `  ${style.cyan(command.usage.padEnd(20))} ${command.description}`),
      style.dim('  Ctrl-C cancels a running turn; a line ending in \\ continues on the next line.'),
    ]);
  },
  quit: () => 'quit',
  exit: () => 'quit',
  new: (_argument, context, print) => startNewSession(context, print, false),
  clear: (_argument, context, print) => startNewSession(context, print, true),
  undo: async (_argument, context) => {
    await submitAndWait(context.runtime.session, { type: 'undo' }, OPERATION_END.undo, context.signal);
  },
  compact: async (_argument, context, print) => {
    print(context.style.dim('Compacting… (Ctrl-C cancels)'));
    await submitAndWait(context.runtime.session, { type: 'compact' }, OPERATION_END.compact, context.signal);
  },
  resume: async (argument, context, print) => {
    await resume(argument, context, print);
  },
  model: (argument, context, print) => switchModel(argument, context, print),
  effort: (argument, context, print) => setEffort(argument.toLowerCase(), context, print),
  yolo: (_argument, { runtime, style }, print) => {
    const policy = runtime.session.policy;
    if (policy.mode === 'read-only') {
      print(style.yellow('The session is read-only; /yolo cannot turn on auto-approval.'));
      return;
    }
    policy.setMode(policy.mode === 'yolo' ? 'default' : 'yolo');
    print(
      policy.mode === 'yolo'
        ? style.yellow('YOLO mode on: tool calls run without asking, except operations that always ask (scheduled HF jobs, budget overruns).')
        : 'YOLO mode off: calls that need approval ask again.',
    );
  },
  status: (_argument, { runtime, style }, print) => {
    print(formatStatus({ session: runtime.session, description: runtime.description, budgetUsd: runtime.config?.budget_usd ?? null }, style));
  },
  plan: (_argument, { runtime, style }, print) => {
    print(formatPlan(runtime.session.plan, style));
  },
  cost: (_argument, { runtime, style }, print) => {
    print(formatCost(runtime.session, style));
  },
};

/** Run one slash command typed at the prompt (`line` starts with `/`). */
export async function runSlashCommand(line: string, context: SlashCommandContext): Promise<SlashCommandResult> {
  const [word = '', ...rest] = line.trim().slice(1).split(/\s+/);
  const { writer, style } = context;
  const print: Print = (lines) => {
    writer.ensureBlankLine();
    for (const text of Array.isArray(lines) ? lines : [lines]) writer.line(text);
  };
  const handler = HANDLERS[word.toLowerCase()];
  if (!handler) {
    print(`Unknown command ${style.bold(`/${sanitizeTerminalText(word)}`)}. Type ${style.cyan('/help')} for the list.`);
    return 'continue';
  }
  return (await handler(rest.join(' ').trim(), context, print)) ?? 'continue';
}

async function startNewSession(context: SlashCommandContext, print: Print, clearScreen: boolean): Promise<void> {
  const session = context.runtime.session;
  const event = await submitAndWait(session, { type: 'new' }, OPERATION_END.new, context.signal);
  if (event?.type !== 'ready') return;
  context.renderer.reset();
  if (clearScreen) context.clearScreen();
  print(`New session ${context.style.bold(session.id)}.`);
}

async function switchModel(argument: string, context: SlashCommandContext, print: Print): Promise<void> {
  const { style, runtime } = context;
  if (!argument) {
    print([`Model: ${style.bold(runtime.session.model.id)}`, style.dim('Switch with /model <id>. Accepted forms:'), ...ACCEPTED_MODEL_FORMS.map((form) => style.dim(`  ${form}`))]);
    return;
  }
  try {
    const id = await runtime.setModel(argument);
    print(`Model switched to ${style.bold(id)}.`);
  } catch (error) {
    print(style.red(`Cannot switch to ${argument}: ${(error as Error).message}`));
  }
}

function setEffort(argument: string, context: SlashCommandContext, print: Print): void {
  const { style } = context;
  const session = context.runtime.session;
  if (!argument) {
    print(`Reasoning effort: ${style.bold(session.reasoningEffort ?? 'provider default')} ${style.dim(`(/effort ${EFFORTS.join('|')}|off)`)}`);
  } else if (argument === 'off' || argument === 'default' || argument === 'none') {
    session.setReasoningEffort(undefined);
    print('Reasoning effort: provider default.');
  } else if ((EFFORTS as readonly string[]).includes(argument)) {
    session.setReasoningEffort(argument as ReasoningEffort);
    print(`Reasoning effort: ${style.bold(argument)} (from the next model call).`);
  } else {
    print(style.red(`Unknown effort "${argument}": use one of ${EFFORTS.join(', ')} or off.`));
  }
}

async function resume(argument: string, context: SlashCommandContext, print: Print): Promise<void> {
  const { style } = context;
  const session = context.runtime.session;
  let reference = argument;
  if (!reference) {
    const sessions = (context.store?.list() ?? []).filter((item) => item.id !== session.id).slice(0, 10);
    if (sessions.length === 0) {
      print(context.store ? 'No saved sessions to resume.' : 'Sessions are not saved (save_sessions is off), so there is nothing to resume.');
      return;
    }
    print([
      style.bold('Saved sessions'),
      ...sessions.map((item, index) => `  ${style.cyan(String(index + 1).padStart(2))}  ${item.id.slice(0, 8)}  ${style.dim(item.modifiedAt.toISOString().slice(0, 16).replace('T', ' '))}  ${sanitizeTerminalText(item.preview) || style.dim('(empty)')}`),
    ]);
    const answer = (await context.ask('Resume which? (number or id prefix, Enter to cancel) › '))?.trim();
    if (!answer) return;
    const picked = /^\d+$/.test(answer) ? sessions[Number(answer) - 1] : undefined;
    reference = picked?.id ?? answer;
  }
  const event = await submitAndWait(session, { type: 'resume', session: reference }, OPERATION_END.resume, context.signal);
  if (event?.type !== 'ready') return;
  context.renderer.reset();
  const messages = session.history.messages;
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const lines = [`Resumed session ${style.bold(session.forkedFrom ?? reference)} as new session ${style.bold(session.id)} (${messages.length} messages; the old log is left as it was).`];
  if (lastUser?.role === 'user') lines.push(style.dim(`Last request: ${truncateText(sanitizeTerminalText(lastUser.content).replace(/\s+/g, ' '), 120)}`));
  print(lines);
}
