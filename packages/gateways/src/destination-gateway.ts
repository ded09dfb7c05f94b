import type { Gateway } from '@ml-intern/core';
import type { AgentEvent } from '@ml-intern/events';
import { DeliveryFailure, type NotificationSender } from './delivery-failure.js';
import { isAutoEventType, notificationForEvent } from './event-notification.js';
import type { AutoEventType, ResolvedDestination } from './messaging-config.js';
import type { DeliveryResult, Notification } from './notification.js';

/** How long `flush()` waits when no timeout is given. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;

/** Retry policy for one notification. */
export interface DeliveryRetryOptions {
  /** Attempts including the first (default 4). */
  maxAttempts?: number;
  /** First backoff in ms when the server gives no `Retry-After` (default 1,000); doubles, with jitter. */
  baseDelayMs?: number;
  /** Longest wait between attempts (default 60,000); a longer `Retry-After` fails the notification. */
  maxDelayMs?: number;
}

/** A problem the user should know about, passed to `report` once per destination and cause. */
export interface GatewayReport {
  destination: string;
  /** Cause (`invalid_auth`, `unreachable`, `queue_full`, `shutdown`, …). */
  code: string;
  level: 'warn' | 'error';
}

/** Delivery counters of one destination. */
export interface GatewayStats {
  /** Queued or in delivery. */
  pending: number;
  sent: number;
  failed: number;
  /** Dropped because the queue was full, or abandoned when `flush` timed out. */
  dropped: number;
}

/** A `Gateway` for one messaging destination; the `notify` tool sends through `send`. */
export interface NotificationGateway extends Gateway {
  /** The destination name (`slack.default`). */
  readonly name: string;
  readonly provider: 'slack' | 'webhook';
  readonly allowAgentTool: boolean;
  readonly allowAutoEvents: boolean;
  /** Queue a notification and resolve with its outcome (never rejects). */
  send(notification: Notification, options?: { signal?: AbortSignal }): Promise<DeliveryResult>;
  stats(): GatewayStats;
}

export interface DestinationGatewayOptions {
  report(message: string, details: GatewayReport): void;
  autoEventTypes: readonly AutoEventType[];
  /** Pending notifications kept per destination before the oldest is dropped (default 100). */
  queueSize?: number;
  retry?: DeliveryRetryOptions;
  /** Waits between attempts; injectable so tests observe `Retry-After` without real waiting. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Model named in notification metadata until a `session_started` or `llm_call` event names one. */
  model?: string;
}

