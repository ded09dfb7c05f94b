import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type HttpFake, startHttpFake } from '@ml-intern/testing';
import { freeLoopbackPort } from '../mcp-oauth-provider.js';

const require = createRequire(import.meta.url);

/** Entry points of the reference servers installed from npm, run with `process.execPath`. */
export const everythingEntry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
export const filesystemEntry = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
export const quirkyEntry = fileURLToPath(new URL('./quirky-server.mjs', import.meta.url));

/** A free port on 127.0.0.1 (the one the OAuth redirect listener uses). */
export const freePort = freeLoopbackPort;

export interface EverythingHttpServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * server-everything in `streamableHttp` (path `/mcp`) or `sse` (path `/sse`) mode. It binds every
 * interface, so tests only ever connect to 127.0.0.1. Ready when it says so on stderr ("listening" for
 * streamableHttp, "running on port" for sse).
 */
export async function startEverythingHttp(mode: 'streamableHttp' | 'sse' = 'streamableHttp', port?: number): Promise<EverythingHttpServer> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, [everythingEntry, mode], { env: { ...process.env, PORT: String(chosen) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything ${mode} did not start: ${stderr}`)), 15_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/listening|running on port/i.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything ${mode} exited with ${code}: ${stderr}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: chosen,
    origin: `http://127.0.0.1:${chosen}`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * A recording reverse proxy in front of `upstreamOrigin`, on the shared HTTP fake: every request
 * the MCP client sends is recorded (credentials redacted) and forwarded, and responses (SSE
 * streams included) are piped back.
 */
export function startRecordingProxy(upstreamOrigin: string): Promise<HttpFake> {
  return startHttpFake(async (request, response, raw) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(raw.headers)) {
      if (value !== undefined && !HOP_HEADERS.has(name)) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const controller = new AbortController();
    response.on('close', () => controller.abort());
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== '';
    let upstream: Response;
    try {
      upstream = await fetch(`${upstreamOrigin}${request.url}`, { method: request.method, headers, ...(hasBody ? { body: request.body } : {}), signal: controller.signal });
    } catch {
      response.writeHead(502).end();
      return;
    }
    const responseHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name) && name !== 'content-encoding') responseHeaders[name] = value;
    });
    response.writeHead(upstream.status, responseHeaders);
    const reader = upstream.body?.getReader();
    try {
      for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) response.write(chunk.value);
    } catch {
      // client or upstream went away
    }
    response.end();
  });
}
