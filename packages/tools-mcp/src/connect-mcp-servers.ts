import { type AnyTool, ConfigError } from '@ml-intern/core';
import type { Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { createMcpTool } from './create-mcp-tool.js';
import { describeMcpTarget, type McpFetch } from './create-mcp-transport.js';
import { type McpOAuthOptions, signInMcpServer } from './mcp-oauth-sign-in.js';
import { type McpServerConfig, type McpServerConfigInput, mcpServerConfigSchema } from './mcp-server-config.js';
import { type McpLog, McpServerConnection, type McpServerState, McpSignInRequiredError, type McpTransportKind } from './mcp-server-connection.js';
import { claimToolName, createToolFilter, namespacedToolName } from './mcp-tool-names.js';
import { type StartupRetryOptions, startupRetryDelays } from './startup-retry.js';

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

interface ServerEntry {
  connection: McpServerConnection;
  tools: McpToolSummary[];
  created: AnyTool[];
  retry?: NodeJS.Timeout;
  signIn?: AbortController;
  /** A listing that arrived (list_changed) while the servers were still starting. */
  laterListing?: McpToolInfo[];
  /** The listing the current tools were made from (a list_changed that changes nothing is ignored). */
  listing?: string;
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
  const taken = new Set(options.reservedNames ?? []);
  let closed = false;
  let started = false;
  const serverEntries: ServerEntry[] = [];

  // The tools of one server, named `server__tool` and never taking a name that is already taken.
  const toolSet = (entry: ServerEntry, listed: McpToolInfo[]) => {
    for (const summary of entry.tools) taken.delete(summary.name);
    const summaries: McpToolSummary[] = [];
    const created: AnyTool[] = [];
    for (const tool of exposedTools(entry.connection, listed, log)) {
      const wanted = namespacedToolName(entry.connection.name, tool.name);
      const name = claimToolName(wanted, taken);
      if (name !== wanted) {
        log(`MCP tool "${tool.name}" of server "${entry.connection.name}" would be named "${wanted}", which is already taken; it is offered as "${name}"`, 'warn');
      }
      const made = createMcpTool({ connection: entry.connection, tool, name });
      created.push(made);
      summaries.push({ name, mcpName: tool.name, description: made.description });
    }
    return { summaries, created };
  };

  // A later tool set (list_changed, a late start): swap it in and tell whoever registered the old one.
  const replaceTools = (entry: ServerEntry, listed: McpToolInfo[], reason: 'changed' | 'started') => {
    if (closed) return;
    // Still starting: the newer listing becomes the server's first tool set.
    if (!started) {
      entry.laterListing = listed;
      return;
    }
    const listing = JSON.stringify(listed);
    if (reason === 'changed' && listing === entry.listing) return;
    entry.listing = listing;
    const before = entry.tools.map((summary) => summary.name);
    const { summaries, created } = toolSet(entry, listed);
    entry.tools = summaries;
    entry.created = created;
    const after = summaries.map((summary) => summary.name);
    const added = after.filter((name) => !before.includes(name));
    const removed = before.filter((name) => !after.includes(name));
    const server = entry.connection.name;
    const message =
      reason === 'started'
        ? `MCP server "${server}" is running now; its ${after.length} tool${after.length === 1 ? ' is' : 's are'} available from the next model call`
        : `MCP server "${server}" changed its tools${added.length ? `; added ${added.join(', ')}` : ''}${removed.length ? `; removed ${removed.join(', ')}` : ''}${added.length + removed.length === 0 ? ' (same names; descriptions or schemas updated)' : ''}`;
    log(message, 'info');
    try {
      options.onToolsChanged?.({ server, tools: created, removed: before, message });
    } catch (error) {
      // A listener that cannot take the new set must not take the process down with it.
      log(`the new tools of MCP server "${server}" were not taken: ${(error as Error).message}`, 'warn');
    }
  };

  const signInInteractively = (entry: ServerEntry) => {
    const { connection } = entry;
    const onAuthorizationUrl = options.onAuthorizationUrl;
    if (!onAuthorizationUrl || !options.oauth || connection.config.transport === 'stdio' || entry.signIn) return false;
    const controller = new AbortController();
    entry.signIn = controller;
    signInMcpServer({
      name: connection.name,
      config: connection.config,
      oauth: options.oauth,
      fetch: options.fetch,
      signal: controller.signal,
      onAuthorizationUrl: (url) => onAuthorizationUrl(connection.name, url),
    })
      .then(() => connection.start())
      .then((listed) => replaceTools(entry, listed, 'started'))
      .catch((error: unknown) => {
        if (!closed) log(`MCP server "${connection.name}": ${(error as Error).message}`, 'error');
      })
      .finally(() => {
        entry.signIn = undefined;
      });
    return true;
  };

  // Startup failures other than sign-in are tried again in the background, announced each time.
  const scheduleRetry = (entry: ServerEntry, attempt: number) => {
    const delays = startupRetryDelays(options.startupRetry);
    const delay = delays[attempt];
    const server = entry.connection.name;
    if (delay === undefined || closed) return;
    log(`MCP server "${server}" is tried again in ${formatDelay(delay)} (retry ${attempt + 1} of ${delays.length}); the session goes on meanwhile`, 'warn');
    entry.retry = setTimeout(() => {
      entry.retry = undefined;
      entry.connection.start().then(
        (listed) => replaceTools(entry, listed, 'started'),
        (error: unknown) => {
          if (closed) return;
          if (error instanceof McpSignInRequiredError) return handleSignIn(entry, error);
          if (attempt + 1 < delays.length) return scheduleRetry(entry, attempt + 1);
          log(`MCP server "${server}" still fails to start after ${delays.length} retries; its tools are not available in this session: ${(error as Error).message}`, 'error');
        },
      );
    }, delay);
    // A retry never keeps the process alive on its own.
    entry.retry.unref();
  };

  const handleSignIn = (entry: ServerEntry, error: McpSignInRequiredError) => {
    if (signInInteractively(entry)) {
      log(`MCP server "${entry.connection.name}" needs sign-in (OAuth): the authorization URL follows; the session goes on meanwhile`, 'warn');
      return;
    }
    log(error.message, 'error');
  };

  for (const [name, config] of entries) {
    if (!config.enabled) continue;
    const connection = new McpServerConnection({
      name,
      config,
      log,
      hfToken: options.hfToken,
      fetch: options.fetch,
      cwd: options.cwd,
      clientInfo: options.clientInfo,
      oauth: options.oauth,
      signInHint: options.signInHint,
      onToolsChanged: (listed) => replaceTools(entry, listed, 'changed'),
    });
    const entry: ServerEntry = { connection, tools: [], created: [] };
    serverEntries.push(entry);
    if (config.send_hf_token && !options.hfToken) {
      log(`MCP server "${name}" asks for the HF token (send_hf_token), but none is configured`, 'warn');
    }
  }
  const listings = await Promise.all(
    serverEntries.map((entry) =>
      entry.connection.start().catch((error: unknown) => {
        if (error instanceof McpSignInRequiredError) handleSignIn(entry, error);
        else {
          log((error as Error).message, 'error');
          scheduleRetry(entry, 0);
        }
        return [] as McpToolInfo[];
      }),
    ),
  );
  serverEntries.forEach((entry, index) => {
    const listed = entry.laterListing ?? listings[index] ?? [];
    const { summaries, created } = toolSet(entry, listed);
    entry.listing = JSON.stringify(listed);
    entry.tools = summaries;
    entry.created = created;
    entry.laterListing = undefined;
  });
  started = true;

  const close = async () => {
    closed = true;
    for (const entry of serverEntries) {
      clearTimeout(entry.retry);
      entry.signIn?.abort();
    }
    await Promise.all(serverEntries.map((entry) => entry.connection.close()));
  };
  return {
    get tools() {
      return serverEntries.flatMap((entry) => entry.created);
    },
    status() {
      const running = serverEntries.map(({ connection, tools: summaries }): McpServerStatus => {
        const { pid, error } = connection;
        return {
          name: connection.name,
          transport: connection.transport,
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

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** `connectMcpServers` in the options-object form of the other tool factories. */
export function createMcpTools(options: ConnectMcpServersOptions & { servers: Record<string, McpServerConfigInput | McpServerConfig> }): Promise<McpServers> {
  const { servers, ...rest } = options;
  return connectMcpServers(servers, rest);
}
