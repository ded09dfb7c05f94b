import http from 'node:http';
import { ToolExecutionError } from '@ml-intern/core';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import type { McpFetch } from './create-mcp-transport.js';
import type { McpHttpServerConfig } from './mcp-server-config.js';
import { MCP_OAUTH_CALLBACK_PATH, McpOAuthProvider } from './mcp-oauth-provider.js';
import { McpOAuthStore } from './mcp-oauth-store.js';

/** How long a sign-in waits for the browser to come back. */
export const DEFAULT_SIGN_IN_TIMEOUT_MS = 300_000;

export interface McpOAuthOptions {
  /** Folder of the per-server token files (`$XDG_CONFIG_HOME/ml-intern/mcp-oauth`). */
  dir: string;
  /** Client name sent when registering (default "ml-intern"). */
  clientName?: string;
}

export interface SignInMcpServerOptions {
  name: string;
  config: McpHttpServerConfig;
  oauth: McpOAuthOptions;
  /** Shows the authorization URL to the user (print it, open a browser). */
  onAuthorizationUrl: (url: URL) => void | Promise<void>;
  fetch?: McpFetch | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The provider for a server entry, its redirect port and scope taken from the entry's `oauth` key. */
export async function createMcpOAuthProvider(name: string, config: McpHttpServerConfig, oauth: McpOAuthOptions): Promise<McpOAuthProvider> {
  const settings = config.oauth === false ? {} : (config.oauth ?? {});
  return McpOAuthProvider.create({
    store: new McpOAuthStore({ dir: oauth.dir, server: name, serverUrl: config.url }),
    redirectPort: settings.redirect_port,
    scope: settings.scope,
    clientId: settings.client_id,
    clientSecret: settings.client_secret,
    clientName: oauth.clientName,
  });
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family: sans-serif; margin: 3em"><h1>${title}</h1><p>${text}</p></body>`;

interface CallbackResult {
  code: string;
}

/** Listen on 127.0.0.1:`port` for the authorization server's redirect; resolves with the code once `state` matches. */
function listenForCallback(port: number, state: string, server: string): { ready: Promise<void>; result: Promise<CallbackResult>; close(): void } {
  let settle: { resolve(value: CallbackResult): void; reject(error: Error): void } | undefined;
  const result = new Promise<CallbackResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const listener = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== MCP_OAUTH_CALLBACK_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    // Another page cannot complete this sign-in: only the redirect carrying our state counts.
    if (url.searchParams.get('state') !== state) {
      response.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('Sign-in failed', 'The answer did not carry the state this sign-in sent. Start it again.'));
      return;
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error || !code) {
      const description = url.searchParams.get('error_description');
      response.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('Sign-in failed', `The authorization server answered: ${error ?? 'no code'}.`));
      settle?.reject(new ToolExecutionError(`signing in to MCP server "${server}" failed: the authorization server answered ${error ?? 'without a code'}${description ? ` (${description})` : ''}`));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE('Signed in', `ml-intern is signed in to the MCP server "${server}". You can close this tab.`));
    settle?.resolve({ code });
  });
  const ready = new Promise<void>((resolve, reject) => {
    listener.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ToolExecutionError(
          error.code === 'EADDRINUSE'
            ? `cannot sign in to MCP server "${server}": port ${port} on 127.0.0.1 (its OAuth redirect) is in use; free it or set "oauth": { "redirect_port": <another port> } in its entry`
            : `cannot listen for the OAuth redirect on 127.0.0.1:${port}: ${error.message}`,
        ),
      );
    });
    listener.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    ready,
    result,
    close() {
      listener.closeAllConnections();
      listener.close();
    },
  };
}

/**
 * Sign in to a remote MCP server with OAuth: discover its authorization server, register a
 * client (or use the configured one), send the user to the authorization URL with PKCE, take the
 * redirect on a 127.0.0.1 port of our own, and exchange the code for tokens, which are stored
 * (0600) for later runs. The tokens never appear in what it returns, logs or errors.
 */
export async function signInMcpServer(options: SignInMcpServerOptions): Promise<void> {
  const provider = await createMcpOAuthProvider(options.name, options.config, options.oauth);
  // A new sign-in replaces the old tokens; the client registration is kept.
  provider.invalidateCredentials('tokens');
  provider.invalidateCredentials('verifier');
  const callback = listenForCallback(provider.port, provider.state(), options.name);
  callback.result.catch(() => {});
  const timeoutMs = options.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => callback.close();
  try {
    await callback.ready;
    provider.onAuthorizationUrl = options.onAuthorizationUrl;
    const fetchFn = options.fetch;
    const first = await auth(provider, { serverUrl: options.config.url, ...(fetchFn ? { fetchFn } : {}) });
    if (first === 'AUTHORIZED') return;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ToolExecutionError(`signing in to MCP server "${options.name}" timed out after ${Math.round(timeoutMs / 1000)} s without an answer from the browser`)),
        timeoutMs,
      );
    });
    const aborted = new Promise<never>((_, reject) => {
      if (options.signal?.aborted) reject(new ToolExecutionError(`signing in to MCP server "${options.name}" was cancelled`));
      options.signal?.addEventListener('abort', () => reject(new ToolExecutionError(`signing in to MCP server "${options.name}" was cancelled`)), { once: true });
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const { code } = await Promise.race([callback.result, expired, aborted]);
    const second = await auth(provider, { serverUrl: options.config.url, authorizationCode: code, ...(fetchFn ? { fetchFn } : {}) });
    if (second !== 'AUTHORIZED') throw new ToolExecutionError(`MCP server "${options.name}" did not accept the authorization code`);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    callback.close();
  }
}
