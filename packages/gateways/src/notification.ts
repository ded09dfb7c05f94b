import type { AgentEvent } from '@ml-intern/events';

export const NOTIFICATION_SEVERITIES = ['info', 'success', 'warning', 'error'] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

/** One message to a destination, before it is rendered for a provider. */
export interface Notification {
  /** Short title; rendered after the severity tag, e.g. `[WARNING] Approval required`. */
  title?: string;
  /** Markdown body (converted to mrkdwn for Slack). */
  message: string;
  severity: NotificationSeverity;
  /** Rendered as a context line, in this order; typically `session_id`, `model`, `event_type`. */
  metadata: Record<string, string>;
  /** The event behind an automatic notification; webhooks receive it whole. */
  event?: AgentEvent;
}

/** Outcome of one notification at one destination. */
export interface DeliveryResult {
  destination: string;
  ok: boolean;
  /** What went wrong, with how to fix it when known. */
  error?: string;
  /** Provider id of the message (Slack `ts`). */
  externalId?: string;
}
