import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { ToolExecutionError, proxyForUrl, type ProxyEnvironment } from '@ml-intern/core';
import { type NetworkPolicy, parseIpAddress } from './address-policy.js';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (default: the system resolver, `dns.lookup`). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface GuardedFetchOptions {
  policy: NetworkPolicy;
  resolveHost?: HostResolver;
  signal?: AbortSignal;
  /** Stop reading the (decompressed) body after this many bytes. */
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  accept: string;
  /**
   * Where `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` are read (default `process.env`; `false`: never a
   * proxy). Through a proxy the connection still goes to the checked address only: a CONNECT
   * tunnel to that IP (TLS keeps the host name for SNI and the certificate check), or for http an
   * absolute-form request naming the IP with the host in `Host`, so the proxy resolves nothing.
   */
  proxyEnv?: ProxyEnvironment | false;
}

export interface GuardedResponse {
  /** URL of the last hop, without credentials. */
  url: string;
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** True when the body was cut at `maxBytes`. */
  truncated: boolean;
  /** URLs that redirected, in order. */
  redirects: string[];
}

/** Refused by the network policy: the model sees this as a tool error. */
export class BlockedDestinationError extends ToolExecutionError {}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export const systemResolver: HostResolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

/** Parse a URL for fetching: http(s) only, credentials removed. */
export function prepareUrl(raw: string, base?: string): URL {
  let url: URL;
  try {
    url = base === undefined ? new URL(raw) : new URL(raw, base);
  } catch {
    throw new ToolExecutionError(`Invalid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolExecutionError(`Only http and https URLs can be fetched (got ${url.protocol.slice(0, -1)}).`);
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  return url;
}

/**
 * Resolve `hostname` once and check every address against the policy. The checked addresses are
 * the only ones the connection may use (see `pinnedLookup`), so a DNS answer that changes between
 * the check and the connect (DNS rebinding) cannot redirect the socket.
 */
async function resolveChecked(url: URL, policy: NetworkPolicy, resolveHost: HostResolver): Promise<ResolvedAddress[]> {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = parseIpAddress(hostname);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: literal.toString(), family: literal.kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      addresses = await resolveHost(hostname);
    } catch (error) {
      throw new ToolExecutionError(`Could not resolve ${hostname}: ${(error as Error).message}`, { cause: error });
    }
    if (addresses.length === 0) throw new ToolExecutionError(`Could not resolve ${hostname}: no addresses`);
  }
  for (const { address } of addresses) {
    const refusal = policy.check(hostname, address);
    if (refusal) throw new BlockedDestinationError(`Refused to fetch ${url.href}: ${refusal}.`);
  }
  return addresses;
}

/** A `lookup` for `http.request` that answers only with addresses already checked. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((entry) => entry.family === options.family) : addresses;
    if (wanted.length === 0) {
      callback(Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if (options.all) (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, wanted);
    else callback(null, wanted[0]!.address, wanted[0]!.family);
  };
}

function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

interface Hop {
  response: http.IncomingMessage;
  request: http.ClientRequest;
}

/** The only headers ever sent: no cookies, no authorization, nothing from redirects. */
function requestHeaders(url: URL, options: GuardedFetchOptions): Record<string, string> {
  return { host: url.host, 'user-agent': options.userAgent, accept: options.accept, 'accept-encoding': 'gzip, deflate, br' };
}

function settle(request: http.ClientRequest): Promise<Hop> {
  return new Promise((resolve, reject) => {
    request.once('response', (response) => resolve({ response, request }));
    request.once('error', reject);
    request.end();
  });
}

function requestOnce(url: URL, addresses: ResolvedAddress[], options: GuardedFetchOptions): Promise<Hop> {
  const proxy = options.proxyEnv === false ? undefined : proxyForUrl(url, options.proxyEnv ?? process.env);
  if (proxy) return throughProxy(proxy, url, addresses[0] as ResolvedAddress, options);
  const client = url.protocol === 'https:' ? https : http;
  return settle(
    client.request(url, {
      method: 'GET',
      agent: false,
      lookup: pinnedLookup(addresses),
      headers: requestHeaders(url, options),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
}

/** `Proxy-Authorization` from the proxy URL's credentials, if it has any. */
function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** The checked address and the URL's port, as a request target (`[v6]:port` for IPv6). */
function addressTarget(address: ResolvedAddress, url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${address.family === 6 ? `[${address.address}]` : address.address}:${port}`;
}

/** Connect to the checked address through the proxy: the proxy is never asked to resolve the name. */
async function throughProxy(proxy: URL, url: URL, address: ResolvedAddress, options: GuardedFetchOptions): Promise<Hop> {
  const proxyClient = proxy.protocol === 'https:' ? https : http;
  const proxyPort = proxy.port || (proxy.protocol === 'https:' ? '443' : '80');
  const signal = options.signal ? { signal: options.signal } : {};
  const target = addressTarget(address, url);
  if (url.protocol === 'http:') {
    // Absolute form naming the address; the host goes in `Host` only.
    const path = `http://${target}${url.pathname}${url.search}`;
    return settle(proxyClient.request({ host: proxy.hostname, port: proxyPort, method: 'GET', path, agent: false, headers: { ...requestHeaders(url, options), ...proxyAuthorization(proxy) }, ...signal }));
  }
  const socket = await new Promise<Socket>((resolve, reject) => {
    const connect = proxyClient.request({ host: proxy.hostname, port: proxyPort, method: 'CONNECT', path: target, agent: false, headers: { host: target, ...proxyAuthorization(proxy) }, ...signal });
    connect.once('connect', (response, tunnel) => {
      if (response.statusCode === 200) return resolve(tunnel);
      tunnel.destroy();
      reject(new Error(`the proxy ${proxy.host} refused the tunnel to ${url.host} (HTTP ${response.statusCode})`));
    });
    connect.once('error', reject);
    connect.end();
  });
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  // SNI and the certificate check use the host name; the socket already leads to the checked address.
  const servername = parseIpAddress(hostname) ? undefined : hostname;
  return settle(
    // No agent: with `createConnection` and no agent, Node uses that socket and looks nothing up.
    https.request(url, {
      method: 'GET',
      createConnection: () => tls.connect({ socket, host: hostname, ...(servername ? { servername } : {}) }),
      headers: requestHeaders(url, options),
      ...signal,
    }),
  );
}

async function readBody(response: http.IncomingMessage, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  const decoder = decoderFor(response.headers['content-encoding']);
  const stream: NodeJS.ReadableStream = decoder ? response.pipe(decoder) : response;
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      if (size + buffer.length > maxBytes) {
        chunks.push(buffer.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
  } finally {
    response.destroy();
    if (decoder) (decoder as unknown as zlib.Gunzip).destroy();
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

/**
 * GET a URL under the network policy: every hop (the URL and each redirect, at most
 * `maxRedirects`) is resolved, checked and connected to the checked address only. No credentials
 * are ever sent: userinfo is stripped from the URL and from redirect targets, and the request
 * carries only user-agent, accept and accept-encoding headers.
 */
export async function guardedFetch(rawUrl: string, options: GuardedFetchOptions): Promise<GuardedResponse> {
  const resolveHost = options.resolveHost ?? systemResolver;
  const redirects: string[] = [];
  let url = prepareUrl(rawUrl);
  for (;;) {
    options.signal?.throwIfAborted();
    const addresses = await resolveChecked(url, options.policy, resolveHost);
    let hop: Hop;
    try {
      hop = await requestOnce(url, addresses, options);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ToolExecutionError(`Request to ${url.href} failed: ${(error as Error).message}`, { cause: error });
    }
    const { response } = hop;
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(status) && location) {
      response.destroy();
      if (redirects.length >= options.maxRedirects) {
        throw new ToolExecutionError(`Too many redirects (more than ${options.maxRedirects}) starting at ${rawUrl}.`);
      }
      redirects.push(url.href);
      url = prepareUrl(location, url.href);
      continue;
    }
    const { body, truncated } = await readBody(response, options.maxBytes);
    return { url: url.href, status, statusText: response.statusMessage ?? '', headers: response.headers, body, truncated, redirects };
  }
}
