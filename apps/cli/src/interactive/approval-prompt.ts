import type { ApprovalDecision, PendingApproval } from '@ml-intern/events';
import { canAlwaysAllow, parseApprovalAnswer, toApprovalDecision } from './approval-answer.js';
import { collapseOutput } from './collapse-output.js';
import { editableArguments } from './edit-arguments.js';
import type { EditOutcome } from './open-editor.js';
import type { ScreenWriter } from './screen-writer.js';
import { sanitizeTerminalText, type TerminalStyle } from './terminal-style.js';

/** Where approval questions are printed and how an answer is read. */
export interface ApprovalPromptOptions {
  writer: ScreenWriter;
  style: TerminalStyle;
  /** Read one answer; undefined when reading was cancelled (Ctrl-C) or input ended. */
  ask(prompt: string): Promise<string | undefined>;
  /** Let the user edit a call before approving it (absent: `e` is not offered). */
  edit?(pending: PendingApproval): Promise<EditOutcome>;
}

/**
 * Arguments on one line when they fit; otherwise one line per argument, with multi-line strings
 * (scripts, file contents) shown as text rather than as an escaped JSON string.
 */
function formatArguments(value: unknown, width: number): string {
  if (value === undefined) return '';
  try {
    const compact = JSON.stringify(value) ?? '';
    if (compact.length <= width || !value || typeof value !== 'object' || Array.isArray(value)) return compact;
    return Object.entries(value)
      .map(([name, item]) => (typeof item === 'string' && item.includes('\n') ? `${name}:\n${item.replace(/^/gm, '  ')}` : `${name}: ${JSON.stringify(item)}`))
      .join('\n');
  } catch {
    return String(value);
  }
}

/** The lines describing one pending call: tool, summary, reason, estimated cost, "always" scope. */
export function formatApprovalRequest(pending: PendingApproval, position: { index: number; total: number }, style: TerminalStyle, width: number, canEdit = false): string[] {
  const counter = position.total > 1 ? style.dim(` (${position.index + 1} of ${position.total})`) : '';
  const lines = [`${style.yellow('?')} ${style.bold(`Approve ${pending.tool}?`)}${counter}`];
  const summary = sanitizeTerminalText(pending.summary).replace(/\s+/g, ' ').trim();
  if (summary) lines.push(`  ${summary}`);
  lines.push(`  ${style.dim('why:')} ${sanitizeTerminalText(pending.reason)}`);
  if (pending.estimated_cost_usd !== null) lines.push(`  ${style.dim('estimated cost:')} ${style.yellow(`$${pending.estimated_cost_usd.toFixed(2)}`)}`);
  const args = collapseOutput(sanitizeTerminalText(formatArguments(pending.arguments, width - 15)), { maxLines: 10, width: width - 4 });
  if (args.lines.length === 1) lines.push(`  ${style.dim('arguments:')} ${style.dim(args.lines[0] ?? '')}`);
  else if (args.lines.length > 1) {
    lines.push(`  ${style.dim('arguments:')}`);
    for (const line of args.lines) lines.push(`    ${style.dim(line)}`);
    if (args.hiddenLines > 0) lines.push(`    ${style.dim(`… ${args.hiddenLines} more lines`)}`);
  }
  const always = canAlwaysAllow(pending) ? `${style.bold('a')} always, adding the session rule: ${pending.always_scope}` : style.dim(`"always" is ${pending.always_scope}`);
  if (canEdit) {
    // Two lines: the session rule can be long.
    lines.push(`  ${style.bold('y')} yes · ${style.bold('n')} no · ${style.bold('e')} edit ${editableArguments(pending).label} first`);
    lines.push(`  ${always}`);
  } else lines.push(`  ${style.bold('y')} yes · ${style.bold('n')} no · ${always}`);
  lines.push(style.dim('  or type what to do instead: the call is rejected and your text goes to the agent'));
  return lines;
}

/**
 * Ask about every pending call in turn (one answer each) and return a decision for all of them,
 * or undefined when the user cancelled or input ended before every call was answered.
 */
export async function askForApprovals(pending: readonly PendingApproval[], options: ApprovalPromptOptions): Promise<ApprovalDecision[] | undefined> {
  const { writer, style } = options;
  const decisions: ApprovalDecision[] = [];
  for (const [index, item] of pending.entries()) {
    writer.ensureBlankLine();
    for (const line of formatApprovalRequest(item, { index, total: pending.length }, style, writer.columns, options.edit !== undefined)) writer.line(line);
    const choices = options.edit ? 'y/n/a/e/feedback' : 'y/n/a/feedback';
    for (;;) {
      const text = await options.ask(`${style.yellow('approve')} [${choices}] › `);
      if (text === undefined) return undefined;
      const answer = parseApprovalAnswer(text);
      if (answer.kind === 'empty') continue;
      if (answer.kind === 'edit') {
        const edited = options.edit ? await options.edit(item) : { error: 'editing is not available here' };
        if ('error' in edited) writer.line(style.red(`Not edited: ${edited.error}. Answer again.`));
        else if ('unchanged' in edited) writer.line(style.dim(`Nothing was changed in ${edited.label}. Answer again.`));
        else {
          decisions.push({ tool_call_id: item.tool_call_id, approved: true, edited_arguments: edited.arguments });
          writer.line(style.dim(`Approved ${item.tool} with ${edited.label} as edited.`));
          break;
        }
        continue;
      }
      const decision = toApprovalDecision(item, answer);
      decisions.push(decision);
      writer.line(style.dim(describeDecision(item, decision)));
      break;
    }
  }
  return decisions;
}

function describeDecision(pending: PendingApproval, decision: ApprovalDecision): string {
  if (!decision.approved) return decision.feedback ? `Rejected ${pending.tool} with feedback.` : `Rejected ${pending.tool}.`;
  if (decision.always) return `Approved ${pending.tool}; added session rule: ${pending.always_scope}.`;
  return `Approved ${pending.tool}.`;
}
