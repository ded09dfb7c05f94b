import { AbortError, ToolExecutionError, type ToolLogLevel } from '@ml-intern/core';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type Tool as McpToolInfo,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createMcpTransport, describeMcpTarget, type McpTransportOptions, sendsOwnAuthorization } from './create-mcp-transport.js';
import type { McpOAuthProvider } from './mcp-oauth-provider.js';
import { createMcpOAuthProvider, type McpOAuthOptions } from './mcp-oauth-sign-in.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { OutputTail } from './output-tail.js';

/**
 * Where a server stands. `failed` servers that had started are restarted on their next call;
 * `needs_sign_in`: the server answered 401 and no valid OAuth tokens are stored for it.
 */
export type McpServerState = 'connected' | 'failed' | 'restarting' | 'needs_sign_in' | 'closed';

/** The transport a remote server is reached with: `sse` also when an `http` server refused Streamable HTTP. */
export type McpTransportKind = 'stdio' | 'http' | 'sse';

/** A server that needs the user to sign in (OAuth) before it can be used. */
export class McpSignInRequiredError extends ToolExecutionError {
  readonly server: string;

  constructor(server: string, hint: string, options?: { cause?: unknown }) {
    super(`MCP server "${server}" needs sign-in (OAuth): ${hint}`, options);
    this.server = server;
  }
}

/** Receives lines about servers (startup failures, crashes, renamed tools). */
export type McpLog = (message: string, level: ToolLogLevel) => void;

export interface McpServerConnectionOptions extends McpTransportOptions {
  name: string;
  config: McpServerConfig;
  log?: McpLog | undefined;
  /** Sent in `initialize`; defaults to `{ name: "ml-intern", version: "0.0.0" }`. */
  clientInfo?: { name: string; version: string } | undefined;
  /** Where OAuth tokens are kept; without it remote servers get no OAuth sign-in. */
  oauth?: McpOAuthOptions | undefined;
  /** What to tell the user when the server needs sign-in (default: sign in with `mcp login <name>`). */
  signInHint?: ((server: string) => string) | undefined;
  /** The server's complete tool list after it sent `notifications/tools/list_changed`. */
  onToolsChanged?: ((tools: McpToolInfo[]) => void) | undefined;
}

export interface McpCallOptions {
  signal: AbortSignal;
  /** Progress and restart notices for the user (the tool context's `log`). */
  log: McpLog;
}

const CLOSE_GRACE_MS = 500;
const PROGRESS_LOG_INTERVAL_MS = 1_000;

