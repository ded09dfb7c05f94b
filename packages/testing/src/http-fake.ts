import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake server received. Secret-bearing headers are redacted. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Raw body text. */
  body: string;
  /** Parsed JSON body when the body is JSON, else undefined. */
  json: unknown;
}

export type FakeHandler = (request: RecordedRequest, response: http.ServerResponse, raw: http.IncomingMessage) => void | Promise<void>;

/** A running fake server on 127.0.0.1; dispose with `await using` or `close()`. */
export interface HttpFake extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'cookie', 'proxy-authorization']);

function redactHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    result[name] = SECRET_HEADERS.has(name) ? redactCredential(text) : text;
  }
  return result;
}

/** Keep the scheme and a short prefix so tests can assert which credential was sent, never the secret. */
function redactCredential(value: string): string {
  const [scheme, token] = value.includes(' ') ? value.split(' ', 2) : ['', value];
  const visible = (token ?? '').slice(0, 6);
  return `${scheme ? `${scheme} ` : ''}${visible}…[redacted]`;
}

/**
 * Start an HTTP server on 127.0.0.1:0 that records every request (body read fully) and hands it
 * to `handler`. Unhandled handler errors answer 500 with the message, so a test sees them.
 */
export async function startHttpFake(handler: FakeHandler): Promise<HttpFake> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer(async (raw, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of raw) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    if (body && (raw.headers['content-type'] ?? '').includes('json')) {
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
    }
    const url = raw.url ?? '/';
    const recorded: RecordedRequest = {
      method: raw.method ?? 'GET',
      url,
      path: url.split('?')[0] ?? url,
      headers: redactHeaders(raw.headers),
      body,
      json,
    };
    requests.push(recorded);
    try {
      await handler(recorded, response, raw);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `fake server error: ${(error as Error).message}` } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, port, requests, close, [Symbol.asyncDispose]: close };
}

/** Write one Server-Sent Events frame (`event:` line only when a name is given). */
export function writeSseFrame(response: http.ServerResponse, data: unknown, event?: string): void {
  response.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

export function startSse(response: http.ServerResponse, headers: Record<string, string> = {}): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