interface Job {
  notification: Notification;
  resolve(result: DeliveryResult): void;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    // Unref'd: a pending retry never keeps the process alive; shutdown goes through flush().
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref?.();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const isPowerOfTen = (value: number) => /^10*$/.test(String(value));

/**
 * Delivers notifications for one destination in the background: a bounded FIFO queue (the
 * oldest pending notification is dropped when full), one delivery at a time, retries that honour
 * `Retry-After`, and each failure cause reported once. `handle` never blocks or throws.
 */
export class DestinationGateway implements NotificationGateway {
  readonly name: string;
  readonly provider: 'slack' | 'webhook';
  readonly allowAgentTool: boolean;
  readonly allowAutoEvents: boolean;
  private readonly queue: Job[] = [];
  private readonly autoEventTypes: ReadonlySet<string>;
  private readonly reported = new Set<string>();
  private readonly models = new Map<string, string>();
  private readonly counts = { sent: 0, failed: 0, dropped: 0 };
  /** Drops caused by a full queue (the warning is repeated at 1, 10, 100, …). */
  private overflowed = 0;
  private readonly capacity: number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly retry: Required<DeliveryRetryOptions>;
  private controller = new AbortController();
  /** The pump is running (it may not have taken its first job yet). */
  private active = false;
  /** The job being delivered. */
  private current: Job | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    destination: ResolvedDestination,
    private readonly sender: NotificationSender,
    private readonly options: DestinationGatewayOptions,
  ) {
    this.name = destination.name;
    this.provider = destination.provider;
    this.allowAgentTool = destination.allowAgentTool;
    this.allowAutoEvents = destination.allowAutoEvents;
    this.autoEventTypes = new Set(options.autoEventTypes);
    this.capacity = Math.max(1, options.queueSize ?? 100);
    this.sleep = options.sleep ?? abortableSleep;
    this.retry = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 60_000, ...options.retry };
  }

  handle(event: AgentEvent): void {
    try {
      if (event.type === 'session_started' || event.type === 'llm_call') this.models.set(event.session_id, event.model);
      if (!this.allowAutoEvents || !isAutoEventType(event.type) || !this.autoEventTypes.has(event.type)) return;
      const notification = notificationForEvent(event, this.models.get(event.session_id) ?? this.options.model);
      if (notification) this.enqueue({ notification, resolve: () => {} });
    } catch (error) {
      this.reportOnce('internal', `could not queue a notification for the ${event?.type} event: ${(error as Error)?.message}`, 'error');
    }
  }

  send(notification: Notification, options: { signal?: AbortSignal } = {}): Promise<DeliveryResult> {
    return new Promise((resolve) => {
      const { signal } = options;
      if (signal?.aborted) return resolve(this.failure('cancelled before sending'));
      let settled = false;
      const settle = (result: DeliveryResult) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const job: Job = { notification, resolve: settle };
      // A queued message is withdrawn; one already in delivery finishes in the background.
      const onAbort = () => {
        const index = this.queue.indexOf(job);
        if (index >= 0) this.queue.splice(index, 1);
        settle(this.failure(index >= 0 ? 'cancelled before sending' : 'cancelled while sending (it may still arrive)'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.enqueue(job);
    });
  }

  async flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<void> {
    if (!this.active && this.queue.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<false>((resolve) => this.idleWaiters.push(() => resolve(false)));
    const timeout = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), Math.max(0, timeoutMs));
    });
    const timedOut = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (!timedOut) return;
    const abandoned = this.queue.splice(0);
    const count = abandoned.length + (this.current ? 1 : 0);
    this.controller.abort(new DeliveryFailure('shutdown', 'gave up at shutdown', { retryable: false }));
    this.controller = new AbortController();
    this.counts.dropped += abandoned.length;
    for (const job of abandoned) job.resolve(this.failure('not delivered: gave up waiting at shutdown'));
    this.safeReport(`${count} notification${count === 1 ? '' : 's'} to "${this.name}" not delivered: gave up after waiting ${timeoutMs} ms at shutdown.`, 'shutdown', 'warn');
  }

  stats(): GatewayStats {
    return { pending: this.queue.length + (this.current ? 1 : 0), ...this.counts };
  }

  private enqueue(job: Job): void {
    if (this.queue.length >= this.capacity) {
      const oldest = this.queue.shift() as Job;
      this.counts.dropped += 1;
      this.overflowed += 1;
      oldest.resolve(this.failure('dropped: too many notifications were waiting'));
      if (isPowerOfTen(this.overflowed)) {
        this.safeReport(
          `Notifications to "${this.name}" are backing up: at most ${this.capacity} can wait, so the oldest was dropped (${this.overflowed} dropped so far).`,
          'queue_full',
          'warn',
        );
      }
    }
    this.queue.push(job);
    if (!this.active) {
      this.active = true;
      queueMicrotask(() => void this.pump());
    }
  }

  private async pump(): Promise<void> {
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        this.current = job;
        const result = await this.deliver(job.notification, this.controller.signal);
        if (result.ok) this.counts.sent += 1;
        else this.counts.failed += 1;
        this.current = undefined;
        job.resolve(result);
      }
    } finally {
      this.current = undefined;
      this.active = false;
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async deliver(notification: Notification, signal: AbortSignal): Promise<DeliveryResult> {
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) return this.failure('not delivered: gave up waiting at shutdown');
      let failure: DeliveryFailure;
      try {
        const { externalId } = await this.sender.send(notification, signal);
        return { destination: this.name, ok: true, ...(externalId === undefined ? {} : { externalId }) };
      } catch (error) {
        if (signal.aborted) return this.failure('not delivered: gave up waiting at shutdown');
        failure = error instanceof DeliveryFailure ? error : new DeliveryFailure('internal', String((error as Error)?.message ?? error), { retryable: false });
      }
      if (!failure.retryable || attempt >= this.retry.maxAttempts) {
        const message = failure.retryable ? `${failure.message} Gave up after ${attempt} attempts.` : failure.message;
        this.reportOnce(failure.code, message, 'error');
        return this.failure(message);
      }
      const delay = failure.retryAfterMs ?? this.backoff(attempt);
      if (delay > this.retry.maxDelayMs) {
        const message = `${failure.message} Asked to wait ${Math.ceil(delay / 1000)} s, longer than the ${Math.round(this.retry.maxDelayMs / 1000)} s limit.`;
        this.reportOnce(failure.code, message, 'error');
        return this.failure(message);
      }
      try {
        await this.sleep(delay, signal);
      } catch {
        return this.failure('not delivered: gave up waiting at shutdown');
      }
    }
  }

  private backoff(attempt: number): number {
    const exponential = this.retry.baseDelayMs * 2 ** (attempt - 1);
    return Math.min(this.retry.maxDelayMs, exponential + exponential * 0.25 * Math.random());
  }

  private failure(error: string): DeliveryResult {
    return { destination: this.name, ok: false, error };
  }

  private reportOnce(code: string, message: string, level: GatewayReport['level']): void {
    if (this.reported.has(code)) return;
    this.reported.add(code);
    this.safeReport(`Notifications to ${this.provider} destination "${this.name}" failed: ${message} (Later failures with the same cause are not reported again.)`, code, level);
  }

  private safeReport(message: string, code: string, level: GatewayReport['level']): void {
    try {
      this.options.report(message, { destination: this.name, code, level });
    } catch {
      // A failing report callback must not break delivery or the agent.
    }
  }
}
