import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Network for ML work without network access (`sandbox.network: "allowlist"`).
 *
 * The sandbox keeps its own network namespace (only loopback). The CLI runs two small servers
 * outside it, each on a Unix socket in a private directory that is bound read-only into the
 * sandbox; the sandbox host relays `127.0.0.1:<port>` inside to them (host-server.ts):
 *
 * - the **proxy** (`HTTP(S)_PROXY=http://127.0.0.1:3128`): `CONNECT host:443` and plain
 *   `GET http://host/…` (port 80), only to hosts matching the allow-list; TLS goes end to end.
 * - the **Hub forwarder** (`HF_ENDPOINT=http://127.0.0.1:3129`): plain HTTP, forwarded to the
 *   real Hub (or the user's HF_ENDPOINT) with the user's token added here, so the token never
 *   enters the sandbox. Only GET and HEAD unless `hubWrite`.
 */

/** Hosts reachable through the proxy by default. `*.` matches one or more labels; another `*` part of one label. */
export const DEFAULT_ALLOWED_DOMAINS: readonly string[] = [
  'pypi.org',
  'files.pythonhosted.org',
  'huggingface.co',
  'hf.co',
  'cdn-lfs*.huggingface.co',
  'cdn-lfs*.hf.co',
  '*.xethub.hf.co',
  'cas-bridge.xethub.hf.co',
  'raw.githubusercontent.com',
  'github.com',
  'objects.githubusercontent.com',
  'release-assets.githubusercontent.com',
  'download.pytorch.org',
];

/** Ports inside the sandbox (its own network namespace, so always free). */
export const EGRESS_PROXY_PORT = 3128;
export const HUB_FORWARDER_PORT = 3129;

/** Where a host:port really goes; tests map fake domains to local servers. */
export type EgressResolver = (host: string, port: number) => { host: string; port: number };

export interface EgressOptions {
  /** Allowed host patterns (default DEFAULT_ALLOWED_DOMAINS); `extraDomains` are added. */
  domains?: readonly string[];
  extraDomains?: readonly string[];
  resolve?: EgressResolver;
  /** The Hub the forwarder serves (default https://huggingface.co). */
  hubEndpoint?: string;
  /** Added as `Authorization: Bearer` to every forwarded Hub request; never sent into the sandbox. */
  hubToken?: string;
  /** Forward writes (POST, PUT, DELETE…) to the Hub too (default false). */
  hubWrite?: boolean;
  /** What the forwarder is called inside the sandbox, for rewriting the Hub's redirects. */
  hubPublicOrigin?: string;
}

export interface Egress {
  /** Private directory holding `proxy.sock` and `hub.sock` (mode 0700). */
  readonly directory: string;
  readonly proxySocket: string;
  readonly hubSocket: string;
  readonly domains: readonly string[];
  readonly hubEndpoint: string;
  close(): Promise<void>;
}

function patternExpression(pattern: string): RegExp {
  const lower = pattern.trim().toLowerCase().replace(/\.$/, '');
  let source = '';
  let rest = lower;
  if (rest.startsWith('*.')) {
    source = '(?:[a-z0-9-]+\\.)+';
    rest = rest.slice(2);
  }
  source += rest
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[a-z0-9-]*');
  return new RegExp(`^${source}$`);
}

/** A matcher for the allow-list. IP literals and names with odd characters never match. */
export function domainMatcher(domains: readonly string[]): (host: string) => boolean {
  const expressions = domains.filter((domain) => domain.trim() !== '').map(patternExpression);
  return (host) => {
    const name = host.toLowerCase().replace(/\.$/, '');
    if (!/^[a-z0-9.-]+$/.test(name) || net.isIP(name) !== 0) return false;
    return expressions.some((expression) => expression.test(name));
  };
}

function refuse(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  response.end(`${message}\n`);
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

function forwardHeaders(headers: IncomingMessage['headers'], drop: readonly string[] = []): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_HEADERS.has(name) || drop.includes(name)) continue;
    result[name] = value;
  }
  return result;
}

function parseTarget(authority: string, defaultPort: number): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:/]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!match) return undefined;
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
}

function listenOn(server: net.Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      chmodSync(socket, 0o600);
      resolve();
    });
  });
}

