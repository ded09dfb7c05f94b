import { spawn } from 'node:child_process';
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { sendJson, startHttpFake, type HttpFake } from './http-fake.js';

export interface FakeSandboxHostOptions {
  /** Directory the host serves as its workspace (commands run there, unsandboxed). */
  workspace: string;
  /** Bearer token the host requires; requests without it get 401. */
  token?: string;
  /** What `/v1/describe` reports. */
  runtime?: string;
  sandboxed?: boolean;
  network?: boolean;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * A sandbox host speaking the remote-sandbox protocol of `@ml-intern/sandbox`
 * (`/v1/describe`, `/v1/exec` as NDJSON, `/v1/files/{read,write,stat,realpath}`) on
 * 127.0.0.1:0. Commands run with `sh -c` in their own process group, killed on timeout or
 * when the client disconnects. For tests only: nothing is isolated.
 */
export async function startFakeSandboxHost(options: FakeSandboxHostOptions): Promise<HttpFake> {
  const workspace = await realpath(options.workspace);
  return startHttpFake(async (request, response, raw) => {
    if (options.token && raw.headers.authorization !== `Bearer ${options.token}`) {
      return sendJson(response, 401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    }
    const body = (request.json ?? {}) as Record<string, unknown>;
    const target = typeof body.path === 'string' ? body.path : '';
    try {
      switch (`${request.method} ${request.path}`) {
        case 'GET /v1/describe':
          return sendJson(response, 200, {
            runtime: options.runtime ?? 'fake-remote',
            sandboxed: options.sandboxed ?? true,
            network: options.network ?? false,
            workspace,
            warnings: [],
          });
        case 'POST /v1/exec':
          return runCommand(String(body.command ?? ''), typeof body.cwd === 'string' ? body.cwd : workspace, Number(body.timeoutMs ?? 120_000), response);
        case 'POST /v1/files/read': {
          const content = await readFile(target);
          response.writeHead(200, { 'content-type': 'application/octet-stream' });
          return void response.end(content);
        }
        case 'POST /v1/files/write': {
          await mkdir(path.dirname(target), { recursive: true });
          const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
          await writeFile(temporary, Buffer.from(String(body.contentBase64 ?? ''), 'base64'));
          await rename(temporary, target);
          response.writeHead(204);
          return void response.end();
        }
        case 'POST /v1/files/stat': {
          const info = await stat(target).catch((error: unknown) => (errorCode(error) === 'ENOENT' ? undefined : Promise.reject(error)));
          const type = info?.isFile() ? 'file' : info?.isDirectory() ? 'directory' : 'other';
          return sendJson(response, 200, { stat: info ? { type, size: info.size, mtimeMs: info.mtimeMs } : null });
        }
        case 'POST /v1/files/realpath': {
          const resolved = await realpath(target).catch((error: unknown) => (errorCode(error) === 'ENOENT' ? null : Promise.reject(error)));
          return sendJson(response, 200, { path: resolved });
        }
        default:
          return sendJson(response, 404, { error: { code: 'unknown_endpoint', message: `no ${request.method} ${request.path}` } });
      }
    } catch (error) {
      const code = errorCode(error) === 'ENOENT' ? 'not_found' : 'failed';
      return sendJson(response, code === 'not_found' ? 404 : 500, { error: { code, message: (error as Error).message } });
    }
  });
}

function runCommand(command: string, cwd: string, timeoutMs: number, response: import('node:http').ServerResponse): Promise<void> {
  const started = performance.now();
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const child = spawn('/bin/sh', ['-c', command], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: cwd, LANG: 'C.UTF-8' },
  });
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let timedOut = false;
  let exited = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  response.on('close', () => {
    if (!exited) killGroup();
  });
  const forward = (stream: string) => {
    const decoder = new StringDecoder('utf8');
    return (chunk: Buffer) => response.write(`${JSON.stringify({ type: 'output', stream, data: decoder.write(chunk) })}\n`);
  };
  child.stdout.on('data', forward('stdout'));
  child.stderr.on('data', forward('stderr'));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      exited = true;
      clearTimeout(timer);
      killGroup();
      response.end(`${JSON.stringify({ type: 'exit', exitCode: timedOut ? null : code, durationMs: Math.round(performance.now() - started), timedOut })}\n`);
      resolve();
    });
  });
}
