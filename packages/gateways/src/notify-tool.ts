import { type Tool, defineTool } from '@ml-intern/core';
import { z } from 'zod';
import type { NotificationGateway } from './destination-gateway.js';
import { NOTIFICATION_SEVERITIES, type DeliveryResult } from './notification.js';

export interface NotifyToolOptions {
  /** The gateways from `createGateways`; only those with `allowAgentTool` accept the tool's messages. */
  gateways: readonly NotificationGateway[];
  /** Limit for one call in ms, retries included (default 120,000). */
  timeoutMs?: number;
}

const notifyInputSchema = z.object({
  destinations: z.array(z.string().min(1)).min(1).describe('Names of the destinations to notify, e.g. ["slack.default"].'),
  message: z.string().trim().min(1).describe('The message, in Markdown.'),
  title: z.string().trim().optional().describe('A short title.'),
  severity: z.enum(NOTIFICATION_SEVERITIES).default('info').describe('How the message is tagged.'),
});

function describeTool(allowed: string[]): string {
  const available = allowed.length ? `Available destinations: ${allowed.join(', ')}.` : 'No destination currently allows this tool.';
  return [
    'Send a message to the user through a configured messaging destination (Slack or a webhook), e.g. when a long job',
    `finishes or you need their attention while they are away. ${available} Reports, per destination, whether it was sent.`,
  ].join(' ');
}

function refusal(name: string, gateways: readonly NotificationGateway[]): string {
  const gateway = gateways.find((candidate) => candidate.name === name);
  if (!gateway) return `unknown destination "${name}"`;
  return `destination "${name}" does not accept messages from the agent (its allow_agent_tool setting is false)`;
}

/**
 * The agent's `notify` tool: sends to the requested destinations whose `allow_agent_tool` is
 * true and reports each destination's outcome. Failing every destination is an error result.
 */
export function createNotifyTool(options: NotifyToolOptions): Tool<typeof notifyInputSchema> {
  const { gateways } = options;
  const allowed = gateways.filter((gateway) => gateway.allowAgentTool);
  return defineTool({
    name: 'notify',
    description: describeTool(allowed.map((gateway) => gateway.name)),
    inputSchema: notifyInputSchema,
    timeoutMs: options.timeoutMs ?? 120_000,
    summarize: (input) => `notify ${input.destinations.join(', ')}: ${input.title ?? input.message.slice(0, 60)}`,
    async execute(input, ctx) {
      const names = [...new Set(input.destinations.map((name) => name.trim()))];
      const metadata: Record<string, string> = { session_id: ctx.session.id, model: ctx.session.model, event_type: 'notify' };
      const results = await Promise.all(
        names.map((name): Promise<DeliveryResult> => {
          const gateway = allowed.find((candidate) => candidate.name === name);
          if (!gateway) return Promise.resolve({ destination: name, ok: false, error: refusal(name, gateways) });
          const notification = { message: input.message, severity: input.severity, metadata, ...(input.title ? { title: input.title } : {}) };
          return gateway.send(notification, { signal: ctx.signal });
        }),
      );
      const sent = results.filter((result) => result.ok).length;
      const lines = results.map((result) =>
        result.ok ? `- ${result.destination}: sent${result.externalId ? ` (id ${result.externalId})` : ''}` : `- ${result.destination}: not sent: ${result.error}`,
      );
      if (sent < results.length && allowed.length) lines.push(`Destinations that accept this tool: ${allowed.map((gateway) => gateway.name).join(', ')}.`);
      return { output: [`Sent to ${sent} of ${results.length} destination${results.length === 1 ? '' : 's'}.`, ...lines].join('\n'), isError: sent === 0 };
    },
  });
}
