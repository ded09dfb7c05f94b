import { ConfigError } from '@ml-intern/core';
import type { NotificationSender } from './delivery-failure.js';
import { type DeliveryRetryOptions, DestinationGateway, type GatewayReport, type NotificationGateway } from './destination-gateway.js';
import type { ResolvedDestination, ResolvedMessagingConfig } from './messaging-config.js';
import { createSlackSender } from './slack-sender.js';
import { createWebhookSender } from './webhook-sender.js';

export interface CreateGatewaysOptions {
  /**
   * Receives delivery problems the user should see (bad token, unknown channel, unreachable
   * API, dropped notifications), once per destination and cause; route it to a `tool_log`-like
   * event or stderr. Never receives a secret.
   */
  report(message: string, details: GatewayReport): void;
  /** `fetch` used for every request (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
  /**
   * Slack Web API base URL for destinations without `api_url`: pass `process.env.SLACK_API_URL`
   * (GovSlack: https://slack-gov.com/api/). Default https://slack.com/api/; a missing trailing
   * slash is added.
   */
  slackApiUrl?: string;
  /** Pending notifications kept per destination before the oldest is dropped (default 100). */
  queueSize?: number;
  retry?: DeliveryRetryOptions;
  /** Timeout of one HTTP request in ms (default 10,000). */
  requestTimeoutMs?: number;
  /** Waits between attempts (default: an abortable timer); tests inject one to observe delays. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Model named in notification metadata until the session's events name one. */
  model?: string;
}

function checkUrl(url: string | undefined, keyPath: string): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${keyPath} "${url}" is not a URL (expected e.g. https://slack.com/api/)`, { keyPath });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${keyPath} "${url}" must be an http(s) URL`, { keyPath });
  }
}

function createSender(destination: ResolvedDestination, options: CreateGatewaysOptions): NotificationSender {
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  if (destination.provider === 'webhook') return createWebhookSender(destination, { ...fetchOption, requestTimeoutMs });
  const slackApiUrl = options.slackApiUrl === undefined || options.slackApiUrl === '' ? {} : { slackApiUrl: options.slackApiUrl };
  return createSlackSender(destination, { ...fetchOption, ...slackApiUrl, requestTimeoutMs });
}

/**
 * One `NotificationGateway` per configured destination (none when messaging is disabled). Pass
 * them to the session (`gateways`) so events reach them, and to `createNotifyTool`. Each
 * delivers in the background with its own bounded queue; call `flush(timeoutMs)` on shutdown.
 */
export function createGateways(config: ResolvedMessagingConfig, options: CreateGatewaysOptions): NotificationGateway[] {
  if (!config.enabled) return [];
  checkUrl(options.slackApiUrl || undefined, 'SLACK_API_URL');
  return config.destinations.map((destination) => {
    const sender = createSender(destination, options);
    return new DestinationGateway(destination, sender, {
      report: options.report,
      autoEventTypes: config.autoEventTypes,
      ...(options.queueSize === undefined ? {} : { queueSize: options.queueSize }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      ...(options.model === undefined ? {} : { model: options.model }),
    });
  });
}
