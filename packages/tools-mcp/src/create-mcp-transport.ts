import path from 'node:path';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from './mcp-server-config.js';

/** The `fetch` signature HTTP transports use. */
export type McpFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Whether an entry's requests carry their own `Authorization` (a header, or the HF token). */
export function sendsOwnAuthorization(config: McpServerConfig, hfToken: string | undefined): boolean {
  if (config.transport === 'stdio') return true;
  return (config.send_hf_token && hfToken !== undefined && hfToken !== '') || hasHeader(config.headers, 'authorization');
}

export interface McpTransportOptions {
  /** The user's HF token; sent only when the server's config has `send_hf_token: true`. */
  hfToken?: string | undefined;
  fetch?: McpFetch | undefined;
  /** Base directory for a relative stdio `cwd`. */
  cwd?: string | undefined;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * A transport for one server entry. The HF token is added only for servers that ask for it, and
 * an explicit `env.HF_TOKEN` or `Authorization` header in the entry takes precedence over it.
 */
export function createMcpTransport(
  config: McpServerConfig,
  options: McpTransportOptions = {},
  remote: { kind?: 'http' | 'sse'; authProvider?: OAuthClientProvider | undefined } = {},
): Transport {
  const token = config.send_hf_token ? options.hfToken : undefined;
  if (config.transport === 'stdio') {
    const cwd = config.cwd === undefined ? options.cwd : path.resolve(options.cwd ?? '.', config.cwd);
    return new StdioClientTransport({
      command: config.command,
      args: config.args,
      env: { ...(token ? { HF_TOKEN: token } : {}), ...config.env },
      ...(cwd === undefined ? {} : { cwd }),
      // Piped (and always read) so startup failures can quote it and a chatty server never blocks.
      stderr: 'pipe',
    });
  }
  const headers = { ...config.headers };
  if (token && !hasHeader(headers, 'authorization')) headers.Authorization = `Bearer ${token}`;
  const transportOptions = {
    requestInit: { headers },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(remote.authProvider ? { authProvider: remote.authProvider } : {}),
  };
  const url = new URL(config.url);
  const kind = remote.kind ?? config.transport;
  return kind === 'sse' ? new SSEClientTransport(url, transportOptions) : new StreamableHTTPClientTransport(url, transportOptions);
}

function quoteArgument(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

/**
 * How a server is reached, for messages and `mcp list`: the command line of a stdio server, or the
 * URL of an http server without its query string (which may carry credentials).
 */
export function describeMcpTarget(config: McpServerConfig): string {
  if (config.transport === 'stdio') {
    const line = [config.command, ...config.args].map(quoteArgument).join(' ');
    return line.length > 300 ? `${line.slice(0, 297)}...` : line;
  }
  const url = new URL(config.url);
  return `${url.origin}${url.pathname}`;
}
