import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable, pipeline, type Transform } from 'node:stream';
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * `fetch` over `node:http`/`node:https` for API clients (the provider SDKs, the Hub and GitHub
 * clients). Node's built-in fetch is undici: its first request in a process costs ~50 ms (the
 * client and its llhttp WebAssembly are loaded and compiled), and V8 then tiers that WebAssembly
 * up in the background, which a finishing process waits for (~65 ms). A one-shot run makes a
 * single request, so both land on its wall time; this transport answers the first request in a few
 * milliseconds. It returns standard `Response` objects whose body is a web `ReadableStream`.
 *
 * What it implements of the fetch standard: every body type (`FormData`, `Blob` and
 * `URLSearchParams` are serialised by the standard `Request`), redirects (`follow`, `manual`,
 * `error`), `AbortSignal` before and during the body, gzip/deflate/brotli decoding, keep-alive
 * connections that never keep a finished process alive, and `TypeError('fetch failed')` with the
 * socket error as `cause` for network failures. Proxies are honoured the way curl and undici do
 * (Node 20's own fetch ignores them): `HTTPS_PROXY`/`https_proxy` for https URLs,
 * `HTTP_PROXY`/`http_proxy` for http ones (and for https ones when no HTTPS proxy is set),
 * `NO_PROXY`/`no_proxy` for exceptions; see {@link proxyForUrl}.
 * `Blob` and `FormData` bodies are read into memory first: this is a transport for API requests,
 * not for multi-gigabyte uploads (the Hub client keeps Node's fetch for those).
 */
export interface HttpFetchOptions {
  /** Redirects followed before failing (default 20, as the fetch standard). */
  maxRedirects?: number;
  /** Reuse connections (default true). */
  keepAlive?: boolean;
  /**
   * Where the proxy variables are read, at every request (default `process.env`); `false` never
   * uses a proxy.
   */
  proxyEnv?: ProxyEnvironment | false;
}

/** The variables {@link proxyForUrl} reads. */
export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

function variable(env: ProxyEnvironment, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value?.trim() ? value.trim() : undefined;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether `NO_PROXY` names the host: `*`, a host or domain (`example.com` covers `api.example.com`; a leading `.` or `*.` too), optionally with `:port`, an IP address. */
function bypassed(noProxy: string | undefined, host: string, port: string): boolean {
  if (!noProxy) return false;
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let name = entry;
    let entryPort: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      name = bracketed[1] as string;
      entryPort = bracketed[2];
    } else if (/^[^:]+:\d+$/.test(entry)) {
      [name, entryPort] = entry.split(':') as [string, string];
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    name = name.replace(/^\*?\./, '');
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/**
 * The proxy a request to `url` goes through, or `undefined` for a direct connection. https URLs use
 * `HTTPS_PROXY` (else `HTTP_PROXY`), http URLs `HTTP_PROXY`; lower-case names win, as in curl.
 * `NO_PROXY` exempts hosts, and loopback hosts (`localhost`, `127.x.x.x`, `::1`) never go through
 * a proxy: a local model server or test fake is reached directly.
 */
export function proxyForUrl(url: string | URL, env: ProxyEnvironment = process.env): URL | undefined {
  const target = typeof url === 'string' ? new URL(url) : url;
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined;
  const proxy = target.protocol === 'https:' ? (variable(env, 'https_proxy') ?? variable(env, 'http_proxy')) : variable(env, 'http_proxy');
  if (!proxy) return undefined;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopbackHost(host)) return undefined;
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (bypassed(variable(env, 'no_proxy'), host, port)) return undefined;
  try {
    return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
  } catch {
    throw new TypeError(`fetch failed: the proxy address "${proxy}" (from HTTPS_PROXY/HTTP_PROXY) is not a URL`);
  }
}

interface ProxyAgents {
  /** Keyed by proxy URL and target protocol. */
  cache: Map<string, HttpAgent>;
  keepAlive: boolean;
}

/** The agent that sends a request to `url` through `proxy` (CONNECT tunnels for https, absolute-form requests for http). */
async function proxyAgent(proxy: URL, url: URL, agents: ProxyAgents): Promise<HttpAgent> {
  const key = `${url.protocol}${proxy.href}`;
  const cached = agents.cache.get(key);
  if (cached) return cached;
  let agent: HttpAgent;
  if (url.protocol === 'https:') {
    const { HttpsProxyAgent } = await import('https-proxy-agent');
    agent = new HttpsProxyAgent(proxy, { keepAlive: agents.keepAlive });
  } else {
    const { HttpProxyAgent } = await import('http-proxy-agent');
    agent = new HttpProxyAgent(proxy, { keepAlive: agents.keepAlive });
  }
  agents.cache.set(key, agent);
  return agent;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

type FetchInput = Parameters<typeof fetch>[0];

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: Buffer | ReadableStream<Uint8Array> | undefined;
  redirect: RequestRedirect;
  signal: AbortSignal | undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

async function serializeBody(body: BodyInit, headers: Headers): Promise<Buffer | ReadableStream<Uint8Array>> {
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return Buffer.from(body);
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  // URLSearchParams, Blob and FormData: the standard Request serialises them and names the type.
  const standard = new Request('http://localhost/', { method: 'POST', body });
  const type = standard.headers.get('content-type');
  if (type && !headers.has('content-type')) headers.set('content-type', type);
  return Buffer.from(await standard.arrayBuffer());
}

async function prepare(input: FetchInput, init: RequestInit = {}): Promise<PreparedRequest> {
  const fromRequest = typeof input === 'string' || input instanceof URL ? undefined : input;
  const url = new URL(fromRequest ? fromRequest.url : input.toString());
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
  const headers = new Headers(fromRequest?.headers);
  new Headers(init.headers).forEach((value, name) => headers.set(name, value));
  const method = (init.method ?? fromRequest?.method ?? 'GET').toUpperCase();
  let body: PreparedRequest['body'];
  if (init.body !== undefined && init.body !== null) body = await serializeBody(init.body, headers);
  else if (fromRequest?.body) body = Buffer.from(await fromRequest.arrayBuffer());
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) throw new TypeError('fetch failed: a GET or HEAD request cannot have a body');
  if (!headers.has('accept')) headers.set('accept', '*/*');
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip, deflate, br');
  if (!headers.has('user-agent')) headers.set('user-agent', 'node');
  return { url, method, headers, body, redirect: init.redirect ?? fromRequest?.redirect ?? 'follow', signal: init.signal ?? fromRequest?.signal ?? undefined };
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip({ flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH });
    case 'deflate':
      return createInflate({ flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH });
    case 'br':
      return createBrotliDecompress({ flush: zlib.BROTLI_OPERATION_FLUSH, finishFlush: zlib.BROTLI_OPERATION_FLUSH });
    default:
      return undefined;
  }
}

/** Bytes buffered ahead of the reader before the socket is paused. */
const BODY_BUFFER_BYTES = 1 << 20;

/**
 * The body as a web stream, one chunk per network read: node:http emits every HTTP chunk on its
 * own (a server streaming SSE writes one per frame), and handing thousands of tiny chunks to the
 * reader cost the provider 2.5× the CPU of undici, which also coalesces. Chunks that arrive in the
 * same read are joined in a microtask; the socket is paused only when a megabyte waits unread.
 */
function toWebStream(stream: Readable): ReadableStream<Uint8Array> {
  // Set once the web stream is closed, errored or cancelled: a read that was already under way
  // (its chunks waiting for the microtask) must not touch the controller after that.
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let pending: Buffer[] = [];
        let scheduled = false;
        const flush = () => {
          scheduled = false;
          if (finished || pending.length === 0) return;
          controller.enqueue(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending));
          pending = [];
          if ((controller.desiredSize ?? 1) <= 0) stream.pause();
        };
        stream.on('data', (chunk: Buffer) => {
          if (finished) return;
          pending.push(chunk);
          if (!scheduled) {
            scheduled = true;
            queueMicrotask(flush);
          }
        });
        stream.once('end', () => {
          flush();
          if (finished) return;
          finished = true;
          controller.close();
        });
        stream.once('error', (error) => {
          flush();
          if (finished) return;
          finished = true;
          controller.error(error);
        });
        // A body cut short without an error event (e.g. the peer reset after the headers).
        stream.once('close', () => {
          if (finished || stream.readableEnded || stream.errored) return;
          finished = true;
          controller.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        });
      },
      pull() {
        if (stream.isPaused()) stream.resume();
      },
      cancel(reason) {
        finished = true;
        stream.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BODY_BUFFER_BYTES }),
  );
}

