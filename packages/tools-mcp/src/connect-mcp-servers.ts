import { type AnyTool, ConfigError } from '@ml-intern/core';
import type { Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { createMcpTool } from './create-mcp-tool.js';
import { describeMcpTarget, type McpFetch } from './create-mcp-transport.js';
import { type McpServerConfig, type McpServerConfigInput, mcpServerConfigSchema } from './mcp-server-config.js';
import { type McpLog, McpServerConnection, type McpServerState } from './mcp-server-connection.js';
import { claimToolName, createToolFilter, namespacedToolName } from './mcp-tool-names.js';

export interface ConnectMcpServersOptions {
  /** Lines about servers: startup failures (`error`), crashes and renamed tools (`warn`). */
  log?: McpLog;
  /** The user's HF token, sent only to servers configured with `send_hf_token: true`. */
  hfToken?: string;
  /** Names already taken (the built-in tools): an MCP tool never shadows one, it is renamed. */
  reservedNames?: Iterable<string>;
  /** `fetch` for http/sse servers (proxies, tests). */
  fetch?: McpFetch;
  /** Base directory for relative stdio `cwd` values; stdio servers run in the current directory by default. */
  cwd?: string;
  /** Sent to servers in `initialize`. */
  clientInfo?: { name: string; version: string };
}

/** One exposed tool, for listings. */
export interface McpToolSummary {
  /** The name the model calls (`server__tool`). */
  name: string;
  /** The tool's name on its server. */
  mcpName: string;
  description: string;
}

/** One configured server as `ml-intern mcp list` shows it. */
export interface McpServerStatus {
  name: string;
  transport: McpServerConfig['transport'];
  /** Command line or URL (without query string, headers or env). */
  target: string;
  /** `disabled`: `enabled: false` in the config, never started. */
  state: McpServerState | 'disabled';
  toolCount: number;
  tools: McpToolSummary[];
  error?: string;
  /** Process id of a running stdio server. */
  pid?: number;
}

/** The running MCP servers of a session and the tools they contribute. */
export interface McpServers extends AsyncDisposable {
  /** Every exposed tool of every server that started, namespaced `server__tool`. */
  readonly tools: AnyTool[];
  status(): McpServerStatus[];
  /** Stop every server. */
  close(): Promise<void>;
}

interface ServerEntry {
  connection: McpServerConnection;
  tools: McpToolSummary[];
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
}

function parseServers(servers: Record<string, McpServerConfigInput | McpServerConfig>): [string, McpServerConfig][] {
  return Object.entries(servers).map(([name, entry]) => {
    if (name.trim() === '') throw new ConfigError('an MCP server needs a non-empty name', { keyPath: 'mcpServers' });
    const parsed = mcpServerConfigSchema.safeParse(entry);
    if (!parsed.success) {
      throw new ConfigError(`invalid MCP server "${name}": ${describeIssues(parsed.error)}`, { keyPath: `mcpServers.${name}` });
    }
    return [name, parsed.data];
  });
}

function exposedTools(connection: McpServerConnection, listed: McpToolInfo[], log: McpLog): McpToolInfo[] {
  const keep = createToolFilter({ include: connection.config.include_tools, exclude: connection.config.exclude_tools });
  return listed.filter((tool) => {
    if (!keep(tool.name)) return false;
    if (tool.execution?.taskSupport === 'required') {
      log(`MCP tool "${tool.name}" of server "${connection.name}" only runs as a background task, which is not supported; it is not offered`, 'info');
      return false;
    }
    return true;
  });
}

/**
 * Start every enabled server of an `mcpServers` config, each with its own client, in parallel.
 * A server that fails to start is logged and reported by `status()`; the others still work.
 * Tools are named `server__tool` and never take a name in `reservedNames` or one already used:
 * such a tool is renamed (`_2`, `_3`, …) with a warning. Throws `ConfigError` for an invalid entry.
 */
export async function connectMcpServers(
  servers: Record<string, McpServerConfigInput | McpServerConfig>,
  options: ConnectMcpServersOptions = {},
): Promise<McpServers> {
  const log: McpLog = options.log ?? (() => {});
  const entries = parseServers(servers);
  const disabled = entries.filter(([, config]) => !config.enabled);
  const connections = entries
    .filter(([, config]) => config.enabled)
    .map(
      ([name, config]) =>
        new McpServerConnection({ name, config, log, hfToken: options.hfToken, fetch: options.fetch, cwd: options.cwd, clientInfo: options.clientInfo }),
    );
  for (const connection of connections) {
    if (connection.config.send_hf_token && !options.hfToken) {
      log(`MCP server "${connection.name}" asks for the HF token (send_hf_token), but none is configured`, 'warn');
    }
  }
  const listings = await Promise.all(
    connections.map((connection) =>
      connection.start().catch((error: unknown) => {
        log((error as Error).message, 'error');
        return [] as McpToolInfo[];
      }),
    ),
  );

  const taken = new Set(options.reservedNames ?? []);
  const tools: AnyTool[] = [];
  const serverEntries: ServerEntry[] = connections.map((connection, index) => {
    const summaries: McpToolSummary[] = [];
    for (const tool of exposedTools(connection, listings[index] ?? [], log)) {
      const wanted = namespacedToolName(connection.name, tool.name);
      const name = claimToolName(wanted, taken);
      if (name !== wanted) {
        log(`MCP tool "${tool.name}" of server "${connection.name}" would be named "${wanted}", which is already taken; it is offered as "${name}"`, 'warn');
      }
      const created = createMcpTool({ connection, tool, name });
      tools.push(created);
      summaries.push({ name, mcpName: tool.name, description: created.description });
    }
    return { connection, tools: summaries };
  });

  const close = async () => {
    await Promise.all(serverEntries.map((entry) => entry.connection.close()));
  };
  return {
    tools,
    status() {
      const running = serverEntries.map(({ connection, tools: summaries }): McpServerStatus => {
        const { pid, error } = connection;
        return {
          name: connection.name,
          transport: connection.config.transport,
          target: connection.target,
          state: connection.state,
          toolCount: summaries.length,
          tools: summaries,
          ...(error === undefined ? {} : { error }),
          ...(pid === undefined ? {} : { pid }),
        };
      });
      const off = disabled.map(
        ([name, config]): McpServerStatus => ({ name, transport: config.transport, target: describeMcpTarget(config), state: 'disabled', toolCount: 0, tools: [] }),
      );
      return [...running, ...off];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** `connectMcpServers` in the options-object form of the other tool factories. */
export function createMcpTools(options: ConnectMcpServersOptions & { servers: Record<string, McpServerConfigInput | McpServerConfig> }): Promise<McpServers> {
  const { servers, ...rest } = options;
  return connectMcpServers(servers, rest);
}
