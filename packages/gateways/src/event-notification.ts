import type { AgentEvent, EventOf, TurnReason } from '@ml-intern/events';
import type { AutoEventType } from './messaging-config.js';
import type { Notification } from './notification.js';

/** Longest body an automatic notification carries; longer text keeps its head and a marker. */
export const MAX_AUTO_MESSAGE_CHARS = 39_000;

function cap(text: string, limit = MAX_AUTO_MESSAGE_CHARS): string {
  if (text.length <= limit) return text;
  const marker = `\n\n… (${text.length - limit} more characters not shown)`;
  return text.slice(0, limit - marker.length) + marker;
}

function formatUsd(amount: number): string {
  return amount >= 0.01 || amount === 0 ? `$${amount.toFixed(2)}` : `$${amount.toPrecision(2)}`;
}

function describeApproval(event: EventOf<'approval_required'>): Pick<Notification, 'title' | 'message' | 'severity'> {
  const count = event.tools.length;
  const lines = event.tools.map((tool) => {
    const cost = tool.estimated_cost_usd === null ? '' : ` (estimated ${formatUsd(tool.estimated_cost_usd)})`;
    const reason = tool.reason ? ` — ${tool.reason}` : '';
    return `- \`${tool.tool}\`: ${tool.summary}${reason}${cost}`;
  });
  return {
    severity: 'warning',
    title: `Approval required for ${count} tool call${count === 1 ? '' : 's'}`,
    message: `${lines.join('\n')}\n\nThe agent is paused until you answer in the session.`,
  };
}

const TURN_TITLES: Record<TurnReason, string> = {
  done: 'Turn complete',
  max_iterations: 'Turn stopped: iteration limit reached',
  truncated: 'Turn complete (answer truncated)',
  budget_exceeded: 'Turn stopped: budget exceeded',
  loop_detected: 'Turn stopped: repeated tool calls detected',
  refusal: 'Turn ended: the model refused',
  superseded: 'Turn ended: a new message replaced the pending approvals',
};

function describeTurn(event: EventOf<'turn_complete'>): Pick<Notification, 'title' | 'message' | 'severity'> {
  // `unpriced`: some calls had no price, so a known cost is only a lower bound.
  const cost = !event.unpriced ? `cost ${formatUsd(event.cost_usd)}` : event.cost_usd > 0 ? `cost at least ${formatUsd(event.cost_usd)}` : 'cost unknown';
  const footer = `_${event.iterations} model call${event.iterations === 1 ? '' : 's'}, ${cost}_`;
  const text = event.final_text.trim() || '_(no final answer)_';
  return {
    severity: event.reason === 'done' ? 'success' : 'warning',
    title: TURN_TITLES[event.reason],
    message: `${cap(text, MAX_AUTO_MESSAGE_CHARS - footer.length - 2)}\n\n${footer}`,
  };
}

function describe(event: AgentEvent): Pick<Notification, 'title' | 'message' | 'severity'> | undefined {
  switch (event.type) {
    case 'approval_required':
      return describeApproval(event);
    case 'turn_complete':
      return describeTurn(event);
    case 'error': {
      const next = event.recoverable ? 'The session continues.' : 'The turn stopped.';
      return { severity: 'error', title: 'Agent error', message: cap(`${event.message}\n\n_Code \`${event.code}\`. ${next}_`) };
    }
    case 'session_terminated':
      return { severity: 'error', title: `Session terminated (${event.reason.replace(/_/g, ' ')})`, message: cap(event.message) };
    default:
      return undefined;
  }
}

/** True for the event types `auto_event_types` may list. */
export function isAutoEventType(type: string): type is AutoEventType {
  return type === 'approval_required' || type === 'error' || type === 'turn_complete' || type === 'session_terminated';
}

/**
 * The automatic notification for an event (`approval_required`, `error`, `turn_complete`,
 * `session_terminated`), or undefined for any other event. Tool arguments are not included:
 * only each call's one-line summary, reason and estimated cost.
 */
export function notificationForEvent(event: AgentEvent, model?: string): Notification | undefined {
  const described = describe(event);
  if (!described) return undefined;
  const metadata: Record<string, string> = { session_id: event.session_id };
  if (model) metadata.model = model;
  metadata.event_type = event.type;
  return { ...described, metadata, event };
}
