import type { Notification } from './notification.js';

/** Why one delivery attempt failed, classified by the sender so the queue knows what to do next. */
export class DeliveryFailure extends Error {
  /** Stable cause (`invalid_auth`, `unreachable`, `http_404`, …); failures are reported once per code. */
  readonly code: string;
  /** Worth another attempt (rate limits, 5xx, network errors). */
  readonly retryable: boolean;
  /** The server's `Retry-After`, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryFailure';
    this.code = code;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The innermost readable reason of a network error (`ECONNREFUSED`, `fetch failed`, …). */
export function describeNetworkError(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('slack_')) return code;
    if (current.cause === undefined) break;
    current = current.cause;
  }
  if (current instanceof Error) return current.name === 'TimeoutError' ? 'timed out' : current.message;
  return String(current);
}

/** The contract every destination implements: send once, or throw a `DeliveryFailure`. */
export interface NotificationSender {
  readonly provider: 'slack' | 'webhook';
  send(notification: Notification, signal: AbortSignal): Promise<{ externalId?: string }>;
}
