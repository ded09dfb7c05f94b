import type { ApprovalDecision, PendingApproval } from '@ml-intern/events';

/** What the user typed at an approval prompt. */
export type ApprovalAnswer =
  | { kind: 'approve' }
  | { kind: 'always' }
  /** Open the call's script, command or arguments in an editor, then approve the edited call. */
  | { kind: 'edit' }
  | { kind: 'reject'; feedback?: string }
  /** Nothing typed: ask again rather than guess. */
  | { kind: 'empty' };

const APPROVE = new Set(['y', 'yes']);
const REJECT = new Set(['n', 'no']);
const ALWAYS = new Set(['a', 'always']);
const EDIT = new Set(['e', 'edit']);

/**
 * `y`/`yes` approve, `n`/`no` reject, `a`/`always` approve and add the session rule shown with
 * the prompt, `e`/`edit` edit the call before approving it; any other text rejects the call and is
 * passed to the model as feedback.
 */
export function parseApprovalAnswer(text: string): ApprovalAnswer {
  const trimmed = text.trim();
  const word = trimmed.toLowerCase();
  if (!word) return { kind: 'empty' };
  if (APPROVE.has(word)) return { kind: 'approve' };
  if (REJECT.has(word)) return { kind: 'reject' };
  if (ALWAYS.has(word)) return { kind: 'always' };
  if (EDIT.has(word)) return { kind: 'edit' };
  return { kind: 'reject', feedback: trimmed };
}

/** True when "always" can add a rule for this call (never-auto operations cannot). */
export function canAlwaysAllow(pending: PendingApproval): boolean {
  return !pending.always_scope.startsWith('not available');
}

/** The `exec_approval` decision for one pending call. `empty` is not an answer. */
export function toApprovalDecision(pending: PendingApproval, answer: Exclude<ApprovalAnswer, { kind: 'empty' | 'edit' }>): ApprovalDecision {
  switch (answer.kind) {
    case 'approve':
      return { tool_call_id: pending.tool_call_id, approved: true };
    case 'always':
      // For an operation that always asks, "always" approves this one call only.
      return canAlwaysAllow(pending) ? { tool_call_id: pending.tool_call_id, approved: true, always: true } : { tool_call_id: pending.tool_call_id, approved: true };
    case 'reject':
      return answer.feedback ? { tool_call_id: pending.tool_call_id, approved: false, feedback: answer.feedback } : { tool_call_id: pending.tool_call_id, approved: false };
  }
}
