import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { realpathSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { HostFileError } from './host-files.js';
import { queryNvidiaGpus } from './host-probe.js';
import { decodeMessage, encodeFrame, encodeMessage, type Frame, FrameKind, FrameReader } from './host-protocol.js';
import { checkProtectedIdentities, createHostService, type HostConfig, type HostService, type OutputSink } from './host-service.js';

/**
 * `ml-intern-sandbox-host`: the program behind every sandbox. The CLI starts it inside
 * bubblewrap and speaks frames over its stdio (`--stdio`); on a box of your own it serves the
 * same operations over HTTP with a token (`--listen`).
 */

const HELP = `Usage: ml-intern-sandbox-host --listen <host:port> [--workspace <dir>]

Serves a workspace to ml-intern over HTTP: commands run here, in the workspace, and the file
tools read and write it. Point the agent at it with
  ml-intern --sandbox-url http://<host>:<port>      (token in ML_INTERN_SANDBOX_TOKEN)

Options:
  --listen <host:port>  address to listen on (e.g. 127.0.0.1:8765; port 0 picks one)
  --workspace <dir>     the workspace (default: the current directory)
  --help                show this help

Environment:
  ML_INTERN_SANDBOX_TOKEN  bearer token every request must carry, in
                           "X-Sandbox-Authorization: Bearer <token>" or "Authorization: Bearer <token>".
                           Required unless listening on a loopback address.

Nothing here isolates the commands from this machine: run it in a container, a VM or an HF
Space. The CLI's local sandbox runs this same program inside bubblewrap.
`;

type Request = Record<string, unknown> & { op?: string };

function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof HostFileError) return { code: error.code, message: error.message };
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { code: 'not_found', message: (error as Error).message };
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return { code: 'refused', message: (error as Error).message };
  return { code: 'failed', message: error instanceof Error ? error.message : String(error) };
}

async function handle(service: HostService, request: Request, data: Buffer, sink: OutputSink, signal: AbortSignal): Promise<{ value: Record<string, unknown>; data?: Uint8Array }> {
  switch (request.op) {
    case 'exec': {
      const outcome = await service.exec(
        {
          command: String(request.command ?? ''),
          ...(typeof request.cwd === 'string' ? { cwd: request.cwd } : {}),
          ...(typeof request.timeoutMs === 'number' ? { timeoutMs: request.timeoutMs } : {}),
          ...(request.env && typeof request.env === 'object' ? { env: request.env as Record<string, string> } : {}),
        },
        sink,
        signal,
      );
      return { value: { ...outcome } };
    }
    case 'read':
      return {
        value: {},
        data: await service.read({
          path: String(request.path),
          ...(typeof request.start === 'number' ? { start: request.start } : {}),
          ...(typeof request.length === 'number' ? { length: request.length } : {}),
        }),
      };
    case 'write':
      await service.write({ path: String(request.path) }, data);
      return { value: {} };
    case 'writeNoFollow':
      await service.writeNoFollow({ root: String(request.root), relative: String(request.relative) }, data);
      return { value: {} };
    case 'stat':
      return { value: { stat: (await service.stat({ path: String(request.path) })) ?? null } };
    case 'realpath':
      return { value: { path: (await service.realpath({ path: String(request.path) })) ?? null } };
    case 'describe':
      return { value: { description: service.describe() } };
    default:
      throw new HostFileError('bad_request', `unknown operation ${String(request.op)}`);
  }
}

/**
 * `sandbox.network: "allowlist"`: listen on `127.0.0.1:<port>` inside the sandbox's network
 * namespace and pipe each connection to a Unix socket bound in from outside (the CLI's egress
 * proxy and Hub forwarder, egress-proxy.ts). Nothing else leaves the namespace.
 */
function startRelays(relays: readonly { port: number; socket: string }[]): Promise<void[]> {
  return Promise.all(
    relays.map(
      (relay) =>
        new Promise<void>((resolve, reject) => {
          const server = net.createServer((inbound) => {
            const outbound = net.connect(relay.socket);
            inbound.on('error', () => outbound.destroy());
            outbound.on('error', () => inbound.destroy());
            inbound.on('close', () => outbound.destroy());
            outbound.on('close', () => inbound.destroy());
            inbound.pipe(outbound);
            outbound.pipe(inbound);
          });
          server.once('error', reject);
          server.listen(relay.port, '127.0.0.1', () => {
            server.unref();
            resolve();
          });
        }),
    ),
  );
}

