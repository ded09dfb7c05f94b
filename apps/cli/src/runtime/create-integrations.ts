import type { AgentConfig, AnyTool, Gateway } from '@ml-intern/core';

type Env = Record<string, string | undefined>;

export interface Integrations {
  gateways: Gateway[];
  /** The `notify` tool when a destination accepts the agent's messages. */
  notifyTool: AnyTool | undefined;
  destinations: string[];
}

const SLACK_ENV = /^(SLACK_BOT_TOKEN|SLACK_CHANNEL(_ID)?|ML_INTERN_SLACK_\w+)$/;

/**
 * Messaging gateways from config and environment. @ml-intern/gateways (and the Slack SDK) are
 * loaded only when something is configured, so runs without notifications start faster.
 */
export async function createIntegrations(config: AgentConfig, env: Env, options: { report: (message: string) => void; model: string }): Promise<Integrations> {
  const configured = Object.keys(config.messaging).length > 0 || Object.keys(env).some((name) => SLACK_ENV.test(name) && env[name]);
  if (!configured) return { gateways: [], notifyTool: undefined, destinations: [] };
  const { parseMessagingConfig, resolveMessagingConfig, createGateways, createNotifyTool } = await import('@ml-intern/gateways');
  parseMessagingConfig(config.messaging);
  const messaging = resolveMessagingConfig(config.messaging, env);
  const gateways = createGateways(messaging, {
    report: (message) => options.report(message),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    model: options.model,
  });
  return {
    gateways,
    notifyTool: gateways.some((gateway) => gateway.allowAgentTool) ? createNotifyTool({ gateways }) : undefined,
    destinations: messaging.destinations.map((destination) => destination.name),
  };
}

export interface McpHandle {
  tools: AnyTool[];
  summary(): { name: string; state: string; tools: number }[];
  close(): Promise<void>;
}

/** MCP servers from config; the MCP SDK is loaded only when servers are configured. */
export async function connectConfiguredMcp(
  config: AgentConfig,
  options: { log: (message: string) => void; hfToken: string | undefined; reservedNames: string[]; cwd: string },
): Promise<McpHandle> {
  if (Object.keys(config.mcpServers).length === 0) return { tools: [], summary: () => [], close: async () => {} };
  const { connectMcpServers } = await import('@ml-intern/tools-mcp');
  // connectMcpServers validates each entry and throws a ConfigError naming mcpServers.<name>.
  const servers = await connectMcpServers(config.mcpServers as Parameters<typeof connectMcpServers>[0], {
    log: options.log,
    ...(options.hfToken ? { hfToken: options.hfToken } : {}),
    reservedNames: options.reservedNames,
    cwd: options.cwd,
  });
  return {
    tools: servers.tools,
    summary: () => servers.status().map((server) => ({ name: server.name, state: server.state, tools: server.toolCount })),
    close: () => servers.close(),
  };
}
