import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { type FakeMcpAuthorization, type FakeMcpOAuthOptions, createFakeMcpAuthorization } from './fake-mcp-oauth.js';
import { type HttpFake, type RecordedRequest, sendJson, startHttpFake } from './http-fake.js';

/** One tool the fake offers. */
export interface FakeMcpTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (default: an object with no properties). */
  inputSchema?: Record<string, unknown>;
  /** The text result (default: the arguments as JSON). */
  reply?: (args: Record<string, unknown>) => string;
}

export interface FakeMcpServerOptions {
  /**
   * `streamable-http`: the current transport at `/mcp` (sessions, the standalone GET stream for
   * notifications). `sse-only`: the legacy transport (GET `/sse`, POST `/messages`); a Streamable
   * HTTP POST to `/sse` is answered 405, as such servers do.
   */
  transport?: 'streamable-http' | 'sse-only';
  tools?: FakeMcpTool[];
  /** Protect the server with OAuth 2.1: an authorization server on the same origin (see {@link FakeMcpOAuthOptions}). */
  oauth?: FakeMcpOAuthOptions | true;
  /** Server name sent in `initialize`. */
  name?: string;
}

/** A remote MCP server speaking the real protocol through the SDK's own server transports. */
export interface FakeMcpServer extends HttpFake {
  /** The URL a client is configured with: `<url>/mcp`, or `<url>/sse` for `sse-only`. */
  readonly mcpUrl: string;
  /** Replace the tool list and send `notifications/tools/list_changed` to every connected client. */
  setTools(tools: FakeMcpTool[]): Promise<void>;
  /** The OAuth side, when `oauth` is set. */
  readonly authorization: FakeMcpAuthorization | undefined;
  /** JSON-RPC methods received, in order (`initialize`, `tools/list`, `tools/call`, …). */
  methods(): string[];
  /** Connected client sessions. */
  sessionCount(): number;
}

const ECHO: FakeMcpTool = {
  name: 'echo',
  description: 'Echo the message back',
  inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  reply: (args) => `Echo: ${String(args.message)}`,
};

function createMcpServer(name: string, tools: () => FakeMcpTool[]): Server {
  const server = new Server({ name, version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools().map((tool) => ({
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: (tool.inputSchema ?? { type: 'object', properties: {} }) as { type: 'object' },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const tool = tools().find((candidate) => candidate.name === request.params.name);
    if (!tool) return { content: [{ type: 'text', text: `Unknown tool: ${request.params.name}` }], isError: true };
    const args = request.params.arguments ?? {};
    return { content: [{ type: 'text', text: tool.reply ? tool.reply(args) : JSON.stringify(args) }] };
  });
  return server;
}

/**
 * Start a fake remote MCP server on 127.0.0.1: Streamable HTTP or SSE only, optionally behind
 * OAuth (protected resource metadata, authorization server metadata, dynamic client
 * registration, an authorization endpoint that consents at once and redirects with a code,
 * PKCE-checked token and refresh grants, expiring bearer tokens), with a tool list tests can
 * change while clients are connected.
 */
export async function startFakeMcpServer(options: FakeMcpServerOptions = {}): Promise<FakeMcpServer> {
  const mode = options.transport ?? 'streamable-http';
  const name = options.name ?? 'fake-mcp';
  let tools = options.tools ?? [ECHO];
  const servers = new Set<Server>();
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  let authorization: FakeMcpAuthorization | undefined;
  const mcpPath = mode === 'sse-only' ? '/sse' : '/mcp';

  const connect = async (transport: StreamableHTTPServerTransport | SSEServerTransport) => {
    const server = createMcpServer(name, () => tools);
    servers.add(server);
    server.onclose = () => servers.delete(server);
    await server.connect(transport);
  };

  async function handleStreamable(request: RecordedRequest, response: http.ServerResponse, raw: http.IncomingMessage): Promise<void> {
    const sessionId = raw.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? streamable.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(raw, response, request.json);
    if (request.method === 'POST' && isInitializeRequest(request.json)) {
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          streamable.set(id, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) streamable.delete(transport.sessionId);
      };
      await connect(transport);
      return transport.handleRequest(raw, response, request.json);
    }
    sendJson(response, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
  }

  async function handleSse(request: RecordedRequest, response: http.ServerResponse, raw: http.IncomingMessage): Promise<void> {
    if (request.path === '/sse' && request.method === 'GET') {
      const transport = new SSEServerTransport('/messages', response);
      sse.set(transport.sessionId, transport);
      transport.onclose = () => sse.delete(transport.sessionId);
      await connect(transport);
      return;
    }
    if (request.path === '/messages' && request.method === 'POST') {
      const transport = sse.get(new URL(request.url, 'http://fake').searchParams.get('sessionId') ?? '');
      if (!transport) return sendJson(response, 404, { error: 'unknown session' });
      return transport.handlePostMessage(raw, response, request.json);
    }
    // What an SSE-only server answers a Streamable HTTP client.
    response.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('Method Not Allowed');
  }

  const fake = await startHttpFake(async (request, response, raw) => {
    if (authorization?.handles(request)) return authorization.handle(request, response);
    const isMcp = request.path === mcpPath || (mode === 'sse-only' && request.path === '/messages');
    if (!isMcp) return sendJson(response, 404, { error: 'not found' });
    if (authorization && !authorization.authorize(raw, response)) return;
    if (mode === 'sse-only') return handleSse(request, response, raw);
    return handleStreamable(request, response, raw);
  });
  if (options.oauth) authorization = createFakeMcpAuthorization(fake.url, `${fake.url}${mcpPath}`, options.oauth === true ? {} : options.oauth);

  const closeHttp = fake.close;
  const close = async () => {
    await Promise.allSettled([...servers].map((server) => server.close()));
    await closeHttp();
  };
  return Object.assign(fake, {
    mcpUrl: `${fake.url}${mcpPath}`,
    authorization,
    async setTools(next: FakeMcpTool[]) {
      tools = next;
      await Promise.allSettled([...servers].map((server) => server.sendToolListChanged()));
    },
    methods() {
      return fake.requests.map((request) => (request.json as { method?: string } | undefined)?.method).filter((method): method is string => typeof method === 'string');
    },
    sessionCount() {
      return servers.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  });
}
