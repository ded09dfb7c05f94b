import type { AgentEvent, UsageTotals } from '@ml-intern/events';
import type { Session, TurnOutcome } from '@ml-intern/core';

/** Exit codes of the one-shot and headless runners (SPEC section 11). */
export const EXIT_CODES = {
  done: 0,
  error: 1,
  usage: 2,
  max_iterations: 3,
  budget_exceeded: 4,
  loop_detected: 5,
  interrupted: 130,
} as const;

export type RunStatus = 'done' | 'error' | 'max_iterations' | 'budget_exceeded' | 'loop_detected' | 'interrupted' | 'truncated' | 'refusal' | 'terminated';

/** The final result object of an unattended run. */
export interface RunResult {
  type: 'result';
  status: RunStatus;
  final_text: string;
  session_id: string;
  iterations: number;
  usage: UsageTotals;
  cost_usd: number;
  unpriced: boolean;
  duration_ms: number;
  error?: { code: string; message: string };
  log_path?: string;
}

export function statusOf(outcome: TurnOutcome): RunStatus {
  if (outcome.status === 'interrupted') return 'interrupted';
  if (outcome.status === 'error') return 'error';
  if (outcome.status === 'terminated') return outcome.error?.code === 'loop_detected' ? 'loop_detected' : 'terminated';
  switch (outcome.reason) {
    case 'max_iterations':
      return 'max_iterations';
    case 'budget_exceeded':
      return 'budget_exceeded';
    case 'loop_detected':
      return 'loop_detected';
    case 'truncated':
      return 'truncated';
    case 'refusal':
      return 'refusal';
    default:
      return 'done';
  }
}

export function exitCodeOf(status: RunStatus): number {
  switch (status) {
    case 'done':
    case 'truncated':
    case 'refusal':
      return EXIT_CODES.done;
    case 'max_iterations':
      return EXIT_CODES.max_iterations;
    case 'budget_exceeded':
      return EXIT_CODES.budget_exceeded;
    case 'loop_detected':
      return EXIT_CODES.loop_detected;
    case 'interrupted':
      return EXIT_CODES.interrupted;
    default:
      return EXIT_CODES.error;
  }
}

export function buildResult(session: Session, outcome: TurnOutcome, startedAt: number): RunResult {
  const totals = session.usage;
  const status = statusOf(outcome);
  const iterations = outcome.events.filter((event: AgentEvent) => event.type === 'llm_call').length;
  return {
    type: 'result',
    status,
    final_text: outcome.text,
    session_id: session.id,
    iterations: outcome.iterations || iterations,
    usage: totals.usage,
    cost_usd: Number(totals.costUsd.toFixed(6)),
    unpriced: totals.unpriced,
    duration_ms: Date.now() - startedAt,
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(session.logLocation ? { log_path: session.logLocation } : {}),
  };
}
