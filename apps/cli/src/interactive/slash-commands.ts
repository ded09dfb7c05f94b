import { ACCEPTED_MODEL_FORMS, type ReasoningEffort } from '@ml-intern/core';
import type { SessionSummary } from '@ml-intern/context';
import { describeInstructions } from '../runtime/project-instructions.js';
import type { Runtime } from '../runtime/runtime-types.js';
import { expandCustomCommand, type CustomCommand } from './custom-commands.js';
import type { EventRenderer } from './event-renderer.js';
import { formatPlan } from './format-plan.js';
import { rewindCommand } from './rewind-command.js';
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
  /** Custom commands (Markdown files in `commands/` folders) by name. */
  customCommands?: ReadonlyMap<string, CustomCommand>;
  /** Read the custom command folders again (`/memory`); returns what to tell the user. */
  reloadCustomCommands?: () => string[];
}

/** Whether the chat goes on after a command, or a message to send as the user's turn (custom commands, `/init`). */
export type SlashCommandResult = 'continue' | 'quit' | { send: string };

/** The commands of SPEC section 11, in `/help` order. */
export const SLASH_COMMANDS: readonly { name: string; usage: string; description: string }[] = [
  { name: 'help', usage: '/help', description: 'show this list' },
  { name: 'new', usage: '/new', description: 'start a fresh session (the current one stays saved)' },
  { name: 'clear', usage: '/clear', description: 'start a fresh session and clear the screen' },
  { name: 'undo', usage: '/undo', description: 'remove the last turn from the conversation' },
  { name: 'rewind', usage: '/rewind [turn]', description: 'go back to before a turn: code, conversation or both (diff shown first)' },
  { name: 'compact', usage: '/compact', description: 'summarise older messages to free context' },
  { name: 'resume', usage: '/resume [id|prefix]', description: 'continue a saved session (lists them without an id)' },
  { name: 'model', usage: '/model [id]', description: 'show or switch the model' },
  { name: 'effort', usage: '/effort [level|off]', description: 'reasoning effort: minimal, low, medium, high, xhigh, max, off' },
  { name: 'yolo', usage: '/yolo', description: 'toggle auto-approval (never-auto operations still ask)' },
  { name: 'status', usage: '/status', description: 'model, runtime, session, context use and cost' },
  { name: 'plan', usage: '/plan', description: "show the agent's current plan" },
  { name: 'cost', usage: '/cost', description: 'tokens and spend so far' },
  { name: 'memory', usage: '/memory', description: 'reload AGENTS.md / ML_INTERN.md and custom commands, and list them' },
  { name: 'init', usage: '/init', description: 'draft an AGENTS.md for this project (shown for approval before it is written)' },
  { name: 'quit', usage: '/quit', description: 'leave (also /exit, Ctrl-D, Ctrl-C twice)' },
];

const EFFORTS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

type Print = (lines: string | string[]) => void;
/** A command's handler; it returns 'quit' to leave, nothing to stay. */
type CommandHandler = (argument: string, context: SlashCommandContext, print: Print) => Promise<SlashCommandResult | void> | SlashCommandResult | void;

