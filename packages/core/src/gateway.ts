import type { AgentEvent } from '@ml-intern/events';

/**
 * Receives every event of a session and sends notifications somewhere (Slack, a webhook).
 * `handle` must return at once and never throw: delivery happens in the background.
 */
export interface Gateway {
  readonly name: string;
  handle(event: AgentEvent): void;
  /** Deliver what is pending, giving up after `timeoutMs`. Called on shutdown. */
  flush(timeoutMs?: number): Promise<void>;
}
