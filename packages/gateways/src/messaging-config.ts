import { ConfigError } from '@ml-intern/core';
import { z } from 'zod';

/** Destination names: lowercase letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const DESTINATION_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** Events that can trigger an automatic notification. */
export const AUTO_EVENT_TYPES = ['approval_required', 'error', 'turn_complete', 'session_terminated'] as const;
export type AutoEventType = (typeof AUTO_EVENT_TYPES)[number];

/** What `auto_event_types` is when the config does not say. */
export const DEFAULT_AUTO_EVENT_TYPES: readonly AutoEventType[] = ['approval_required', 'error', 'turn_complete'];

const allowFlags = {
  /** The agent's `notify` tool may send here. */
  allow_agent_tool: z.boolean().default(false),
  /** Automatic notifications (`auto_event_types`) are sent here. */
  allow_auto_events: z.boolean().default(false),
};

export const slackDestinationSchema = z.strictObject({
  provider: z.literal('slack'),
  /** Bot token (`xoxb-…`) with the `chat:write` scope. */
  token: z.string().trim().min(1, 'must not be empty'),
  /** Channel id (`C…`); the bot must be invited to it. */
  channel: z.string().trim().min(1, 'must not be empty'),
  ...allowFlags,
  /** Web API base URL for GovSlack or a proxy, e.g. `https://slack-gov.com/api/`. */
  api_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://slack.com/api/' }).optional(),
  username: z.string().min(1).optional(),
  icon_emoji: z.string().min(1).optional(),
});

export const webhookDestinationSchema = z.strictObject({
  provider: z.literal('webhook'),
  /** Receives a POST with the notification and the event as JSON. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** Extra request headers, e.g. `Authorization`. */
  headers: z.record(z.string(), z.string()).optional(),
  ...allowFlags,
});

export const destinationSchema = z.discriminatedUnion('provider', [slackDestinationSchema, webhookDestinationSchema], {
  error: 'provider must be "slack" or "webhook"',
});

/** The `messaging` section of the JSON config (SPEC section 10). Reused by the core config loader. */
export const messagingConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  auto_event_types: z
    .array(z.enum(AUTO_EVENT_TYPES, { error: `must be one of ${AUTO_EVENT_TYPES.join(', ')}` }))
    .default([...DEFAULT_AUTO_EVENT_TYPES]),
  destinations: z
    .record(
      z.string().regex(DESTINATION_NAME_PATTERN, "destination names use lowercase letters, digits, '.', '_' or '-'"),
      destinationSchema,
    )
    .default({}),
});

/** The `messaging` section as written in a config file. */
export type MessagingConfigInput = z.input<typeof messagingConfigSchema>;
/** The `messaging` section after validation and defaults. */
export type MessagingConfig = z.output<typeof messagingConfigSchema>;

/** Where a destination came from; used to point error messages at the right setting. */
export type DestinationSource = 'config' | 'environment';

interface ResolvedDestinationBase {
  name: string;
  allowAgentTool: boolean;
  allowAutoEvents: boolean;
  source: DestinationSource;
}

export interface ResolvedSlackDestination extends ResolvedDestinationBase {
  provider: 'slack';
  token: string;
  channel: string;
  apiUrl?: string;
  username?: string;
  iconEmoji?: string;
}

export interface ResolvedWebhookDestination extends ResolvedDestinationBase {
  provider: 'webhook';
  url: string;
  headers: Record<string, string>;
}

export type ResolvedDestination = ResolvedSlackDestination | ResolvedWebhookDestination;

/** Messaging settings with the environment applied: what `createGateways` takes. */
export interface ResolvedMessagingConfig {
  enabled: boolean;
  autoEventTypes: AutoEventType[];
  destinations: ResolvedDestination[];
}

/** Environment variables, e.g. `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

function keyPathOf(path: readonly PropertyKey[]): string {
  return ['messaging', ...path.map(String)].join('.');
}

/** Validate a `messaging` section, throwing `ConfigError` with the key path of the first problem. */
export function parseMessagingConfig(config: unknown): MessagingConfig {
  const result = messagingConfigSchema.safeParse(config ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [...(issue?.path ?? [])];
  if (issue?.code === 'unrecognized_keys' && issue.keys.length === 1) path.push(issue.keys[0] as string);
  const keyPath = keyPathOf(path);
  let detail = issue?.message ?? 'invalid value';
  if (issue?.code === 'invalid_key') detail = `"${String(issue.path.at(-1))}" is not a valid destination name: use lowercase letters, digits, '.', '_' or '-'`;
  if (issue?.code === 'unrecognized_keys') detail = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  throw new ConfigError(`Invalid messaging config at ${keyPath}: ${detail}`, { keyPath, cause: result.error });
}
