import type { AgentEvent } from '@ml-intern/events';
import type { Session } from './session.js';

/** The session's next event of one of these types (for tests that drive a session step by step). */
export function nextEvent(session: Session, ...types: AgentEvent['type'][]): Promise<AgentEvent> {
  return new Promise((resolve) => {
    const off = session.subscribe((event) => {
      if (types.includes(event.type)) {
        off();
        resolve(event);
      }
    });
  });
}
