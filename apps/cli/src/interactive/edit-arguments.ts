import path from 'node:path';
import type { PendingApproval } from '@ml-intern/events';

/** What the user edits for one pending call, and how the edited text becomes arguments again. */
export interface EditableArguments {
  /** What the editor opens with. */
  text: string;
  /** File name ending, so the editor highlights it (`.sh`, `.py`, `.json`…). */
  postfix: string;
  /** What is being edited, for messages: `the command`, `the arguments`… */
  label: string;
  /** The call's arguments with the edited text in place, or why the text cannot be used. */
  apply(edited: string): { arguments: Record<string, unknown> } | { error: string };
}

/** Fields that hold the substance of a call, edited as plain text rather than as JSON. */
const TEXT_FIELDS: Record<string, { label: string; postfix: string }> = {
  command: { label: 'the command', postfix: '.sh' },
  script: { label: 'the script', postfix: '.py' },
  content: { label: 'the content', postfix: '.txt' },
};

/**
 * The editable form of a pending call: its script, command or file content as plain text when it
 * has one (a `write` gets its file's extension), otherwise all its arguments as JSON.
 */
export function editableArguments(pending: PendingApproval): EditableArguments {
  const args = (pending.arguments && typeof pending.arguments === 'object' && !Array.isArray(pending.arguments) ? pending.arguments : {}) as Record<string, unknown>;
  for (const [field, { label, postfix }] of Object.entries(TEXT_FIELDS)) {
    const value = args[field];
    if (typeof value !== 'string') continue;
    const extension = field === 'content' && typeof args.path === 'string' ? path.extname(args.path) : '';
    return {
      text: value,
      postfix: extension || postfix,
      label,
      apply: (edited) => (edited.trim() ? { arguments: { ...args, [field]: field === 'content' ? edited : edited.replace(/\n+$/, '') } } : { error: `${label} is empty` }),
    };
  }
  return {
    text: `${JSON.stringify(args, null, 2)}\n`,
    postfix: '.json',
    label: 'the arguments',
    apply: (edited) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(edited);
      } catch (error) {
        return { error: `the arguments are not valid JSON (${(error as Error).message})` };
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { error: 'the arguments must be a JSON object' };
      return { arguments: parsed as Record<string, unknown> };
    },
  };
}
