import { ConfigError, isAbortError, ToolExecutionError } from '@ml-intern/core';
import { OutputCollector } from './output-collector.js';
import type { ExecOptions, ExecResult, FileStat, Sandbox, SandboxDescription } from './sandbox.js';

/**
 * Client of a sandbox host over HTTP (an HF Space, a GPU box, a container). The wire protocol,
 * JSON unless noted, every request with `Authorization: Bearer <token>` when a token is set:
 *
 * - `GET  /v1/describe` → a `SandboxDescription` (`runtime`, `sandboxed`, `network`, `workspace`, …)
 * - `POST /v1/exec` `{command, cwd?, timeoutMs?}` → `application/x-ndjson`, one object per line:
 *   `{"type":"output","stream":"stdout"|"stderr","data":"…"}` while the command runs, then
 *   `{"type":"exit","exitCode":0|null,"durationMs":…,"timedOut":false}`. Closing the connection
 *   kills the command's process group.
 * - `POST /v1/files/read` `{path}` → the raw bytes (`application/octet-stream`)
 * - `POST /v1/files/write` `{path, contentBase64}` → 204; atomic, parent directories created
 * - `POST /v1/files/stat` `{path}` → `{stat: {type, size, mtimeMs} | null}`
 * - `POST /v1/files/realpath` `{path}` → `{path: string | null}`
 * - errors: a non-2xx status with `{error: {code, message}}` (`code` `not_found` for a missing file).
 */
export interface RemoteSandboxOptions {
  /** Base URL of the host, e.g. `https://user-sandbox.hf.space` (no trailing `/v1`). */
  baseURL: string;
  /** Bearer token for the host. */
  token?: string;
  fetch?: typeof globalThis.fetch;
  /** Extra headers (e.g. a gateway's own authorization). */
  headers?: Record<string, string>;
}

/** A connected remote sandbox; `description` is what the host reported on connect. */
export interface RemoteSandbox extends Sandbox {
  readonly description: SandboxDescription;
}

interface ExitEvent {
  type: 'exit';
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
}

type ExecEvent = { type: 'output'; stream?: string; data: string } | ExitEvent;