/** The stdio transport: frames in on stdin, frames out on stdout; stdin's end ends the host. */
function serveStdio(): void {
  const reader = new FrameReader();
  const output = process.stdout;
  let service: HostService | undefined;
  const cancels = new Map<number, AbortController>();
  const send = (frame: Buffer) => output.write(frame);
  const drained = () => new Promise<void>((resolve) => output.once('drain', resolve));
  let ending = false;
  const end = () => {
    if (ending) return;
    ending = true;
    for (const controller of cancels.values()) controller.abort();
    void (service?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };

  const onFrame = (frame: Frame) => {
    if (frame.kind === FrameKind.CANCEL) {
      cancels.get(frame.id)?.abort();
      return;
    }
    if (frame.kind !== FrameKind.REQUEST) return;
    const { id } = frame;
    const reply = (value: Record<string, unknown>, data?: Uint8Array) => send(encodeFrame(FrameKind.RESULT, id, encodeMessage(value, data)));
    let message: { value: Request; data: Buffer };
    try {
      message = decodeMessage<Request>(frame.body);
    } catch (error) {
      reply({ error: errorOf(error) });
      return;
    }
    if (message.value.op === 'init') {
      const config = message.value.config as HostConfig;
      const swapped = checkProtectedIdentities(config.protectedIdentities);
      if (swapped) {
        reply({ error: { code: 'refused', message: `${swapped} changed before the sandbox started (it was bound read-only as it was); not serving` } });
        return;
      }
      service = createHostService(config);
      startRelays(config.relays ?? []).then(
        () => reply({ ok: true, pid: process.pid }),
        (error: unknown) => reply({ error: { code: 'failed', message: `the network relay could not start: ${(error as Error).message}` } }),
      );
      return;
    }
    if (!service) {
      reply({ error: { code: 'bad_request', message: 'the host has not been initialised' } });
      return;
    }
    const controller = new AbortController();
    cancels.set(id, controller);
    const sink: OutputSink = {
      write: (stream, chunk) => send(encodeFrame(stream === 'stdout' ? FrameKind.STDOUT : FrameKind.STDERR, id, chunk)),
      drained,
    };
    handle(service, message.value, message.data, sink, controller.signal).then(
      (result) => reply({ ok: true, ...result.value }, result.data),
      (error: unknown) => reply({ error: errorOf(error) }),
    ).finally(() => cancels.delete(id));
  };

  process.stdin.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk, onFrame);
    } catch {
      end();
    }
  });
  process.stdin.on('end', end);
  process.stdin.on('error', end);
  output.on('error', end);
  process.on('SIGTERM', end);
  process.on('SIGINT', end);
}

