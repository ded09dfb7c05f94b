import { httpFetch } from '@ml-intern/core';
import { ErrorCode, type FetchFunction, type Logger, LogLevel, WebClient } from '@slack/web-api';
import { DeliveryFailure, type NotificationSender, describeNetworkError } from './delivery-failure.js';
import type { ResolvedSlackDestination } from './messaging-config.js';
import type { Notification } from './notification.js';
import { formatSlackMessage } from './slack-message.js';

/** Slack's public Web API. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Error codes of `ok:false` answers worth retrying; everything else is permanent. */
const TRANSIENT_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'not_allowed_token_type']);

// The SDK logs rate limits and request failures on its own; failures reach the user through
// `report` instead, once per cause, so its logger stays silent.
const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/** `SLACK_API_URL`-style base URL with the trailing slash the SDK needs. */
export function normalizeSlackApiUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function settingOf(destination: ResolvedSlackDestination, key: 'token' | 'channel'): string {
  if (destination.source === 'environment') return key === 'token' ? 'SLACK_BOT_TOKEN' : 'SLACK_CHANNEL_ID';
  return `messaging.destinations.${destination.name}.${key}`;
}

/** What a Slack error code means for this destination and how to fix it. */
function explainPlatformError(code: string, destination: ResolvedSlackDestination): string {
  const channel = destination.channel;
  if (AUTH_ERRORS.has(code)) {
    return `Slack rejected the bot token (${code}). Check ${settingOf(destination, 'token')}: it must be the bot token (xoxb-…) of an app installed in the workspace.`;
  }
  switch (code) {
    case 'channel_not_found':
      return `Slack channel "${channel}" was not found (channel_not_found). Set ${settingOf(destination, 'channel')} to the channel ID (like C0123456789, shown in the channel's details), not its name.`;
    case 'not_in_channel':
      return `The Slack bot is not a member of channel "${channel}" (not_in_channel). Invite it by typing /invite @<your bot> in that channel.`;
    case 'is_archived':
      return `Slack channel "${channel}" is archived (is_archived). Unarchive it or set ${settingOf(destination, 'channel')} to another channel.`;
    case 'missing_scope':
      return 'The bot token lacks the chat:write scope (missing_scope). Add it under OAuth & Permissions in the Slack app settings, then reinstall the app.';
    case 'msg_too_long':
    case 'invalid_blocks':
      return `Slack refused the message format (${code}); this is a bug in ml-intern's Slack formatting, please report it.`;
    default:
      return `Slack answered "${code}" to chat.postMessage.`;
  }
}

function classify(error: unknown, destination: ResolvedSlackDestination, apiUrl: string): DeliveryFailure {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === ErrorCode.RateLimitedError) {
    const seconds = (error as { retryAfter: number }).retryAfter;
    return new DeliveryFailure('ratelimited', `Slack rate-limited chat.postMessage (Retry-After ${seconds} s).`, { retryable: true, retryAfterMs: seconds * 1000, cause: error });
  }
  if (code === ErrorCode.PlatformError) {
    const data = (error as { data: { error: string; response_metadata?: { retryAfter?: number } } }).data;
    const retryAfter = data.response_metadata?.retryAfter;
    return new DeliveryFailure(data.error, explainPlatformError(data.error, destination), {
      retryable: TRANSIENT_ERRORS.has(data.error),
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter * 1000 }),
      cause: error,
    });
  }
  if (code === ErrorCode.HTTPError) {
    const status = (error as { statusCode: number }).statusCode;
    const retryable = status >= 500 || status === 408;
    const hint = status === 404 ? ` Check that ${apiUrl} is a Slack Web API base URL (it ends in /api/).` : '';
    return new DeliveryFailure(`http_${status}`, `The Slack API at ${apiUrl} answered HTTP ${status}.${hint}`, { retryable, cause: error });
  }
  const reason = describeNetworkError(error);
  return new DeliveryFailure('unreachable', `Could not reach the Slack API at ${apiUrl} (${reason}).`, { retryable: true, cause: error });
}

export interface SlackSenderOptions {
  /** Base URL used when the destination has no `api_url` (default https://slack.com/api/). */
  slackApiUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Per-request timeout in ms. */
  requestTimeoutMs: number;
}

/**
 * Posts notifications with `@slack/web-api`'s `chat.postMessage`. The SDK's own retries are off
 * and rate-limited calls are rejected at once (`rejectRateLimitedCalls`): the SDK would wait out
 * `Retry-After` in a timer that can be neither cancelled at shutdown nor observed, so the
 * delivery queue does the waiting instead, with the delay the error carries.
 */
export function createSlackSender(destination: ResolvedSlackDestination, options: SlackSenderOptions): NotificationSender {
  const apiUrl = normalizeSlackApiUrl(destination.apiUrl ?? options.slackApiUrl ?? DEFAULT_SLACK_API_URL);
  // core's httpFetch honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY (Node 20's own fetch does not).
  const baseFetch = options.fetch ?? httpFetch;
  // One delivery at a time per destination, so the signal of the current one is all the wrapper needs.
  let currentSignal: AbortSignal | undefined;
  const fetchWithSignal: FetchFunction = (url, init) => {
    const signals = [init?.signal, currentSignal].filter((signal): signal is AbortSignal => signal !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    // Node's Response satisfies the SDK's FetchResponse; the DOM lib typings lack `Headers.entries`.
    return baseFetch(url, { ...init, ...(signal ? { signal } : {}) } as RequestInit) as unknown as ReturnType<FetchFunction>;
  };
  const client = new WebClient(destination.token, {
    slackApiUrl: apiUrl,
    fetch: fetchWithSignal,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.requestTimeoutMs,
    logger: silentLogger,
  });
  return {
    provider: 'slack',
    async send(notification: Notification, signal: AbortSignal) {
      const message = formatSlackMessage(notification);
      currentSignal = signal;
      try {
        const result = await client.chat.postMessage({
          channel: destination.channel,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(destination.username === undefined ? {} : { username: destination.username }),
          ...(destination.iconEmoji === undefined ? {} : { icon_emoji: destination.iconEmoji }),
        });
        return result.ts === undefined ? {} : { externalId: result.ts };
      } catch (error) {
        throw classify(error, destination, apiUrl);
      } finally {
        currentSignal = undefined;
      }
    },
  };
}
