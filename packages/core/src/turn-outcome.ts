import type { AgentEvent, TurnReason } from '@ml-intern/events';

/** How a turn ended, for callers of `session.run()`. */
export interface TurnOutcome {
  status: 'completed' | 'error' | 'interrupted' | 'terminated';
  reason?: TurnReason;
  text: string;
  iterations: number;
  /** Every event of this turn, in order. */
  events: AgentEvent[];
  error?: { code: string; message: string };
}
