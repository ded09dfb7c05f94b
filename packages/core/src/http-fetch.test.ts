import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { temporaryDirectories } from '@ml-intern/context/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpFetch } from './http-fetch.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());
const temporaryDirectory = (prefix: string) => directories.make(prefix);

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handler(request, body, response));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const fetch = createHttpFetch();

describe('createHttpFetch', () => {
  it('sends method, headers and a JSON body and returns a standard Response', async () => {
    const base = await serve((request, body, response) => {
      response.setHeader('content-type', 'application/json');
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.statusCode = 201;
      response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization, type: request.headers['content-type'], body: JSON.parse(body) }));
    });
    const response = await fetch(`${base}/v1/items?x=1`, { method: 'post', headers: { Authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ n: 1 }) });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${base}/v1/items?x=1`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ method: 'POST', auth: 'Bearer k', type: 'application/json', body: { n: 1 } });
  });

  it('accepts a Request as input and serialises URLSearchParams and FormData bodies', async () => {
    const base = await serve((request, body, response) => response.end(JSON.stringify({ type: request.headers['content-type'], body })));
    const form = await (await fetch(new Request(`${base}/form`, { method: 'PUT', body: new URLSearchParams({ a: '1', b: 'x y' }) }))).json();
    expect(form).toEqual({ type: 'application/x-www-form-urlencoded;charset=UTF-8', body: 'a=1&b=x+y' });
    const data = new FormData();
    data.set('field', 'value');
    const multipart = (await (await fetch(`${base}/upload`, { method: 'POST', body: data })).json()) as { type: string; body: string };
    expect(multipart.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(multipart.body).toContain('name="field"\r\n\r\nvalue');
  });

  it('streams the body as it arrives instead of buffering it', async () => {
    let finish: (() => void) | undefined;
    const base = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      finish = () => response.end('data: two\n\n');
    });
    const response = await fetch(`${base}/stream`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    finish?.();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: two\n\n');
  });

  it('hands over what arrived in one network read as one chunk, not one per HTTP chunk', async () => {
    const base = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.cork();
      for (let frame = 0; frame < 50; frame += 1) response.write(`data: ${frame}\n\n`);
      response.uncork();
      response.end();
    });
    const reader = ((await fetch(base)).body as ReadableStream<Uint8Array>).getReader();
    const chunks: string[] = [];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) chunks.push(new TextDecoder().decode(chunk.value));
    expect(chunks.join('')).toBe(Array.from({ length: 50 }, (_, frame) => `data: ${frame}\n\n`).join(''));
    expect(chunks.length).toBeLessThanOrEqual(2);
  });

  it('decodes gzip bodies', async () => {
    const base = await serve((request, _body, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip', 'x-asked': String(request.headers['accept-encoding']) });
      response.end(gzipSync('hello compressed'));
    });
    const response = await fetch(base);
    expect(response.headers.get('x-asked')).toContain('gzip');
    expect(await response.text()).toBe('hello compressed');
  });

  it('streams a ReadableStream request body, and a body stream that fails rejects the request', async () => {
    const base = await serve((_request, body, response) => response.end(`got ${body}`));
    const parts = ['one ', 'two'];
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(part));
      },
    });
    expect(await (await fetch(base, { method: 'POST', body: streamed, duplex: 'half' } as RequestInit)).text()).toBe('got one two');
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('partial'));
        controller.error(new Error('disk went away'));
      },
    });
    await expect(fetch(base, { method: 'POST', body: failing, duplex: 'half' } as RequestInit)).rejects.toThrow(TypeError);
  });

  it('has no body for HEAD and 204', async () => {
    const base = await serve((request, _body, response) => {
      response.statusCode = request.url === '/empty' ? 204 : 200;
      response.end(request.method === 'HEAD' ? undefined : 'x');
    });
    expect((await fetch(`${base}/empty`, { method: 'DELETE' })).body).toBeNull();
    expect((await fetch(base, { method: 'HEAD' })).body).toBeNull();
  });

  it('follows redirects, turns a 303 into GET and keeps credentials with their origin', async () => {
    const other = await serve((request, body, response) => response.end(JSON.stringify({ where: 'other', auth: request.headers.authorization ?? null, key: request.headers['x-api-key'] ?? null, method: request.method, body })));
    const base = await serve((request, body, response) => {
      if (request.url === '/see-other') response.writeHead(303, { location: '/landing' }).end();
      else if (request.url === '/away') response.writeHead(307, { location: `${other}/there` }).end();
      else response.end(JSON.stringify({ where: request.url, auth: request.headers.authorization ?? null, method: request.method, body }));
    });
    const same = await fetch(`${base}/see-other`, { method: 'POST', body: 'payload', headers: { authorization: 'Bearer k' } });
    expect(same.redirected).toBe(true);
    expect(same.url).toBe(`${base}/landing`);
    expect(await same.json()).toEqual({ where: '/landing', auth: 'Bearer k', method: 'GET', body: '' });
    const cross = await fetch(`${base}/away`, { method: 'POST', body: 'payload', headers: { authorization: 'Bearer k', 'x-api-key': 'secret' } });
    expect(await cross.json()).toEqual({ where: 'other', auth: null, key: null, method: 'POST', body: 'payload' });
    const manual = await fetch(`${base}/away`, { redirect: 'manual' });
    expect(manual.status).toBe(307);
    await expect(fetch(`${base}/away`, { redirect: 'error' })).rejects.toThrow(TypeError);
    const toFile = await serve((_request, _body, response) => response.writeHead(302, { location: 'file:///etc/passwd' }).end());
    await expect(fetch(toFile)).rejects.toThrow('fetch failed: redirect to unsupported protocol file:');
  });

  it('rejects with the abort reason before the response and errors the body when aborted midway', async () => {
    const base = await serve((request, _body, response) => {
      if (request.url === '/slow') return;
      response.writeHead(200);
      response.write('partial');
    });
    const before = new AbortController();
    const pending = fetch(`${base}/slow`, { signal: before.signal });
    setTimeout(() => before.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(fetch(base, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });

    const during = new AbortController();
    const response = await fetch(`${base}/partial`, { signal: during.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    during.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports network failures as TypeError with the socket error as cause', async () => {
    const base = await serve(() => {});
    const closed = servers.pop() as Server;
    await new Promise((resolve) => closed.close(resolve));
    const failure = await fetch(base).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe('fetch failed');
    expect(((failure as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('errors the body with a connection reset when the server drops mid-stream', async () => {
    const base = await serve((request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      setTimeout(() => request.socket.destroy(), 10);
    });
    const response = await fetch(base);
    const failure = await response.text().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(JSON.stringify({ code: (failure as NodeJS.ErrnoException).code, cause: ((failure as Error).cause as NodeJS.ErrnoException | undefined)?.code })).toContain('ECONNRESET');
  });

  it('does not keep a finished process alive through its pooled connection', async () => {
    const base = await serve((_request, _body, response) => response.end('ok'));
    const module = fileURLToPath(new URL('./http-fetch.ts', import.meta.url));
    const script = `const { httpFetch } = await import(${JSON.stringify(module)}); console.log(await (await httpFetch(${JSON.stringify(base)})).text());`;
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const started = Date.now();
    const file = path.join(temporaryDirectory('http-fetch-'), 'client.mts');
    writeFileSync(file, script);
    const child = spawn(tsx, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const [code] = await once(child, 'exit');
    expect(output.trim()).toBe('ok');
    expect(code).toBe(0);
    // The server keeps idle connections for 5 s: an exit long before that means the socket was not holding the process.
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('proxyForUrl', () => {
  it('picks the proxy by scheme, lower-case names first, HTTP_PROXY for https when no HTTPS_PROXY', async () => {
    const { proxyForUrl } = await import('./http-fetch.js');
    expect(proxyForUrl('https://api.openai.com/v1', { HTTPS_PROXY: 'http://proxy:3128' })?.href).toBe('http://proxy:3128/');
    expect(proxyForUrl('https://api.openai.com/v1', { HTTP_PROXY: 'proxy.corp:8080' })?.href).toBe('http://proxy.corp:8080/');
    expect(proxyForUrl('http://example.com/', { HTTPS_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(proxyForUrl('https://x.example.com/', { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' })?.host).toBe('lower:1');
    expect(() => proxyForUrl('https://x.example.com/', { HTTPS_PROXY: 'http://[bad' })).toThrow(/not a URL/);
  });

  it('NO_PROXY exempts hosts, domains, ports and everything; loopback is always direct', async () => {
    const { proxyForUrl } = await import('./http-fetch.js');
    const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', NO_PROXY: 'internal.corp, .hf.space,huggingface.co:8443, 10.0.0.5' };
    expect(proxyForUrl('https://api.internal.corp/', env)).toBeUndefined();
    expect(proxyForUrl('https://internal.corp/', env)).toBeUndefined();
    expect(proxyForUrl('https://me-sandbox.hf.space/', env)).toBeUndefined();
    expect(proxyForUrl('https://huggingface.co:8443/', env)).toBeUndefined();
    expect(proxyForUrl('https://huggingface.co/', env)).toBeDefined();
    expect(proxyForUrl('http://10.0.0.5:8000/v1', env)).toBeUndefined();
    expect(proxyForUrl('https://notinternal.corp/', env)).toBeDefined();
    for (const local of ['http://localhost:8000/v1', 'http://127.0.0.1:11434/', 'http://[::1]:8080/']) expect(proxyForUrl(local, env)).toBeUndefined();
    expect(proxyForUrl('https://api.openai.com/', { ...env, no_proxy: '*' })).toBeUndefined();
  });
});

describe('a body cancelled while a read is under way', () => {
  it('does not throw on the closed stream (Controller is already closed)', async () => {
    const url = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => response.write(`data: ${'x'.repeat(64)}\n\n`), 1);
      response.once('close', () => clearInterval(timer));
    });
    const fetch = createHttpFetch();
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    try {
      for (let attempt = 0; attempt < 30; attempt += 1) {
        const response = await fetch(url);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        await new Promise((resolve) => setTimeout(resolve, 2));
        await reader.cancel();
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
  });
});
