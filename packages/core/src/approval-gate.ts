import type { ApprovalDecision, PendingApproval } from '@ml-intern/events';

export type ApprovalAnswer = ApprovalDecision[] | 'abandoned' | 'interrupted';

/** Problems with an `exec_approval` operation, reported as `error` events by the session. */
export interface ApprovalProblem {
  code: 'no_pending_approval' | 'unknown_tool_call';
  message: string;
}

/**
 * The pause of step 6 of the loop: tool calls wait here until every one of them has a decision
 * (answers may arrive in several operations), or the user moves on or interrupts.
 */
export class ApprovalGate {
  #pending: PendingApproval[] = [];
  #decisions: ApprovalDecision[] = [];
  #resolve: ((answer: ApprovalAnswer) => void) | undefined;

  get waiting(): boolean {
    return this.#resolve !== undefined;
  }

  /** Start waiting for these calls; `announce` emits the `approval_required` event. */
  wait(pending: PendingApproval[], announce: () => void): Promise<ApprovalAnswer> {
    return new Promise((resolve) => {
      this.#pending = pending;
      this.#decisions = [];
      this.#resolve = resolve;
      announce();
    });
  }

  /** Record decisions; resolves the wait once every pending call is decided. */
  answer(decisions: ApprovalDecision[]): ApprovalProblem | undefined {
    if (!this.#resolve) return { code: 'no_pending_approval', message: 'exec_approval received but no tool call is waiting for approval' };
    const known = new Set(this.#pending.map((item) => item.tool_call_id));
    for (const decision of decisions) {
      if (!known.has(decision.tool_call_id)) continue;
      this.#decisions = this.#decisions.filter((item) => item.tool_call_id !== decision.tool_call_id).concat(decision);
    }
    const unknown = decisions.filter((decision) => !known.has(decision.tool_call_id));
    if (this.#decisions.length >= this.#pending.length) this.settle(this.#decisions);
    if (unknown.length === 0) return undefined;
    return { code: 'unknown_tool_call', message: `exec_approval names tool calls that are not pending: ${unknown.map((item) => item.tool_call_id).join(', ')}` };
  }

  /** End the wait (with decisions, or because the user moved on or interrupted). */
  settle(answer: ApprovalAnswer): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#pending = [];
    resolve?.(answer);
  }
}