function toResponse(message: IncomingMessage, request: PreparedRequest, redirected: boolean, signal: AbortSignal | undefined): Response {
  const headers = new Headers();
  for (let index = 0; index < message.rawHeaders.length; index += 2) headers.append(message.rawHeaders[index] as string, message.rawHeaders[index + 1] as string);
  const status = message.statusCode ?? 0;
  let body: ReadableStream<Uint8Array> | null = null;
  if (request.method === 'HEAD' || NULL_BODY_STATUSES.has(status)) message.resume();
  else {
    const decoder = decoderFor(message.headers['content-encoding']);
    const stream: Readable = decoder ? pipeline(message, decoder, () => {}) : message;
    if (signal) {
      const onAbort = () => stream.destroy(abortReason(signal) as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    body = toWebStream(stream);
  }
  const response = new Response(body, { status, statusText: message.statusMessage ?? '', headers });
  Object.defineProperty(response, 'url', { value: request.url.href });
  if (redirected) Object.defineProperty(response, 'redirected', { value: true });
  return response;
}

/** One HTTP exchange up to the response headers. */
function send(request: PreparedRequest, agent: HttpAgent): Promise<IncomingMessage> {
  const { url, method, headers, body, signal } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const outgoing: OutgoingHttpHeaders = {};
    headers.forEach((value, name) => {
      outgoing[name] = value;
    });
    if (Buffer.isBuffer(body)) outgoing['content-length'] = body.length;
    else if (body === undefined && (method === 'POST' || method === 'PUT' || method === 'PATCH')) outgoing['content-length'] = 0;
    const https = url.protocol === 'https:';
    const request_ = (https ? httpsRequest : httpRequest)(url, { method, headers: outgoing, agent });
    const onAbort = () => {
      request_.destroy();
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request_.once('response', (message) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(message);
    });
    request_.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? abortReason(signal) : new TypeError('fetch failed', { cause: error }));
    });
    // A failing body stream destroys the request, which then rejects through its 'error' event.
    if (body instanceof ReadableStream) pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), request_, () => {});
    else request_.end(body);
  });
}

