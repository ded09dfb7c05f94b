import { escapeMrkdwn, markdownToMrkdwn } from './markdown-to-mrkdwn.js';
import type { Notification, NotificationSeverity } from './notification.js';
import { splitMrkdwn } from './split-mrkdwn.js';

/** Slack truncates `text` beyond 40,000 characters. */
export const SLACK_TEXT_LIMIT = 40_000;
/** Slack rejects a section block whose text exceeds 3,000 characters. */
export const SLACK_SECTION_TEXT_LIMIT = 3_000;
/** Slack rejects a message with more than 50 blocks. */
export const SLACK_BLOCK_LIMIT = 50;

// Body budget: the whole message (title, body, metadata) stays under SLACK_TEXT_LIMIT and the
// body sections (≤ 3,000 each) under the block limit, with room for the title and context blocks.
const BODY_LIMIT = 36_000;
const TITLE_LIMIT = 200;
const METADATA_VALUE_LIMIT = 150;

const SEVERITY_EMOJI: Record<NotificationSeverity, string> = {
  info: ':information_source:',
  success: ':white_check_mark:',
  warning: ':warning:',
  error: ':x:',
};

const DEFAULT_TITLES: Record<NotificationSeverity, string> = {
  info: 'ml-intern',
  success: 'ml-intern',
  warning: 'ml-intern needs attention',
  error: 'ml-intern error',
};

export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

/** What `chat.postMessage` receives (besides channel and identity). */
export interface SlackMessage {
  /** Fallback and notification text: the whole message, under 40,000 characters. */
  text: string;
  blocks: SlackBlock[];
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function formatTitle(notification: Notification): string {
  const title = clip((notification.title ?? '').replace(/\s+/g, ' ').trim(), TITLE_LIMIT) || DEFAULT_TITLES[notification.severity];
  // Inside `*…*` the title must not contain asterisks of its own.
  return `${SEVERITY_EMOJI[notification.severity]} *[${notification.severity.toUpperCase()}] ${escapeMrkdwn(title.replace(/\*/g, ''))}*`;
}

function formatMetadata(metadata: Record<string, string>): string | undefined {
  const parts = Object.entries(metadata)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${escapeMrkdwn(key)}: \`${escapeMrkdwn(clip(value.replace(/[`\n]/g, ' '), METADATA_VALUE_LIMIT))}\``);
  return parts.length ? parts.join('  ·  ') : undefined;
}

/** Keep whole chunks while they fit in `limit`, then a marker saying how much was left out. */
function capChunks(chunks: string[], limit: number): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const [index, chunk] of chunks.entries()) {
    if (used + chunk.length > limit) {
      const omitted = chunks.slice(index).reduce((total, rest) => total + rest.length, 0);
      kept.push(`_… ${omitted} more characters not shown (Slack message limit)_`);
      break;
    }
    kept.push(chunk);
    used += chunk.length + 1;
  }
  return kept;
}

/**
 * Render a notification for `chat.postMessage`: a severity-tagged title section, the body
 * converted to mrkdwn and split into sections of at most 3,000 characters (capped so the whole
 * message stays under Slack's 40,000-character and 50-block limits), and a context block with
 * the metadata. `text` carries the same content for notifications and clients without blocks.
 */
export function formatSlackMessage(notification: Notification): SlackMessage {
  const title = formatTitle(notification);
  const body = capChunks(splitMrkdwn(markdownToMrkdwn(notification.message.trim()), SLACK_SECTION_TEXT_LIMIT), BODY_LIMIT);
  const metadata = formatMetadata(notification.metadata);
  const blocks: SlackBlock[] = [section(title), ...body.map(section)];
  if (metadata) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: metadata }] });
  const text = [title, ...body, ...(metadata ? [metadata] : [])].join('\n');
  return { text, blocks };
}
