import { ConfigError } from '@ml-intern/core';
import { AUTO_EVENT_TYPES, type AutoEventType, DESTINATION_NAME_PATTERN, type Environment, type MessagingConfig } from './messaging-config.js';

/** Name of the destination created from `SLACK_BOT_TOKEN` + `SLACK_CHANNEL_ID`. */
export const SLACK_DEFAULT_DESTINATION = 'slack.default';

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);
const FALSE_VALUES = new Set(['0', 'false', 'no', 'off']);

function readBoolean(env: Environment, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (TRUE_VALUES.has(raw)) return true;
  if (FALSE_VALUES.has(raw)) return false;
  throw new ConfigError(`${name}="${env[name]}" is not a boolean: use 1/true/yes/on or 0/false/no/off`, { keyPath: name });
}

function readEventList(env: Environment, name: string): AutoEventType[] | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!(AUTO_EVENT_TYPES as readonly string[]).includes(item)) {
      throw new ConfigError(`${name} lists unsupported event type "${item}": use a comma-separated subset of ${AUTO_EVENT_TYPES.join(', ')}`, { keyPath: name });
    }
  }
  return items as AutoEventType[];
}

export interface EnvironmentMerge {
  config: MessagingConfig;
  /** Name of the destination the environment created, when it created one. */
  environmentDestination: string | undefined;
}

/**
 * The env-only default, with the semantics of the reference implementation: when
 * `ML_INTERN_SLACK_NOTIFICATIONS` is not false and both `SLACK_BOT_TOKEN` and `SLACK_CHANNEL_ID`
 * (or `SLACK_CHANNEL`) are set, messaging is enabled and a Slack destination named
 * `ML_INTERN_SLACK_DESTINATION` (default `slack.default`) is added unless the config already
 * defines that name. Its `allow_agent_tool` / `allow_auto_events` come from
 * `ML_INTERN_SLACK_ALLOW_AGENT_TOOL` / `ML_INTERN_SLACK_ALLOW_AUTO_EVENTS` (default true), and
 * `ML_INTERN_SLACK_AUTO_EVENTS` (comma-separated) replaces `auto_event_types`.
 */
export function applySlackEnvironmentDefaults(config: MessagingConfig, env: Environment): EnvironmentMerge {
  const unchanged = { config, environmentDestination: undefined };
  if (!readBoolean(env, 'ML_INTERN_SLACK_NOTIFICATIONS', true)) return unchanged;
  const token = env.SLACK_BOT_TOKEN?.trim();
  const channel = (env.SLACK_CHANNEL_ID || env.SLACK_CHANNEL)?.trim();
  if (!token || !channel) return unchanged;

  const name = env.ML_INTERN_SLACK_DESTINATION?.trim() || SLACK_DEFAULT_DESTINATION;
  if (!DESTINATION_NAME_PATTERN.test(name)) {
    throw new ConfigError(`ML_INTERN_SLACK_DESTINATION="${name}" is not a valid destination name: use lowercase letters, digits, '.', '_' or '-'`, {
      keyPath: 'ML_INTERN_SLACK_DESTINATION',
    });
  }
  const destinations = { ...config.destinations };
  const created = !(name in destinations);
  if (created) {
    destinations[name] = {
      provider: 'slack',
      token,
      channel,
      allow_agent_tool: readBoolean(env, 'ML_INTERN_SLACK_ALLOW_AGENT_TOOL', true),
      allow_auto_events: readBoolean(env, 'ML_INTERN_SLACK_ALLOW_AUTO_EVENTS', true),
    };
  }
  const autoEvents = readEventList(env, 'ML_INTERN_SLACK_AUTO_EVENTS');
  return {
    config: { enabled: true, auto_event_types: autoEvents ?? config.auto_event_types, destinations },
    environmentDestination: created ? name : undefined,
  };
}
