import { type ChildProcess, spawn } from 'node:child_process';
import { ToolExecutionError } from '@ml-intern/core';
import { decodeMessage, encodeFrame, encodeMessage, type Frame, FrameKind, FrameReader, type WireError } from './host-protocol.js';
import type { HostConfig } from './host-service.js';

/** How to start the host: the program and its arguments (bwrap …, or node directly). */
export interface HostLaunch {
  file: string;
  args: string[];
  /** Written to the child's fd 3 and closed (the host program, read by {@link HOST_LOADER}). */
  program?: string;
  env: Record<string, string>;
  cwd?: string;
}

export interface CallHooks {
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

/** A started host, spoken to over its stdio pipes. */
export interface HostClient {
  call<T = Record<string, unknown>>(op: string, params?: Record<string, unknown>, data?: Uint8Array, hooks?: CallHooks): Promise<{ value: T; data: Buffer }>;
  /** End the host (its stdin closes: it kills every command, runs the last git check and exits). */
  close(): Promise<void>;
  readonly exited: boolean;
  /** Host pid as this machine sees it (the launcher's, for a sandboxed host). */
  readonly pid: number | undefined;
}

interface Pending {
  resolve(value: { value: Record<string, unknown>; data: Buffer }): void;
  reject(error: Error): void;
  hooks?: CallHooks;
}

type Referenced = { ref?(): void; unref?(): void };

/**
 * `node --input-type=module -e HOST_LOADER`: reads the host program from fd 3, closes it (commands
 * never inherit it) and runs it, so the command line stays short and no file is needed.
 */
export const HOST_LOADER = "import{readFileSync as r,closeSync as c}from'node:fs';const s=r(3,'utf8');c(3);await import('data:text/javascript;base64,'+Buffer.from(s).toString('base64'))";

/** A tool error with the host's stable code (`not_found`, `refused`, `not_regular`, …). */
export function hostError(error: WireError): ToolExecutionError {
  const failure = new ToolExecutionError(error.message);
  Object.assign(failure, { remoteCode: error.code, ...(error.code === 'not_found' ? { code: 'ENOENT' } : {}) });
  return failure;
}

/**
 * Start the host and send it `config`; resolves once it answered. The child and its pipes hold
 * the event loop only while a call is in flight, so an idle sandbox never keeps the CLI alive, and
 * when the CLI ends (even killed with SIGKILL) the host reads the end of its stdin and exits.
 */
export async function startHost(launch: HostLaunch, config: HostConfig, onExit?: (reason: string) => void): Promise<HostClient> {
  const child: ChildProcess = spawn(launch.file, launch.args, {
    env: launch.env,
    stdio: launch.program === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
    ...(launch.cwd ? { cwd: launch.cwd } : {}),
  });
  if (launch.program !== undefined) {
    // Closed once written: the launcher keeps its copy of the read end, which must not hold this process.
    const programPipe = child.stdio[3] as import('node:net').Socket;
    programPipe.on('error', () => {});
    programPipe.end(launch.program, () => programPipe.destroy());
  }
  let closing = false;
  const pending = new Map<number, Pending>();
  const reader = new FrameReader();
  let nextId = 1;
  let exited = false;
  let stderrTail = '';
  let references = 0;

  const handles = () => [child, child.stdin, child.stdout, child.stderr] as Referenced[];
  const hold = () => {
    if (references++ === 0) for (const handle of handles()) handle?.ref?.();
  };
  const release = () => {
    if (--references === 0) for (const handle of handles()) handle?.unref?.();
  };

  const fail = (reason: string) => {
    exited = true;
    const error = new ToolExecutionError(`the sandbox host stopped: ${reason}${stderrTail.trim() ? ` (${stderrTail.trim().slice(-500)})` : ''}`);
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };

  const onFrame = (frame: Frame) => {
    const call = pending.get(frame.id);
    if (!call) return;
    if (frame.kind === FrameKind.STDOUT) return call.hooks?.onStdout?.(frame.body);
    if (frame.kind === FrameKind.STDERR) return call.hooks?.onStderr?.(frame.body);
    if (frame.kind !== FrameKind.RESULT) return;
    pending.delete(frame.id);
    try {
      const message = decodeMessage<{ error?: WireError } & Record<string, unknown>>(frame.body);
      if (message.value.error) call.reject(hostError(message.value.error));
      else call.resolve({ value: message.value, data: message.data });
    } catch (error) {
      call.reject(error as Error);
    }
  };

  child.stdout?.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk, onFrame);
    } catch (error) {
      // A host that speaks nonsense is not trusted with anything more.
      fail((error as Error).message);
      child.kill('SIGKILL');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4_000);
  });
  child.stdin?.on('error', () => {});
  const closed = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      fail(error.message);
      resolve();
    });
    child.once('close', (code, signal) => {
      const reason = signal ? `killed by ${signal}` : `exited with status ${code}`;
      if (!exited && !closing) onExit?.(reason);
      fail(reason);
      resolve();
    });
  });
  for (const handle of handles()) handle?.unref?.();

  const client: HostClient = {
    get exited() {
      return exited;
    },
    get pid() {
      return child.pid;
    },
    call(op, params = {}, data, hooks) {
      if (exited) return Promise.reject(new ToolExecutionError('the sandbox host is not running'));
      const id = nextId++;
      hold();
      return new Promise((resolve, reject) => {
        const onAbort = () => child.stdin?.write(encodeFrame(FrameKind.CANCEL, id));
        hooks?.signal?.addEventListener('abort', onAbort, { once: true });
        const done = () => {
          hooks?.signal?.removeEventListener('abort', onAbort);
          release();
        };
        pending.set(id, {
          resolve: (value) => {
            done();
            resolve(value as never);
          },
          reject: (error) => {
            done();
            reject(error);
          },
          ...(hooks ? { hooks } : {}),
        });
        child.stdin?.write(encodeFrame(FrameKind.REQUEST, id, encodeMessage({ op, ...params }, data)));
      });
    },
    async close() {
      if (!exited) {
        closing = true;
        hold();
        child.stdin?.end();
        // A healthy host exits at once; one that does not answer (stopped, wedged) is killed with its sandbox.
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await closed;
        clearTimeout(timer);
        release();
      }
    },
  };
  await client.call('init', { config });
  return client;
}
