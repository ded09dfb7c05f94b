export { createGateways } from './create-gateways.js';
export type { CreateGatewaysOptions } from './create-gateways.js';
export { DEFAULT_FLUSH_TIMEOUT_MS } from './destination-gateway.js';
export type { DeliveryRetryOptions, GatewayReport, GatewayStats, NotificationGateway } from './destination-gateway.js';
export { MAX_AUTO_MESSAGE_CHARS, notificationForEvent } from './event-notification.js';
export { escapeMrkdwn, markdownToMrkdwn } from './markdown-to-mrkdwn.js';
export {
  AUTO_EVENT_TYPES,
  DEFAULT_AUTO_EVENT_TYPES,
  DESTINATION_NAME_PATTERN,
  destinationSchema,
  messagingConfigSchema,
  parseMessagingConfig,
  slackDestinationSchema,
  webhookDestinationSchema,
} from './messaging-config.js';
export type {
  AutoEventType,
  DestinationSource,
  Environment,
  MessagingConfig,
  MessagingConfigInput,
  ResolvedDestination,
  ResolvedMessagingConfig,
  ResolvedSlackDestination,
  ResolvedWebhookDestination,
} from './messaging-config.js';
export { NOTIFICATION_SEVERITIES } from './notification.js';
export type { DeliveryResult, Notification, NotificationSeverity } from './notification.js';
export { createNotifyTool } from './notify-tool.js';
export type { NotifyToolOptions } from './notify-tool.js';
export { resolveMessagingConfig } from './resolve-messaging-config.js';
export { SLACK_DEFAULT_DESTINATION } from './slack-environment-defaults.js';
export { SLACK_BLOCK_LIMIT, SLACK_SECTION_TEXT_LIMIT, SLACK_TEXT_LIMIT, formatSlackMessage } from './slack-message.js';
export type { SlackBlock, SlackMessage } from './slack-message.js';
export { DEFAULT_SLACK_API_URL } from './slack-sender.js';
export type { WebhookPayload } from './webhook-sender.js';
