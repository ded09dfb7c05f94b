import { homedir } from 'node:os';
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
  /**
   * From now on, a server's new tool set (it said its tools changed, it started on a retry, the
   * user signed in) replaces its old one in this session's router, and the prompt is rendered
   * again so the model sees it from its next request. `tools` is the list the session was made
   * with (kept in step for the tools that read it).
   */
  attach(session: { router: { replace(removed: readonly string[], tools: readonly AnyTool[]): void }; refreshSystemPrompt(): void }, tools: AnyTool[]): void;
  close(): Promise<void>;
}

/** How often a server that failed to start is tried again in a session, and how long between tries. */
const MCP_STARTUP_RETRY = { attempts: 4, initialDelayMs: 2_000, maxDelayMs: 30_000 };

/** MCP servers from config; the MCP SDK is loaded only when servers are configured. */
export async function connectConfiguredMcp(
  config: AgentConfig,
  options: {
    log: (message: string) => void;
    hfToken: string | undefined;
    reservedNames: string[];
    cwd: string;
    /** The real environment (XDG_CONFIG_HOME locates the OAuth token files). */
    env?: Env;
    /** Interactive runs sign in to servers that need it: the URL is shown with `showSignInUrl` and opened in a browser. */
    interactive?: boolean;
    showSignInUrl?: (message: string) => void;
  },
): Promise<McpHandle> {
  if (Object.keys(config.mcpServers).length === 0) return { tools: [], summary: () => [], attach: () => {}, close: async () => {} };
  const { connectMcpServers, defaultMcpOAuthDir } = await import('@ml-intern/tools-mcp');
  type Change = Parameters<NonNullable<Parameters<typeof connectMcpServers>[1]>['onToolsChanged'] & {}>[0];
  let started = false;
  let target: Parameters<McpHandle['attach']>[0] | undefined;
  let sessionTools: AnyTool[] | undefined;
  const pending: Change[] = [];
  const apply = (change: Change) => {
    // Changes during startup are already in the tools connectMcpServers returns.
    if (!started) return;
    if (!target) {
      pending.push(change);
      return;
    }
    try {
      target.router.replace(change.removed, change.tools);
    } catch (error) {
      options.log(`the new tools of MCP server "${change.server}" are not offered: ${(error as Error).message}`);
      return;
    }
    if (sessionTools) {
      const removed = new Set(change.removed);
      sessionTools.splice(0, sessionTools.length, ...sessionTools.filter((tool) => !removed.has(tool.name)), ...change.tools);
    }
    target.refreshSystemPrompt();
  };
  const showSignInUrl = options.showSignInUrl ?? options.log;
  // connectMcpServers validates each entry and throws a ConfigError naming mcpServers.<name>.
  const servers = await connectMcpServers(config.mcpServers as Parameters<typeof connectMcpServers>[0], {
    log: options.log,
    ...(options.hfToken ? { hfToken: options.hfToken } : {}),
    reservedNames: options.reservedNames,
    cwd: options.cwd,
    oauth: { dir: defaultMcpOAuthDir(options.env ?? process.env, homedir()) },
    signInHint: (name) => `run \`ml-intern mcp login ${name}\` once (it opens the sign-in page and keeps the tokens for later runs)`,
    ...(options.interactive
      ? {
          onAuthorizationUrl: (name: string, url: URL) => {
            showSignInUrl(`Sign in to the MCP server "${name}" in your browser: ${url.href}`);
            void import('../commands/mcp-login.js').then(({ openInBrowser }) => openInBrowser(url));
          },
        }
      : {}),
    startupRetry: MCP_STARTUP_RETRY,
    onToolsChanged: apply,
  });
  started = true;
  return {
    tools: servers.tools,
    summary: () => servers.status().map((server) => ({ name: server.name, state: server.state, tools: server.toolCount })),
    attach(session, tools) {
      target = session;
      sessionTools = tools;
      for (const change of pending.splice(0)) apply(change);
    },
    close: () => servers.close(),
  };
}
