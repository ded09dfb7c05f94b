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

interface Subscribable {
  subscribe(listener: (event: AgentEvent) => void): () => void;
}

/**
 * Resolves a `run()` call when its turn ends: it skips the turns ahead of it and resolves on the end (turn_complete, error, interrupted or session_terminated).
 */
export class TurnTracker {
  /** `turnsAhead`: turns running or queued before this one. */
  next(session: Subscribable, turnsAhead: number): Promise<TurnOutcome> {
    let skip = turnsAhead;
    return new Promise((resolve) => {
      let events: AgentEvent[] = [];
      let inTurn = false;
      const finish = (outcome: Omit<TurnOutcome, 'events'>) => {
        if (skip > 0) {
          skip -= 1;
          inTurn = false;
          events = [];
          return;
        }
        unsubscribe();
        resolve({ ...outcome, events });
      };
      const unsubscribe = session.subscribe((event) => {
        if (event.type === 'processing') inTurn = true;
        if (inTurn) events.push(event);
        if (!inTurn && event.type !== 'shutdown') return;
        switch (event.type) {
          case 'turn_complete':
            return finish({ status: 'completed', reason: event.reason, text: event.final_text, iterations: event.iterations });
          case 'error':
            return finish({ status: 'error', text: '', iterations: 0, error: { code: event.code, message: event.message } });
          case 'interrupted':
            return finish({ status: 'interrupted', text: '', iterations: 0 });
          case 'session_terminated':
            return finish({ status: 'terminated', text: event.message, iterations: 0, error: { code: event.reason, message: event.message } });
          case 'shutdown':
            skip = 0;
            return finish({ status: 'interrupted', text: '', iterations: 0 });
          default:
            return;
        }
      });
    });
  }
}
