import { type AnyTool, ConfigError } from '@ml-intern/core';
import type { z } from 'zod';
import type { McpFetch } from './create-mcp-transport.js';
import type { McpOAuthOptions } from './mcp-oauth-sign-in.js';
import { type McpServerConfig, type McpServerConfigInput, mcpServerConfigSchema } from './mcp-server-config.js';
import type { McpLog, McpServerState, McpTransportKind } from './mcp-server-connection.js';
import { McpServerSet } from './mcp-server-set.js';
import type { StartupRetryOptions } from './startup-retry.js';

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
  /** OAuth for remote servers that answer 401: where tokens are kept. Without it such servers fail to start. */
  oauth?: McpOAuthOptions;
  /**
   * Interactive sign-in: when a server needs it, listen for the OAuth redirect on 127.0.0.1 and
   * hand the authorization URL to this function (print it, open a browser); once the user has
   * signed in, the server starts and its tools arrive through `onToolsChanged`. Without it, the
   * server is reported as needing sign-in (`signInHint`).
   */
  onAuthorizationUrl?: (server: string, url: URL) => void;
  /** What to tell the user about a server that needs sign-in (default: sign in with `mcp login <server>`). */
  signInHint?: (server: string) => string;
  /** Try a server that failed to start again in the background, with backoff (default: no retry). */
  startupRetry?: StartupRetryOptions;
  /** A server's tools changed (it said so, or it started late): replace `removed` with `tools`. */
  onToolsChanged?: (change: McpToolsChange) => void;
}

/** A new tool set of one server. */
export interface McpToolsChange {
  server: string;
  /** The server's tools now (all of them). */
  tools: AnyTool[];
  /** Names of the server's tools before the change (to unregister). */
  removed: string[];
  /** One line for the user: what changed. */
  message: string;
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
  /** The transport in use (an `http` server that refused Streamable HTTP shows `sse`). */
  transport: McpTransportKind;
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
  /** Every exposed tool of every server that started, namespaced `server__tool` (the current set: it changes with `onToolsChanged`). */
  readonly tools: AnyTool[];
  status(): McpServerStatus[];
  /** Stop every server. */
  close(): Promise<void>;
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
  const set = new McpServerSet(parseServers(servers), options);
  await set.start();
  const close = () => set.close();
  return {
    get tools() {
      return set.tools;
    },
    status: () => set.status(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** `connectMcpServers` in the options-object form of the other tool factories. */
export function createMcpTools(options: ConnectMcpServersOptions & { servers: Record<string, McpServerConfigInput | McpServerConfig> }): Promise<McpServers> {
  const { servers, ...rest } = options;
  return connectMcpServers(servers, rest);
}