/** Start the proxy and the Hub forwarder (outside the sandbox). */
export async function startEgress(options: EgressOptions = {}): Promise<Egress> {
  const domains = [...(options.domains ?? DEFAULT_ALLOWED_DOMAINS), ...(options.extraDomains ?? [])];
  const allowed = domainMatcher(domains);
  const resolve: EgressResolver = options.resolve ?? ((host, port) => ({ host, port }));
  const hubEndpoint = (options.hubEndpoint ?? 'https://huggingface.co').replace(/\/+$/, '');
  const hub = new URL(hubEndpoint);
  const publicOrigin = options.hubPublicOrigin ?? `http://127.0.0.1:${HUB_FORWARDER_PORT}`;
  const directory = mkdtempSync(path.join(tmpdir(), 'ml-intern-egress-'));
  chmodSync(directory, 0o700);
  const proxySocket = path.join(directory, 'proxy.sock');
  const hubSocket = path.join(directory, 'hub.sock');
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const proxy = http.createServer((request, response) => {
    // Plain HTTP through the proxy: an absolute http:// URL to an allowed host, port 80.
    let target: URL;
    try {
      target = new URL(request.url ?? '');
    } catch {
      refuse(response, 400, 'ml-intern egress proxy: only absolute http:// URLs and CONNECT are served');
      return;
    }
    const port = target.port ? Number(target.port) : 80;
    if (target.protocol !== 'http:' || port !== 80 || !allowed(target.hostname)) {
      refuse(response, 403, `ml-intern egress proxy: ${target.host} is not in sandbox.allowed_domains`);
      return;
    }
    const destination = resolve(target.hostname, port);
    const upstream = http.request(
      { host: destination.host, port: destination.port, method: request.method, path: `${target.pathname}${target.search}`, headers: { ...forwardHeaders(request.headers), host: target.host } },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, forwardHeaders(reply.headers));
        reply.pipe(response);
      },
    );
    upstream.on('error', (error) => refuse(response, 502, `ml-intern egress proxy: ${target.host}: ${error.message}`));
    request.pipe(upstream);
  });
  proxy.on('connection', track);
  proxy.on('connect', (request: IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const target = parseTarget(request.url ?? '', 443);
    if (!target || target.port !== 443 || !allowed(target.host)) {
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nml-intern egress proxy: ${request.url ?? ''} is not in sandbox.allowed_domains (CONNECT to port 443 of a listed host only)\n`);
      return;
    }
    const destination = resolve(target.host, target.port);
    const upstream = net.connect(destination.port, destination.host);
    track(upstream);
    let established = false;
    upstream.once('connect', () => {
      established = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) => {
      if (!established && client.writable) client.end(`HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n${error.message}\n`);
      else client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });

  const client = hub.protocol === 'https:' ? https : http;
  const forwarder = http.createServer((request, response) => {
    const method = (request.method ?? 'GET').toUpperCase();
    if (!options.hubWrite && method !== 'GET' && method !== 'HEAD') {
      request.resume();
      refuse(response, 403, `ml-intern Hub forwarder: ${method} refused; the sandbox reads from the Hub only (writes go through the hf_repo tools, or set sandbox.hub_write)`);
      return;
    }
    const url = request.url ?? '/';
    if (!url.startsWith('/')) {
      refuse(response, 400, 'ml-intern Hub forwarder: origin-form paths only');
      return;
    }
    const basePath = hub.pathname.replace(/\/+$/, '');
    const headers = forwardHeaders(request.headers, ['cookie']);
    if (options.hubToken) headers.authorization = `Bearer ${options.hubToken}`;
    headers.host = hub.host;
    const upstream = client.request(
      { protocol: hub.protocol, hostname: hub.hostname, port: hub.port || undefined, method, path: `${basePath}${url}`, headers },
      (reply) => {
        const replyHeaders = forwardHeaders(reply.headers, ['set-cookie']);
        const location = reply.headers.location;
        // Redirects within the Hub come back here (with the token); others (the CDN) go through the proxy.
        if (typeof location === 'string' && location.startsWith(hubEndpoint)) replyHeaders.location = `${publicOrigin}${location.slice(hubEndpoint.length)}`;
        response.writeHead(reply.statusCode ?? 502, replyHeaders);
        reply.pipe(response);
      },
    );
    upstream.on('error', (error) => refuse(response, 502, `ml-intern Hub forwarder: ${error.message}`));
    request.pipe(upstream);
  });
  forwarder.on('connection', track);

  try {
    await listenOn(proxy, proxySocket);
    await listenOn(forwarder, hubSocket);
  } catch (error) {
    proxy.close();
    forwarder.close();
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  proxy.unref();
  forwarder.unref();
  let closing: Promise<void> | undefined;
  return {
    directory,
    proxySocket,
    hubSocket,
    domains,
    hubEndpoint,
    close() {
      closing ??= (async () => {
        for (const socket of open) socket.destroy();
        await Promise.all([new Promise((done) => proxy.close(done)), new Promise((done) => forwarder.close(done))]);
        rmSync(directory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** Environment commands get in allowlist mode. */
export function egressEnvironment(): Record<string, string> {
  const proxy = `http://127.0.0.1:${EGRESS_PROXY_PORT}`;
  return {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    HF_ENDPOINT: `http://127.0.0.1:${HUB_FORWARDER_PORT}`,
  };
}
