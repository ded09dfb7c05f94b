import { ConfigError } from '@ml-intern/core';
import { describe, expect, it } from 'vitest';
import { messagingConfigSchema } from './messaging-config.js';
import { resolveMessagingConfig } from './resolve-messaging-config.js';

const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-env', SLACK_CHANNEL_ID: 'C0ENV' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveMessagingConfig', () => {
  it('is disabled with no config and no environment', () => {
    expect(resolveMessagingConfig(undefined, {})).toEqual({ enabled: false, autoEventTypes: ['approval_required', 'error', 'turn_complete'], destinations: [] });
  });

  it('creates slack.default from SLACK_BOT_TOKEN + SLACK_CHANNEL_ID, allowing the tool and auto events', () => {
    expect(resolveMessagingConfig(undefined, slackEnv)).toEqual({
      enabled: true,
      autoEventTypes: ['approval_required', 'error', 'turn_complete'],
      destinations: [{ name: 'slack.default', provider: 'slack', token: 'xoxb-env', channel: 'C0ENV', allowAgentTool: true, allowAutoEvents: true, source: 'environment' }],
    });
  });

  it('accepts SLACK_CHANNEL when SLACK_CHANNEL_ID is missing', () => {
    const resolved = resolveMessagingConfig(undefined, { SLACK_BOT_TOKEN: 'xoxb-env', SLACK_CHANNEL: 'C0OTHER' });
    expect(resolved.destinations[0]).toMatchObject({ channel: 'C0OTHER' });
  });

  it('needs both the token and the channel', () => {
    expect(resolveMessagingConfig(undefined, { SLACK_BOT_TOKEN: 'xoxb-env' }).enabled).toBe(false);
    expect(resolveMessagingConfig(undefined, { SLACK_CHANNEL_ID: 'C1' }).enabled).toBe(false);
  });

  it('applies the ML_INTERN_SLACK_* variables', () => {
    const resolved = resolveMessagingConfig(undefined, {
      ...slackEnv,
      ML_INTERN_SLACK_DESTINATION: 'slack.ops',
      ML_INTERN_SLACK_AUTO_EVENTS: 'error, turn_complete',
      ML_INTERN_SLACK_ALLOW_AGENT_TOOL: 'no',
      ML_INTERN_SLACK_ALLOW_AUTO_EVENTS: 'ON',
    });
    expect(resolved.autoEventTypes).toEqual(['error', 'turn_complete']);
    expect(resolved.destinations).toEqual([expect.objectContaining({ name: 'slack.ops', allowAgentTool: false, allowAutoEvents: true })]);
  });

  it('ML_INTERN_SLACK_NOTIFICATIONS=false turns the env default off but keeps the JSON config', () => {
    expect(resolveMessagingConfig(undefined, { ...slackEnv, ML_INTERN_SLACK_NOTIFICATIONS: 'false' }).enabled).toBe(false);
    const config = { enabled: true, destinations: { hook: { provider: 'webhook', url: 'https://hooks.example.com/x' } } };
    const resolved = resolveMessagingConfig(config, { ...slackEnv, ML_INTERN_SLACK_NOTIFICATIONS: '0' });
    expect(resolved.destinations.map((destination) => destination.name)).toEqual(['hook']);
  });

  it('merges the env default with JSON destinations; a JSON destination of the same name wins', () => {
    const config = {
      auto_event_types: ['error'],
      destinations: {
        'slack.default': { provider: 'slack', token: 'xoxb-json', channel: 'C0JSON', allow_auto_events: true },
        hook: { provider: 'webhook', url: 'https://hooks.example.com/x', headers: { authorization: 'Bearer s' }, allow_agent_tool: true },
      },
    };
    const resolved = resolveMessagingConfig(config, slackEnv);
    expect(resolved.enabled).toBe(true);
    expect(resolved.autoEventTypes).toEqual(['error']);
    expect(resolved.destinations).toEqual([
      { name: 'slack.default', provider: 'slack', token: 'xoxb-json', channel: 'C0JSON', allowAgentTool: false, allowAutoEvents: true, source: 'config' },
      { name: 'hook', provider: 'webhook', url: 'https://hooks.example.com/x', headers: { authorization: 'Bearer s' }, allowAgentTool: true, allowAutoEvents: false, source: 'config' },
    ]);
  });

  it('keeps api_url, username and icon_emoji of a Slack destination', () => {
    const config = {
      enabled: true,
      destinations: { gov: { provider: 'slack', token: 't', channel: 'C1', api_url: 'https://slack-gov.com/api/', username: 'intern', icon_emoji: ':robot_face:' } },
    };
    expect(resolveMessagingConfig(config, {}).destinations[0]).toMatchObject({ apiUrl: 'https://slack-gov.com/api/', username: 'intern', iconEmoji: ':robot_face:' });
  });

  it.each([
    ['an unknown provider', { destinations: { chat: { provider: 'discord', url: 'https://x' } } }, 'messaging.destinations.chat.provider', /"slack" or "webhook"/],
    ['a missing provider', { destinations: { chat: { token: 't', channel: 'C' } } }, 'messaging.destinations.chat.provider', /"slack" or "webhook"/],
    ['an invalid destination name', { destinations: { 'Slack Ops': { provider: 'slack', token: 't', channel: 'C' } } }, 'messaging.destinations.Slack Ops', /not a valid destination name/],
    ['an empty token', { destinations: { ops: { provider: 'slack', token: ' ', channel: 'C' } } }, 'messaging.destinations.ops.token', /must not be empty/],
    ['a misspelt flag', { destinations: { ops: { provider: 'slack', token: 't', channel: 'C', allow_agent_tools: true } } }, 'messaging.destinations.ops.allow_agent_tools', /unknown key "allow_agent_tools"/],
    ['a bad api_url', { destinations: { ops: { provider: 'slack', token: 't', channel: 'C', api_url: 'slack-gov' } } }, 'messaging.destinations.ops.api_url', /http\(s\) URL/],
    ['an unknown auto event', { auto_event_types: ['tool_call'] }, 'messaging.auto_event_types.0', /must be one of/],
    ['enabled without destinations', { enabled: true }, 'messaging.enabled', /no destination is configured/],
  ])('rejects %s with a ConfigError naming the key path', (_name, config, keyPath, message) => {
    const error = configError(() => resolveMessagingConfig(config, {}));
    expect(error.keyPath).toBe(keyPath);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['ML_INTERN_SLACK_DESTINATION', { ML_INTERN_SLACK_DESTINATION: 'Slack Default' }, /not a valid destination name/],
    ['ML_INTERN_SLACK_AUTO_EVENTS', { ML_INTERN_SLACK_AUTO_EVENTS: 'error,tool_call' }, /unsupported event type "tool_call"/],
    ['ML_INTERN_SLACK_ALLOW_AGENT_TOOL', { ML_INTERN_SLACK_ALLOW_AGENT_TOOL: 'maybe' }, /not a boolean/],
    ['ML_INTERN_SLACK_NOTIFICATIONS', { ML_INTERN_SLACK_NOTIFICATIONS: 'disable' }, /not a boolean/],
  ])('rejects a bad %s', (variable, env, message) => {
    const error = configError(() => resolveMessagingConfig(undefined, { ...slackEnv, ...env }));
    expect(error.keyPath).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('xoxb-env');
  });

  it('never puts the token in a config error', () => {
    const error = configError(() => resolveMessagingConfig({ destinations: { ops: { provider: 'slack', token: 'xoxb-secret-value', channel: '' } } }, {}));
    expect(error.message).not.toContain('xoxb-secret-value');
  });
});

describe('messagingConfigSchema', () => {
  it('is a zod schema the config loader can embed, with defaults', () => {
    expect(messagingConfigSchema.parse({})).toEqual({ enabled: false, auto_event_types: ['approval_required', 'error', 'turn_complete'], destinations: {} });
  });
});