const HANDLERS: Record<string, CommandHandler> = {
  help: (_argument, context, print) => {
    const { style } = context;
    print([
      style.bold('Commands'),
      ...SLASH_COMMANDS.map((command) => `  ${style.cyan(command.usage.padEnd(20))} ${command.description}`),
      ...customCommandHelp(context),
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
  rewind: (argument, context, print) => rewindCommand(argument, context, print),
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
    runtime.session.submit({ type: 'set_approval_mode', mode: policy.mode === 'yolo' ? 'default' : 'yolo' });
    print(
      policy.mode === 'yolo'
        ? style.yellow('YOLO mode on: tool calls run without asking, except operations that always ask (scheduled HF jobs, budget overruns).')
        : 'YOLO mode off: calls that need approval ask again.',
    );
  },
  status: (_argument, { runtime, style }, print) => {
    print(
      formatStatus(
        { session: runtime.session, description: runtime.description, budgetUsd: runtime.config?.budget_usd ?? null, ...(runtime.instructions ? { instructions: runtime.instructions.current } : {}) },
        style,
      ),
    );
  },
  memory: (_argument, context, print) => reloadMemory(context, print),
  init: (_argument, context, print) => initProject(context, print),
  plan: (_argument, { runtime, style }, print) => {
    print(formatPlan(runtime.session.plan, style));
  },
  cost: (_argument, { runtime, style }, print) => {
    print(formatCost(runtime.session, style));
  },
};

/** Run one slash command typed at the prompt (`line` starts with `/`). */
export async function runSlashCommand(line: string, context: SlashCommandContext): Promise<SlashCommandResult> {
  const [, word = '', argumentsText = ''] = /^(\S*)\s*([\s\S]*)$/.exec(line.trim().slice(1)) ?? [];
  const rest = argumentsText.split(/\s+/);
  const { writer, style } = context;
  const print: Print = (lines) => {
    writer.ensureBlankLine();
    for (const text of Array.isArray(lines) ? lines : [lines]) writer.line(text);
  };
  const handler = Object.hasOwn(HANDLERS, word.toLowerCase()) ? HANDLERS[word.toLowerCase()] : undefined;
  const custom = handler ? undefined : context.customCommands?.get(word.toLowerCase());
  if (custom) {
    print(style.dim(`/${custom.name}: sending the prompt from ${sanitizeTerminalText(custom.file)}`));
    return { send: expandCustomCommand(custom, argumentsText) };
  }
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

/** Built-in names a custom command may not take. */
export function builtinCommandNames(): string[] {
  return Object.keys(HANDLERS);
}

function customCommandHelp(context: SlashCommandContext): string[] {
  const commands = [...(context.customCommands?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  if (commands.length === 0) return [];
  const { style } = context;
  return [
    style.bold('Custom commands'),
    ...commands.map((command) => `  ${style.cyan(`/${command.name} [args]`.padEnd(20))} ${sanitizeTerminalText(command.description)} ${style.dim(`(${command.scope})`)}`),
  ];
}

/** `/memory`: read the instruction files and custom commands again; the system prompt is re-rendered with them. */
function reloadMemory(context: SlashCommandContext, print: Print): void {
  const { runtime, style } = context;
  const notices = context.reloadCustomCommands?.() ?? [];
  if (!runtime.instructions) {
    print('Project instructions are not available in this session.');
    return;
  }
  runtime.session.refreshSystemPrompt();
  const loaded = runtime.instructions.current;
  const lines = describeInstructions(loaded).map((line) => `  ${sanitizeTerminalText(line)}`);
  print([
    style.bold('Instructions'),
    ...(lines.length > 0 ? lines : [style.dim(`  none: add AGENTS.md or ML_INTERN.md to the project, or to the user config dir (${sanitizeTerminalText(runtime.instructions.userDir)})`)]),
    style.dim(loaded.files.length > 0 ? 'Reloaded: the model sees them from its next call.' : 'Reloaded.'),
    ...notices.map((notice) => style.yellow(sanitizeTerminalText(notice))),
    `${context.customCommands?.size ?? 0} custom command${context.customCommands?.size === 1 ? '' : 's'} (/help lists them).`,
  ]);
}

/** What `/init` asks the model to do. */
export const INIT_PROMPT = [
  'Draft an AGENTS.md for this project: the instructions file that ml-intern (and other coding agents) read at the start of every session.',
  'First look at the project (list the files; read the README, the training and evaluation scripts, configs, requirements) and use what you learned in this conversation.',
  'Write short, concrete sections: what the project is; the data (datasets, Hub repos, local paths, formats, splits); the scripts and how to run them (train, evaluate, test); hardware and compute (local GPUs, HF Jobs flavors, limits); where results go (Hub namespace, private or public); conventions and things to avoid.',
  'State only what you found or were told, and mark guesses as such. Keep it under about 80 lines.',
  'If an AGENTS.md already exists, read it and improve it instead of starting over.',
  'Then write it with the write tool to AGENTS.md at the top of the working directory. The user sees the file and approves it before it is written.',
].join('\n');

/** `/init`: the model drafts AGENTS.md; writing it asks first (a session rule), even where writes are allowed. */
function initProject(context: SlashCommandContext, print: Print): SlashCommandResult {
  const policy = context.runtime.session.policy;
  for (const tool of ['write', 'edit']) {
    const exists = policy.sessionRules.some((rule) => rule.tool === tool && rule.action === 'ask' && rule.args?.path === 'AGENTS.md');
    if (!exists) policy.addSessionRule({ tool, args: { path: 'AGENTS.md' }, action: 'ask', reason: '/init: AGENTS.md is shown for approval before it is written' });
  }
  print(context.style.dim('Asking the model to draft AGENTS.md; you see it and approve it before it is written.'));
  return { send: INIT_PROMPT };
}