/** Waits `ms`. The timer is referenced: whoever awaits it must not see the process exit meanwhile. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when `work` settles within `ms`; the timer is cleared as soon as it does. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A Streamable HTTP request the server refused with a 4xx other than 401/403: an SSE-only server, per the MCP spec's compatibility notes. */
function refusedStreamableHttp(error: unknown): boolean {
  if (!(error instanceof StreamableHTTPError) || typeof error.code !== 'number') return false;
  return error.code >= 400 && error.code < 500 && error.code !== 401 && error.code !== 403;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The SDK's HTTP errors carry the status as a numeric `code`; fetch failures carry errno in `cause`.
  const status = error instanceof McpError ? undefined : (error as { code?: unknown }).code;
  const message = error.message.replace(/:\s*$/, '');
  if (typeof status === 'number' && status >= 100 && status < 600) return `${message} (HTTP ${status})`;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * One MCP server: its own SDK client and transport, so a failure stays with that server. A stdio
 * server that exits, or an http server that stops answering, is reconnected on the next call.
 */
export class McpServerConnection {
  readonly name: string;
  readonly config: McpServerConfig;
  readonly #options: McpServerConnectionOptions;
  readonly #stderr = new OutputTail();
  #client: Client | undefined;
  #transport: Transport | undefined;
  #connecting: Promise<Client> | undefined;
  #state: McpServerState = 'failed';
  #error: string | undefined = 'not started';
  #overSse = false;
  #authProvider: Promise<McpOAuthProvider | undefined> | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;

  constructor(options: McpServerConnectionOptions) {
    this.name = options.name;
    this.config = options.config;
    this.#options = options;
  }

  get state(): McpServerState {
    return this.#state;
  }

  /** Why the server is not connected, when it is not. */
  get error(): string | undefined {
    return this.#error;
  }

  /** The command line or URL of the server (no query string, no headers, no env). */
  get target(): string {
    return describeMcpTarget(this.config);
  }

  /** The transport in use: an `http` server that refused Streamable HTTP is reached over `sse`. */
  get transport(): McpTransportKind {
    return this.config.transport === 'http' && this.#overSse ? 'sse' : this.config.transport;
  }

  /** Process id of a running stdio server. */
  get pid(): number | undefined {
    return this.#transport instanceof StdioClientTransport ? (this.#transport.pid ?? undefined) : undefined;
  }

  /** Connect and list the server's tools. Throws a `ToolExecutionError` naming the server, the target and the stderr tail. */
  async start(): Promise<McpToolInfo[]> {
    let client: Client;
    try {
      client = await this.#connect();
    } catch (error) {
      this.#recordFailure(error);
      throw error;
    }
    try {
      const tools = await this.#listTools(client);
      this.#setConnected();
      return tools;
    } catch (error) {
      const failure = await this.#startupFailure(error);
      this.#fail(failure.message);
      await this.#dispose(client);
      throw failure;
    }
  }

  /** Call one tool. Aborting `signal` sends the server the SDK's `notifications/cancelled`. */
  async callTool(toolName: string, args: Record<string, unknown>, options: McpCallOptions): Promise<CallToolResult> {
    const client = await this.#ensureClient(options.log);
    let lastProgressLog = 0;
    // The SDK never removes its abort listener: give it a per-call signal so a long-lived caller
    // signal does not collect one listener per call.
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(options.signal.reason);
    if (options.signal.aborted) controller.abort(options.signal.reason);
    else options.signal.addEventListener('abort', forwardAbort, { once: true });
    try {
      return await client.request({ method: 'tools/call', params: { name: toolName, arguments: args } }, CallToolResultSchema, {
        signal: controller.signal,
        timeout: this.config.timeout_ms,
        onprogress: (progress) => {
          const now = Date.now();
          if (now - lastProgressLog < PROGRESS_LOG_INTERVAL_MS && progress.progress !== progress.total) return;
          lastProgressLog = now;
          const amount = progress.total === undefined ? `${progress.progress}` : `${progress.progress}/${progress.total}`;
          options.log(`${this.name}: progress ${amount}${progress.message ? ` ${progress.message}` : ''}`, 'info');
        },
      });
    } catch (error) {
      throw await this.#callFailure(error, client, options.signal);
    } finally {
      options.signal.removeEventListener('abort', forwardAbort);
    }
  }

  /** Stop the server (stdio: stdin closed, then SIGTERM after a short grace; http: session deleted). */
  async close(): Promise<void> {
    this.#state = 'closed';
    this.#error = 'closed';
    // A restart in flight sees the closed state and stops its own process.
    await this.#connecting?.catch(() => {});
    const client = this.#client;
    this.#client = undefined;
    if (client) await this.#dispose(client);
  }

  /** The OAuth provider of a remote server that may sign in (none for stdio, `oauth: false`, or an entry sending its own Authorization). */
  #oauthProvider(): Promise<McpOAuthProvider | undefined> {
    const { config } = this;
    const oauth = this.#options.oauth;
    if (config.transport === 'stdio' || !oauth || config.oauth === false || sendsOwnAuthorization(config, this.#options.hfToken)) return Promise.resolve(undefined);
    this.#authProvider ??= createMcpOAuthProvider(this.name, config, oauth);
    return this.#authProvider;
  }

  /**
   * Connect over the entry's transport. An `http` server that refuses Streamable HTTP with a 4xx
   * is tried over the legacy SSE transport, and reached that way from then on.
   */
  async #connect(): Promise<Client> {
    const authProvider = await this.#oauthProvider();
    const kind = this.transport;
    try {
      return await this.#connectOver(kind, authProvider);
    } catch (error) {
      if (this.config.transport !== 'http' || kind !== 'http' || !refusedStreamableHttp(error)) throw await this.#connectFailure(error);
      try {
        const client = await this.#connectOver('sse', authProvider);
        this.#overSse = true;
        this.#options.log?.(`MCP server "${this.name}" refused Streamable HTTP (${messageOf(error)}); it is reached over the legacy SSE transport`, 'info');
        return client;
      } catch (sseError) {
        if (sseError instanceof UnauthorizedError) throw await this.#connectFailure(sseError);
        throw await this.#connectFailure(new Error(`Streamable HTTP: ${messageOf(error)}; SSE: ${messageOf(sseError)}`, { cause: sseError }));
      }
    }
  }

  async #connectFailure(error: unknown): Promise<ToolExecutionError> {
    if (error instanceof UnauthorizedError || error instanceof McpSignInRequiredError) {
      const hint = this.#options.signInHint?.(this.name) ?? `sign in with \`mcp login ${this.name}\``;
      return error instanceof McpSignInRequiredError ? error : new McpSignInRequiredError(this.name, hint, { cause: error });
    }
    return this.#startupFailure(error);
  }

  /** One connection attempt; throws the SDK's own error (the client disposed). */
  async #connectOver(kind: McpTransportKind, authProvider: McpOAuthProvider | undefined): Promise<Client> {
    this.#stderr.clear();
    const transport = createMcpTransport(this.config, this.#options, kind === 'stdio' ? {} : { kind, authProvider });
    if (transport instanceof StdioClientTransport) transport.stderr?.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    const client = new Client(this.#options.clientInfo ?? { name: 'ml-intern', version: '0.0.0' }, { capabilities: {} });
    client.onclose = () => this.#handleClose(client);
    // Transport-level noise (an optional SSE stream the server does not offer, …) is not a failure;
    // failures surface through the request that hit them.
    client.onerror = () => {};
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.#refreshTools(client));
    this.#transport = transport;
    this.#client = client;
    try {
      await client.connect(transport, { timeout: this.config.startup_timeout_ms });
    } catch (error) {
      this.#client = undefined;
      await this.#dispose(client);
      throw error;
    }
    if (this.#state === 'closed') {
      this.#client = undefined;
      await this.#dispose(client);
      throw new ToolExecutionError(`MCP server "${this.name}" was closed`);
    }
    return client;
  }

  /** Re-list the tools after `notifications/tools/list_changed` (one listing at a time; a notice during one runs another after it). */
  #refreshTools(client: Client): void {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        try {
          const tools = await this.#listTools(client);
          if (client === this.#client && this.#state === 'connected') this.#options.onToolsChanged?.(tools);
        } catch (error) {
          this.#options.log?.(`MCP server "${this.name}" said its tools changed, but listing them failed: ${messageOf(error)}; the previous tools stay`, 'warn');
        }
      } while (this.#refreshAgain && client === this.#client);
    })().finally(() => {
      this.#refreshing = undefined;
    });
  }

  async #listTools(client: Client): Promise<McpToolInfo[]> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: this.config.startup_timeout_ms });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  async #ensureClient(log: McpLog): Promise<Client> {
    if (this.#client && this.#state === 'connected') return this.#client;
    if (this.#state === 'closed') throw new ToolExecutionError(`MCP server "${this.name}" is closed`);
    if (!this.#connecting) {
      const verb = this.config.transport === 'stdio' ? 'restarting' : 'reconnecting to';
      log(`MCP server "${this.name}" is not running (${this.#error ?? 'disconnected'}); ${verb} it`, 'warn');
      this.#state = 'restarting';
      this.#connecting = this.#connect()
        .then((client) => {
          this.#setConnected();
          log(`MCP server "${this.name}" is running again`, 'info');
          return client;
        })
        .catch((error: unknown) => {
          this.#recordFailure(error);
          throw error;
        })
        .finally(() => {
          this.#connecting = undefined;
        });
    } else {
      log(`waiting for MCP server "${this.name}" to restart`, 'info');
    }
    return this.#connecting;
  }

  #handleClose(client: Client): void {
    if (client !== this.#client || this.#state === 'closed') return;
    this.#client = undefined;
    if (this.#state !== 'connected') return;
    const tail = this.#stderr.lines(3, ' | ');
    const message = `the server stopped${tail ? `; last stderr: ${tail}` : ''}`;
    this.#fail(message);
    this.#options.log?.(`MCP server "${this.name}" stopped unexpectedly; it is restarted on its next tool call`, 'warn');
  }

  async #callFailure(error: unknown, client: Client, signal: AbortSignal): Promise<Error> {
    if (signal.aborted) return new AbortError(`MCP call to "${this.name}" was cancelled`);
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      const seconds = this.config.timeout_ms / 1000;
      return new ToolExecutionError(
        `MCP server "${this.name}" did not answer within ${seconds} s (its timeout_ms is ${this.config.timeout_ms}); the call was cancelled`,
        { cause: error },
      );
    }
    if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
      await delay(0);
      const tail = this.#stderr.lines(10, ' | ');
      return new ToolExecutionError(
        `MCP server "${this.name}" closed the connection during the call${tail ? ` (stderr: ${tail})` : ''}; it is restarted on the next call`,
        { cause: error },
      );
    }
    // An SDK server sends its McpError's message, already prefixed, and the client prefixes it again.
    if (error instanceof McpError) return new ToolExecutionError(error.message.replace(/^(MCP error -?\d+: )\1+/, '$1'), { cause: error });
    // Anything else is the transport failing (connection refused, session gone, process exited):
    // drop this client so the next call starts afresh.
    const reason = messageOf(error);
    if (this.#client === client) {
      this.#client = undefined;
      this.#fail(reason);
      void this.#dispose(client);
    }
    return new ToolExecutionError(`could not reach MCP server "${this.name}": ${reason}; it is reconnected on the next call`, { cause: error });
  }

  async #startupFailure(error: unknown): Promise<ToolExecutionError> {
    // The last stderr chunk can arrive just after the close that failed the request.
    await delay(20);
    const tail = this.#stderr.lines(20);
    const message = `MCP server "${this.name}" failed to start (${this.config.transport}: ${this.target}): ${messageOf(error)}${tail ? `\nstderr (last lines):\n${tail}` : ''}`;
    return new ToolExecutionError(message, { cause: error });
  }

  #setConnected(): void {
    this.#state = 'connected';
    this.#error = undefined;
  }

  #recordFailure(error: unknown): void {
    if (error instanceof McpSignInRequiredError) {
      if (this.#state === 'closed') return;
      this.#state = 'needs_sign_in';
      this.#error = error.message;
      return;
    }
    this.#fail(messageOf(error));
  }

  #fail(message: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'failed';
    this.#error = message;
  }

  async #dispose(client: Client): Promise<void> {
    const transport = client.transport;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      await settlesWithin(transport.terminateSession().catch(() => {}), CLOSE_GRACE_MS);
    }
    const pid = transport instanceof StdioClientTransport ? transport.pid : null;
    const closing = client.close().catch(() => {});
    if (pid === null) return closing;
    const closed = await settlesWithin(closing, CLOSE_GRACE_MS);
    if (closed) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await closing;
  }
}
