import { parseRetryAfter } from '@ml-intern/core';
import { DeliveryFailure, type NotificationSender, describeNetworkError } from './delivery-failure.js';
import type { ResolvedWebhookDestination } from './messaging-config.js';
import type { Notification } from './notification.js';

/** The JSON body a webhook destination receives. */
export interface WebhookPayload {
  destination: string;
  severity: Notification['severity'];
  title: string | null;
  /** Markdown, as the agent or the event produced it. */
  message: string;
  metadata: Record<string, string>;
  /** The event behind an automatic notification (the `AgentEvent` contract), null for `notify`. */
  event: Notification['event'] | null;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);

/** Only the origin: webhook URLs often carry their secret in the path or query. */
function originOf(url: string): string {
  return new URL(url).origin;
}

function explainStatus(status: number, destination: ResolvedWebhookDestination): string {
  const where = `The webhook at ${originOf(destination.url)} answered HTTP ${status}.`;
  if (status === 401 || status === 403) return `${where} Check the credentials in messaging.destinations.${destination.name}.headers.`;
  if (status === 404 || status === 410) return `${where} Check messaging.destinations.${destination.name}.url.`;
  return where;
}

export interface WebhookSenderOptions {
  fetch?: typeof globalThis.fetch;
  /** Per-request timeout in ms. */
  requestTimeoutMs: number;
}

/** POSTs each notification as JSON (`WebhookPayload`) to the destination URL. */
export function createWebhookSender(destination: ResolvedWebhookDestination, options: WebhookSenderOptions): NotificationSender {
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  return {
    provider: 'webhook',
    async send(notification, signal) {
      const payload: WebhookPayload = {
        destination: destination.name,
        severity: notification.severity,
        title: notification.title ?? null,
        message: notification.message,
        metadata: notification.metadata,
        event: notification.event ?? null,
      };
      let response: Response;
      try {
        response = await fetchImplementation(destination.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'ml-intern-gateways', ...destination.headers },
          body: JSON.stringify(payload),
          redirect: 'error',
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.requestTimeoutMs)]),
        });
      } catch (error) {
        const reason = describeNetworkError(error);
        throw new DeliveryFailure('unreachable', `Could not reach the webhook at ${originOf(destination.url)} (${reason}).`, { retryable: true, cause: error });
      }
      // Read the body so the connection is released; its content is not needed.
      await response.text().catch(() => '');
      if (response.ok) return {};
      const status = response.status;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new DeliveryFailure(`http_${status}`, explainStatus(status, destination), {
        retryable: status >= 500 || RETRYABLE_STATUS.has(status),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    },
  };
}