function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function bearer(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const match = /^Bearer\s+(.+)$/i.exec(text?.trim() ?? '');
  return match?.[1]?.trim();
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(value.trim());
  if (!match) throw new Error(`--listen needs <host:port>, got "${value}"`);
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid port in --listen ${value}`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HostFileError('too_large', 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The HTTP transport (the protocol documented in remote-sandbox.ts). */
export async function serveHttp(options: { host: string; port: number; workspace: string; token: string | undefined; env: Record<string, string> }): Promise<{ port: number; close(): Promise<void> }> {
  if (!options.token && !isLoopbackHost(options.host)) {
    throw new Error(`refusing to listen on ${options.host} without a token: set ML_INTERN_SANDBOX_TOKEN (or listen on 127.0.0.1)`);
  }
  const { createServer } = await import('node:http');
  const workspace = realpathSync(options.workspace);
  // A GPU box (a GPU Space) says which GPUs it has, so the agent sizes its work to them.
  const gpu = await queryNvidiaGpus(options.env).catch(() => []);
  const service = createHostService({
    workspace,
    env: options.env,
    sanitizeGit: false,
    description: { runtime: 'sandbox-host', sandboxed: true, network: true, workspace, user: `uid ${process.getuid?.() ?? 'unknown'} on ${process.env.HOSTNAME ?? 'the host machine'}`, ...(gpu.length > 0 ? { gpu } : {}), warnings: [] },
  });
  const expected = options.token ? tokenDigest(options.token) : undefined;
  const server = createServer((request, response) => {
    void (async () => {
      // The Space's health check (and a load balancer's): says only that the host is up.
      if (request.method === 'GET' && (request.url === '/health' || request.url === '/healthz')) return sendJson(response, 200, { ok: true });
      if (expected) {
        const given = bearer(request.headers['x-sandbox-authorization']) ?? bearer(request.headers.authorization);
        if (!given || !timingSafeEqual(tokenDigest(given), expected)) {
          return sendJson(response, 401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
        }
      }
      const url = new URL(request.url ?? '/', 'http://host');
      const route = `${request.method} ${url.pathname}`;
      try {
        if (route === 'GET /v1/describe') return sendJson(response, 200, service.describe());
        if (request.method !== 'POST') return sendJson(response, 404, { error: { code: 'unknown_endpoint', message: `no ${route}` } });
        const body = JSON.parse((await readBody(request, 192 * 1024 * 1024)).toString('utf8') || '{}') as Request;
        switch (url.pathname) {
          case '/v1/exec': {
            const controller = new AbortController();
            let finished = false;
            response.on('close', () => {
              if (!finished) controller.abort();
            });
            response.writeHead(200, { 'content-type': 'application/x-ndjson' });
            const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
            const sink: OutputSink = {
              write: (stream, chunk) => response.write(`${JSON.stringify({ type: 'output', stream, data: decoders[stream].write(chunk) })}\n`),
              drained: () => new Promise((resolve) => response.once('drain', resolve)),
            };
            const outcome = await service.exec(
              { command: String(body.command ?? ''), ...(typeof body.cwd === 'string' ? { cwd: body.cwd } : {}), ...(typeof body.timeoutMs === 'number' ? { timeoutMs: body.timeoutMs } : {}) },
              sink,
              controller.signal,
            );
            finished = true;
            return void response.end(`${JSON.stringify({ type: 'exit', ...outcome })}\n`);
          }
          case '/v1/files/read': {
            const content = await service.read({
              path: String(body.path),
              ...(typeof body.start === 'number' ? { start: body.start } : {}),
              ...(typeof body.length === 'number' ? { length: body.length } : {}),
            });
            response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': content.length });
            return void response.end(content);
          }
          case '/v1/files/write':
            await service.write({ path: String(body.path) }, Buffer.from(String(body.contentBase64 ?? ''), 'base64'));
            response.writeHead(204);
            return void response.end();
          case '/v1/files/write-no-follow':
            await service.writeNoFollow({ root: String(body.root), relative: String(body.relative) }, Buffer.from(String(body.contentBase64 ?? ''), 'base64'));
            response.writeHead(204);
            return void response.end();
          case '/v1/files/stat':
            return sendJson(response, 200, { stat: (await service.stat({ path: String(body.path) })) ?? null });
          case '/v1/files/realpath':
            return sendJson(response, 200, { path: (await service.realpath({ path: String(body.path) })) ?? null });
          default:
            return sendJson(response, 404, { error: { code: 'unknown_endpoint', message: `no ${route}` } });
        }
      } catch (error) {
        const failure = errorOf(error);
        if (response.headersSent) return void response.end();
        const status = failure.code === 'not_found' ? 404 : failure.code === 'bad_request' ? 400 : failure.code === 'refused' || failure.code === 'not_regular' ? 403 : 500;
        return sendJson(response, status, { error: failure });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
        void service.shutdown();
      }),
  };
}

/** Command line of the bin; resolves an exit status, or -1 while it keeps serving. */
export async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  if (args.includes('--stdio')) {
    serveStdio();
    return -1;
  }
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return args.length === 0 ? 2 : 0;
  }
  let listen: string | undefined;
  let workspace = process.cwd();
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    const value = () => {
      const next = args[index + 1];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      index += 1;
      return next;
    };
    if (arg === '--listen') listen = value();
    else if (arg.startsWith('--listen=')) listen = arg.slice('--listen='.length);
    else if (arg === '--workspace') workspace = path.resolve(value());
    else if (arg.startsWith('--workspace=')) workspace = path.resolve(arg.slice('--workspace='.length));
    else throw new Error(`unknown option ${arg} (see --help)`);
  }
  if (!listen) throw new Error('--listen <host:port> is required (see --help)');
  const { host, port } = parseListen(listen);
  const token = process.env.ML_INTERN_SANDBOX_TOKEN || undefined;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && name !== 'ML_INTERN_SANDBOX_TOKEN') env[name] = value;
  const server = await serveHttp({ host, port, workspace, token, env });
  process.stderr.write(`ml-intern-sandbox-host listening on http://${host.includes(':') ? `[${host}]` : host}:${server.port} (workspace ${workspace})\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return -1;
}