/** Create a `fetch` with its own connection pools. */
export function createHttpFetch(options: HttpFetchOptions = {}): typeof fetch {
  const keepAlive = options.keepAlive ?? true;
  const agents = { http: new HttpAgent({ keepAlive }), https: new HttpsAgent({ keepAlive }) };
  const proxies: ProxyAgents = { cache: new Map(), keepAlive };
  const maxRedirects = options.maxRedirects ?? 20;
  const proxyEnv = options.proxyEnv;
  const agentFor = async (url: URL): Promise<HttpAgent> => {
    const proxy = proxyEnv === false ? undefined : proxyForUrl(url, proxyEnv ?? process.env);
    if (proxy) return proxyAgent(proxy, url, proxies);
    return url.protocol === 'https:' ? agents.https : agents.http;
  };

  return async function httpFetch(input: FetchInput, init?: RequestInit): Promise<Response> {
    const request = await prepare(input, init);
    for (let redirects = 0; ; redirects += 1) {
      const message = await send(request, await agentFor(request.url));
      const location = message.headers.location;
      if (!REDIRECT_STATUSES.has(message.statusCode ?? 0) || location === undefined || request.redirect === 'manual') {
        return toResponse(message, request, redirects > 0, request.signal);
      }
      message.resume();
      if (request.redirect === 'error') throw new TypeError(`fetch failed: redirect to ${location} with redirect mode "error"`);
      if (redirects >= maxRedirects) throw new TypeError(`fetch failed: more than ${maxRedirects} redirects`);
      if (request.body instanceof ReadableStream) throw new TypeError('fetch failed: cannot follow a redirect with a streamed request body');
      const next = new URL(location, request.url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new TypeError(`fetch failed: redirect to unsupported protocol ${next.protocol}`);
      const status = message.statusCode ?? 0;
      if (status === 303 ? request.method !== 'HEAD' : (status === 301 || status === 302) && request.method === 'POST') {
        request.method = 'GET';
        request.body = undefined;
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) request.headers.delete(name);
      }
      // Credentials stay with the origin that was asked (the fetch standard drops Authorization; API keys too).
      if (next.origin !== request.url.origin) {
        request.headers.delete('authorization');
        request.headers.delete('cookie');
        request.headers.delete('proxy-authorization');
        request.headers.delete('x-api-key');
      }
      request.url = next;
    }
  };
}

let shared: typeof fetch | undefined;

/** A process-wide {@link createHttpFetch} (one connection pool). */
export const httpFetch: typeof fetch = (input, init) => (shared ??= createHttpFetch())(input, init);