/** Connect to a sandbox host: fetches its description once, then implements `Sandbox` over HTTP. */
export async function createRemoteSandbox(options: RemoteSandboxOptions): Promise<RemoteSandbox> {
  let base: URL;
  try {
    base = new URL(options.baseURL.replace(/\/+$/, '') + '/');
  } catch {
    throw new ConfigError(`invalid remote sandbox URL: ${options.baseURL}`, { keyPath: 'baseURL' });
  }
  const fetchFunction = options.fetch ?? globalThis.fetch;
  // The host's own token goes in X-Sandbox-Authorization, so a gateway in front (an HF Space) can
  // keep Authorization for itself; without such a gateway the host also reads Authorization.
  const bearer = options.token ? `Bearer ${options.token}` : undefined;
  const gatewayAuthorization = Object.keys(options.headers ?? {}).some((name) => name.toLowerCase() === 'authorization');
  const headers: Record<string, string> = {
    ...options.headers,
    ...(bearer ? { 'x-sandbox-authorization': bearer } : {}),
    ...(bearer && !gatewayAuthorization ? { authorization: bearer } : {}),
  };

  async function request(pathname: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetchFunction(new URL(pathname, base), {
        method: init.method ?? 'POST',
        headers: { ...headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new ToolExecutionError(`remote sandbox at ${base.origin} is unreachable: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let message = text.slice(0, 500) || response.statusText;
      let code: string | undefined;
      try {
        // The host's `{error: {code, message}}`, or a gateway's `{error: "…"}` (a Space that is not running).
        const parsed = JSON.parse(text) as { error?: string | { code?: string; message?: string } };
        message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? message);
        code = typeof parsed.error === 'string' ? undefined : parsed.error?.code;
      } catch {
        // not JSON: keep the text
      }
      const error = new ToolExecutionError(`remote sandbox ${pathname} failed (HTTP ${response.status}): ${message}`);
      Object.assign(error, { status: response.status, remoteCode: code });
      throw error;
    }
    return response;
  }

  // Said as remote everywhere it is shown (session_started, /status, the system prompt).
  const asRemote = (described: SandboxDescription): SandboxDescription => ({ ...described, runtime: described.runtime.startsWith('remote') ? described.runtime : `remote:${described.runtime}` });
  const description = asRemote((await (await request('v1/describe', { method: 'GET' })).json()) as SandboxDescription);
  if (typeof description.workspace !== 'string' || !description.workspace.startsWith('/')) {
    throw new ConfigError(`remote sandbox at ${base.origin} did not describe an absolute workspace`, { keyPath: 'baseURL' });
  }

  async function exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const collector = new OutputCollector({
      ...(execOptions.maxOutputChars === undefined ? {} : { maxChars: execOptions.maxOutputChars }),
      ...(execOptions.spillFile === undefined ? {} : { spillFile: execOptions.spillFile }),
      ...(execOptions.onOutput === undefined ? {} : { onLine: execOptions.onOutput }),
    });
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    execOptions.signal?.addEventListener('abort', onAbort, { once: true });
    if (execOptions.signal?.aborted) controller.abort();
    let exit: ExitEvent | undefined;
    try {
      const response = await request('v1/exec', {
        body: { command, ...(execOptions.cwd ? { cwd: execOptions.cwd } : {}), ...(execOptions.timeoutMs ? { timeoutMs: execOptions.timeoutMs } : {}) },
        signal: controller.signal,
      });
      for await (const event of readEvents(response)) {
        if (event.type === 'output') collector.write(event.stream ?? 'stdout', event.data);
        else exit = event;
      }
    } catch (error) {
      if (!controller.signal.aborted) {
        if (error instanceof ToolExecutionError) throw error;
        // The connection broke while output streamed (the host died, a gateway dropped it).
        throw new ToolExecutionError(`the remote sandbox at ${base.origin} closed the command stream before the command exited (${(error as Error).message}); the host may have restarted, so check with another command before relying on its state`, { cause: error });
      }
    } finally {
      execOptions.signal?.removeEventListener('abort', onAbort);
    }
    const collected = await collector.finish();
    const aborted = exit === undefined && controller.signal.aborted;
    if (!exit && !aborted) throw new ToolExecutionError('remote sandbox closed the command stream before the command exited');
    return {
      exitCode: exit?.exitCode ?? null,
      durationMs: exit?.durationMs ?? Math.round(performance.now() - started),
      timedOut: exit?.timedOut ?? false,
      aborted,
      output: collected.text,
      totalChars: collected.totalChars,
      truncated: collected.truncated,
      ...(collected.spillPath ? { spillPath: collected.spillPath } : {}),
    };
  }

  return {
    workspace: description.workspace,
    runtime: description.runtime,
    sandboxed: description.sandboxed,
    network: description.network,
    ...(description.networkMode ? { networkMode: description.networkMode } : {}),
    description,
    exec,
    async readFile(path) {
      return new Uint8Array(await (await request('v1/files/read', { body: { path } })).arrayBuffer());
    },
    async writeFile(path, data) {
      const contentBase64 = Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
      await request('v1/files/write', { body: { path, contentBase64 } });
    },
    async stat(path) {
      return ((await (await request('v1/files/stat', { body: { path } })).json()) as { stat: FileStat | null }).stat ?? undefined;
    },
    async realpath(path) {
      return ((await (await request('v1/files/realpath', { body: { path } })).json()) as { path: string | null }).path ?? undefined;
    },
    async describe() {
      return asRemote((await (await request('v1/describe', { method: 'GET' })).json()) as SandboxDescription);
    },
  };
}

async function* readEvents(response: Response): AsyncGenerator<ExecEvent> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield JSON.parse(line) as ExecEvent;
      newline = buffer.indexOf('\n');
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest) yield JSON.parse(rest) as ExecEvent;
}
