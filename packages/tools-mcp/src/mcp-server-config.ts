import { z } from 'zod';

/** Default wall-clock limit of one MCP tool call (`timeout_ms`). */
export const DEFAULT_MCP_TIMEOUT_MS = 120_000;

/** Default limit for starting a server and listing its tools (`startup_timeout_ms`). */
export const DEFAULT_MCP_STARTUP_TIMEOUT_MS = 30_000;

const globList = z.array(z.string().min(1));

// Keys every server accepts, whatever its transport.
const commonShape = {
  /** Set to false to keep the entry in the config without starting the server. */
  enabled: z.boolean().default(true),
  /** Only tools whose MCP name matches one of these globs (`*`, `?`) are exposed. */
  include_tools: globList.optional(),
  /** Tools whose MCP name matches one of these globs are hidden (applied after `include_tools`). */
  exclude_tools: globList.optional(),
  /** Limit of one tool call in ms; the server is sent a cancellation when it is reached. */
  timeout_ms: z.number().int().positive().default(DEFAULT_MCP_TIMEOUT_MS),
  /** Limit for spawning/connecting and listing tools in ms. */
  startup_timeout_ms: z.number().int().positive().default(DEFAULT_MCP_STARTUP_TIMEOUT_MS),
  /** Calls to a trusted server's tools are allowed without asking (user policy rules still apply). */
  trust: z.boolean().default(false),
  /** Send the user's HF token: `HF_TOKEN` env for stdio servers, `Authorization: Bearer` for http. */
  send_hf_token: z.boolean().default(false),
};

const stringRecord = z.record(z.string(), z.string());

const stdioServerSchema = z.strictObject({
  transport: z.literal('stdio'),
  command: z.string().min(1, 'command must not be empty'),
  args: z.array(z.string()).default([]),
  /** Added to a minimal inherited environment (HOME, PATH, SHELL, TERM, USER, LOGNAME). */
  env: stringRecord.default({}),
  cwd: z.string().min(1).optional(),
  ...commonShape,
});

const oauthSchema = z.strictObject({
  /** Scope to ask for when the server's metadata names none. */
  scope: z.string().min(1).optional(),
  /** A client registered by hand with the authorization server (else one is registered dynamically). */
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
  /** The 127.0.0.1 port of the redirect URI (default: a free port, kept with the registration). */
  redirect_port: z.number().int().min(1024).max(65535).optional(),
});

const httpServerSchema = z.strictObject({
  /**
   * `http` (Streamable HTTP, also spelled `streamable-http`; a server that answers it with a 4xx
   * is reached over SSE instead) or the legacy `sse` transport.
   */
  transport: z.enum(['http', 'streamable-http', 'sse']).transform((value) => (value === 'streamable-http' ? 'http' : value)),
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }),
  headers: stringRecord.default({}),
  /**
   * OAuth sign-in for servers that answer 401 (`ml-intern mcp login <server>`): on by default
   * unless the entry sends its own `Authorization`; `false` turns it off, an object configures it.
   */
  oauth: z.union([z.literal(false), oauthSchema]).optional(),
  ...commonShape,
});

// `transport` may be left out: an entry with `command` is stdio, one with `url` is http.
function inferTransport(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || 'transport' in value) return value;
  if ('command' in value) return { ...value, transport: 'stdio' };
  if ('url' in value) return { ...value, transport: 'http' };
  return value;
}

/**
 * One entry of `mcpServers` (SPEC section 9). Stdio: `{ command, args?, env?, cwd? }`; Streamable
 * HTTP: `{ transport: "http", url, headers? }`; plus the per-server keys `enabled`, `include_tools`,
 * `exclude_tools`, `timeout_ms`, `startup_timeout_ms`, `trust` and `send_hf_token`. Unknown keys are
 * rejected so a misspelt option is reported instead of ignored. `${VAR}` substitution happens
 * before this schema is applied.
 */
export const mcpServerConfigSchema = z.preprocess(
  inferTransport,
  z.discriminatedUnion('transport', [stdioServerSchema, httpServerSchema], {
    error: 'an MCP server needs either "command" (stdio) or "url" with "transport": "http"',
  }),
);

/** The whole `mcpServers` object: server name → entry. */
export const mcpServersConfigSchema = z.record(z.string().min(1), mcpServerConfigSchema);

/** A parsed stdio server entry. */
export type McpStdioServerConfig = z.output<typeof stdioServerSchema>;
/** The `oauth` key of an http or sse server entry. */
export type McpOAuthConfig = z.output<typeof oauthSchema>;
/** A parsed http or sse server entry. */
export type McpHttpServerConfig = z.output<typeof httpServerSchema>;
/** A parsed server entry (defaults applied). */
export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;
/** A server entry as written in a config file (optional keys may be left out). */
export type McpServerConfigInput =
  | z.input<typeof stdioServerSchema>
  | z.input<typeof httpServerSchema>
  | Omit<z.input<typeof stdioServerSchema>, 'transport'>
  | Omit<z.input<typeof httpServerSchema>, 'transport'>;
/** The `mcpServers` object as written in a config file. */
export type McpServersConfigInput = Record<string, McpServerConfigInput>;
