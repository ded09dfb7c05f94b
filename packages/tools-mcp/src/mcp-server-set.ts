import type { AnyTool } from '@ml-intern/core';
import type { Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import type { ConnectMcpServersOptions, McpServerStatus, McpToolSummary } from './connect-mcp-servers.js';
import { createMcpTool } from './create-mcp-tool.js';
import { describeMcpTarget } from './create-mcp-transport.js';
import { signInMcpServer } from './mcp-oauth-sign-in.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { type McpLog, McpServerConnection, McpSignInRequiredError } from './mcp-server-connection.js';
import { claimToolName, createToolFilter, namespacedToolName } from './mcp-tool-names.js';
import { startupRetryDelays } from './startup-retry.js';

interface ServerEntry {
  connection: McpServerConnection;
  tools: McpToolSummary[];
  created: AnyTool[];
  retry?: NodeJS.Timeout | undefined;
  signIn?: AbortController | undefined;
  /** A listing that arrived (list_changed) while the servers, or this one on a late start, were still starting. */
  laterListing?: McpToolInfo[] | undefined;
  /** A late start (a retry, after a sign-in) is in flight: list_changed waits for it. */
  starting?: boolean;
  /** The listing the current tools were made from (a list_changed that changes nothing is ignored). */
  listing?: string;
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

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/**
 * The servers of one `connectMcpServers` call and their tools over time: the first tool sets,
 * later ones (list_changed, a retry that succeeded, a sign-in), background retries and sign-ins.
 */
export class McpServerSet {
  readonly #options: ConnectMcpServersOptions;
  readonly #log: McpLog;
  readonly #taken: Set<string>;
  readonly #entries: ServerEntry[] = [];
  readonly #disabled: [string, McpServerConfig][];
  #started = false;
  #closed = false;

  constructor(entries: [string, McpServerConfig][], options: ConnectMcpServersOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => {});
    this.#taken = new Set(options.reservedNames ?? []);
    this.#disabled = entries.filter(([, config]) => !config.enabled);
    for (const [name, config] of entries) {
      if (!config.enabled) continue;
      const connection = new McpServerConnection({
        name,
        config,
        log: this.#log,
        hfToken: options.hfToken,
        fetch: options.fetch,
        cwd: options.cwd,
        clientInfo: options.clientInfo,
        oauth: options.oauth,
        signInHint: options.signInHint,
        onToolsChanged: (listed) => this.#replaceTools(entry, listed, 'changed'),
      });
      const entry: ServerEntry = { connection, tools: [], created: [] };
      this.#entries.push(entry);
      if (config.send_hf_token && !options.hfToken) {
        this.#log(`MCP server "${name}" asks for the HF token (send_hf_token), but none is configured`, 'warn');
      }
    }
  }

  /** Start every server in parallel; one that fails is logged (and retried or signed in to, as configured). */
  async start(): Promise<void> {
    const listings = await Promise.all(
      this.#entries.map((entry) =>
        entry.connection.start().catch((error: unknown) => {
          if (error instanceof McpSignInRequiredError) this.#handleSignIn(entry, error);
          else {
            this.#log((error as Error).message, 'error');
            this.#scheduleRetry(entry, 0);
          }
          return [] as McpToolInfo[];
        }),
      ),
    );
    this.#entries.forEach((entry, index) => {
      const listed = entry.laterListing ?? listings[index] ?? [];
      const { summaries, created } = this.#toolSet(entry, listed);
      entry.listing = JSON.stringify(listed);
      entry.tools = summaries;
      entry.created = created;
      entry.laterListing = undefined;
    });
    this.#started = true;
  }

  get tools(): AnyTool[] {
    return this.#entries.flatMap((entry) => entry.created);
  }

  status(): McpServerStatus[] {
    const running = this.#entries.map(({ connection, tools: summaries }): McpServerStatus => {
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
    const off = this.#disabled.map(
      ([name, config]): McpServerStatus => ({ name, transport: config.transport, target: describeMcpTarget(config), state: 'disabled', toolCount: 0, tools: [] }),
    );
    return [...running, ...off];
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#entries) {
      clearTimeout(entry.retry);
      entry.signIn?.abort();
    }
    await Promise.all(this.#entries.map((entry) => entry.connection.close()));
  }

  /** The tools of one server, named `server__tool` and never taking a name that is already taken. */
  #toolSet(entry: ServerEntry, listed: McpToolInfo[]): { summaries: McpToolSummary[]; created: AnyTool[] } {
    for (const summary of entry.tools) this.#taken.delete(summary.name);
    const summaries: McpToolSummary[] = [];
    const created: AnyTool[] = [];
    for (const tool of exposedTools(entry.connection, listed, this.#log)) {
      const wanted = namespacedToolName(entry.connection.name, tool.name);
      const name = claimToolName(wanted, this.#taken);
      if (name !== wanted) {
        this.#log(`MCP tool "${tool.name}" of server "${entry.connection.name}" would be named "${wanted}", which is already taken; it is offered as "${name}"`, 'warn');
      }
      const made = createMcpTool({ connection: entry.connection, tool, name });
      created.push(made);
      summaries.push({ name, mcpName: tool.name, description: made.description });
    }
    return { summaries, created };
  }

  /** A later tool set (list_changed, a late start): swap it in and tell whoever registered the old one. */
  #replaceTools(entry: ServerEntry, listed: McpToolInfo[], reason: 'changed' | 'started'): void {
    if (this.#closed) return;
    // Still starting: the newer listing becomes the server's first tool set.
    if (!this.#started || (reason === 'changed' && entry.starting)) {
      entry.laterListing = listed;
      return;
    }
    const listing = JSON.stringify(listed);
    if (reason === 'changed' && listing === entry.listing) return;
    entry.listing = listing;
    const before = entry.tools.map((summary) => summary.name);
    const { summaries, created } = this.#toolSet(entry, listed);
    entry.tools = summaries;
    entry.created = created;
    const after = summaries.map((summary) => summary.name);
    const server = entry.connection.name;
    const message = reason === 'started' ? startedMessage(server, after.length) : changedMessage(server, before, after);
    this.#log(message, 'info');
    try {
      this.#options.onToolsChanged?.({ server, tools: created, removed: before, message });
    } catch (error) {
      // A listener that cannot take the new set must not take the process down with it.
      this.#log(`the new tools of MCP server "${server}" were not taken: ${(error as Error).message}`, 'warn');
    }
  }

  #handleSignIn(entry: ServerEntry, error: McpSignInRequiredError): void {
    if (this.#signInInteractively(entry)) {
      this.#log(`MCP server "${entry.connection.name}" needs sign-in (OAuth): the authorization URL follows; the session goes on meanwhile`, 'warn');
      return;
    }
    this.#log(error.message, 'error');
  }

  /** Sign in in the background when someone can answer (`onAuthorizationUrl`); the server starts once it is done. */
  #signInInteractively(entry: ServerEntry): boolean {
    const { connection } = entry;
    const { onAuthorizationUrl, oauth } = this.#options;
    if (!onAuthorizationUrl || !oauth || connection.config.transport === 'stdio' || entry.signIn) return false;
    const controller = new AbortController();
    entry.signIn = controller;
    signInMcpServer({
      name: connection.name,
      config: connection.config,
      oauth,
      fetch: this.#options.fetch,
      signal: controller.signal,
      onAuthorizationUrl: (url) => onAuthorizationUrl(connection.name, url),
    })
      .then(() => this.#startLate(entry))
      .catch((error: unknown) => {
        if (!this.#closed) this.#log(`MCP server "${connection.name}": ${(error as Error).message}`, 'error');
      })
      .finally(() => {
        entry.signIn = undefined;
      });
    return true;
  }

  /**
   * Start a server after the others (a retry, after a sign-in). A server may say its tools changed
   * while it starts; that listing waits, so the first news of the server is that it runs now.
   */
  async #startLate(entry: ServerEntry): Promise<void> {
    entry.starting = true;
    try {
      const listed = await entry.connection.start();
      this.#replaceTools(entry, entry.laterListing ?? listed, 'started');
    } finally {
      entry.starting = false;
      // Before the first tool sets are made, start() takes the held listing itself.
      if (this.#started) entry.laterListing = undefined;
    }
  }

  /** Startup failures other than sign-in are tried again in the background, announced each time. */
  #scheduleRetry(entry: ServerEntry, attempt: number): void {
    const delays = startupRetryDelays(this.#options.startupRetry);
    const delay = delays[attempt];
    const server = entry.connection.name;
    if (delay === undefined || this.#closed) return;
    this.#log(`MCP server "${server}" is tried again in ${formatDelay(delay)} (retry ${attempt + 1} of ${delays.length}); the session goes on meanwhile`, 'warn');
    entry.retry = setTimeout(() => {
      entry.retry = undefined;
      this.#startLate(entry).catch((error: unknown) => {
        if (this.#closed) return;
        if (error instanceof McpSignInRequiredError) return this.#handleSignIn(entry, error);
        if (attempt + 1 < delays.length) return this.#scheduleRetry(entry, attempt + 1);
        this.#log(`MCP server "${server}" still fails to start after ${delays.length} retries; its tools are not available in this session: ${(error as Error).message}`, 'error');
      });
    }, delay);
    // A retry never keeps the process alive on its own.
    entry.retry.unref();
  }
}

function startedMessage(server: string, count: number): string {
  return `MCP server "${server}" is running now; its ${count} tool${count === 1 ? ' is' : 's are'} available from the next model call`;
}

function changedMessage(server: string, before: string[], after: string[]): string {
  const added = after.filter((name) => !before.includes(name));
  const removed = before.filter((name) => !after.includes(name));
  const parts = [...(added.length ? [`added ${added.join(', ')}`] : []), ...(removed.length ? [`removed ${removed.join(', ')}`] : [])];
  return `MCP server "${server}" changed its tools${parts.length ? `; ${parts.join('; ')}` : ' (same names; descriptions or schemas updated)'}`;
}
