import { ConfigError } from '@ml-intern/core';
import {
  type DestinationSource,
  type Environment,
  type MessagingConfig,
  parseMessagingConfig,
  type ResolvedDestination,
  type ResolvedMessagingConfig,
} from './messaging-config.js';
import { applySlackEnvironmentDefaults } from './slack-environment-defaults.js';

function resolveDestination(name: string, destination: MessagingConfig['destinations'][string], source: DestinationSource): ResolvedDestination {
  const base = { name, allowAgentTool: destination.allow_agent_tool, allowAutoEvents: destination.allow_auto_events, source };
  if (destination.provider === 'webhook') {
    return { ...base, provider: 'webhook', url: destination.url, headers: destination.headers ?? {} };
  }
  return {
    ...base,
    provider: 'slack',
    token: destination.token,
    channel: destination.channel,
    ...(destination.api_url === undefined ? {} : { apiUrl: destination.api_url }),
    ...(destination.username === undefined ? {} : { username: destination.username }),
    ...(destination.icon_emoji === undefined ? {} : { iconEmoji: destination.icon_emoji }),
  };
}

/**
 * Merge the JSON `messaging` section with the Slack environment variables (`SLACK_BOT_TOKEN` +
 * `SLACK_CHANNEL_ID` create `slack.default`; `ML_INTERN_SLACK_*` tune it) and validate the result.
 * Pure: the app passes `process.env`. Throws `ConfigError` (with `keyPath`) on invalid settings.
 */
export function resolveMessagingConfig(config: unknown, env: Environment): ResolvedMessagingConfig {
  const parsed = parseMessagingConfig(config);
  const merged = applySlackEnvironmentDefaults(parsed, env);
  const destinations = Object.entries(merged.config.destinations).map(([name, destination]) =>
    resolveDestination(name, destination, merged.environmentDestination === name ? 'environment' : 'config'),
  );
  if (merged.config.enabled && destinations.length === 0) {
    throw new ConfigError('Invalid messaging config at messaging.enabled: messaging is enabled but no destination is configured (add messaging.destinations.<name>, or set SLACK_BOT_TOKEN and SLACK_CHANNEL_ID)', {
      keyPath: 'messaging.enabled',
    });
  }
  return { enabled: merged.config.enabled, autoEventTypes: [...new Set(merged.config.auto_event_types)], destinations };
}
