import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { GpuInfo } from './sandbox.js';

const STANDARD_DIRECTORIES = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** True when `file` exists, is a regular file and is executable by this process. */
export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `name` on `searchPath` (then the standard system directories), if any. */
export function findExecutable(name: string, searchPath: string | undefined): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? path.resolve(name) : undefined;
  const directories = [...(searchPath ?? '').split(':').filter(Boolean), ...STANDARD_DIRECTORIES];
  for (const directory of directories) {
    const candidate = path.join(directory, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function run(file: string, args: readonly string[], environment: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: environment, timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
}

/** Where a Python interpreter lives: the directories to make visible and the `bin` to put on PATH. */
export interface PythonInstallation {
  executable: string;
  binDirectory: string;
  /** `sys.prefix`, `sys.base_prefix` and `sys.exec_prefix`, as reported and resolved, deduplicated. */
  prefixes: string[];
}

const PYTHON_PROBE = [
  'import json, os, sys',
  'prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix]',
  'print(json.dumps({"executable": sys.executable, "prefixes": prefixes + [os.path.realpath(p) for p in prefixes]}))',
].join('; ');

/**
 * A probe that runs while the caller does other work. Its child process and pipes hold no
 * event-loop reference, so a process that is otherwise done can exit while it still runs; a
 * caller that needs the answer before going on holds the process open with `hold()`.
 */
export interface BackgroundProbe<T> {
  /** Settles when the probe ends; awaiting it alone does not keep this process alive. */
  readonly result: Promise<T>;
  /** Keep this process alive until the probe ends; returns the release. */
  hold(): () => void;
}

/** A probe whose answer is known without running anything. */
export function settledProbe<T>(value: T): BackgroundProbe<T> {
  return { result: Promise.resolve(value), hold: () => () => {} };
}

type Referenced = { ref?(): void; unref?(): void };

/** Standard output of `file args`, run as a background probe; rejects when it fails or times out. */
function runInBackground(file: string, args: readonly string[], environment: Record<string, string>, timeoutMs: number): BackgroundProbe<string> {
  const child = spawn(file, args, { env: environment, stdio: ['ignore', 'pipe', 'ignore'] });
  let holders = 0;
  const setReferenced = (referenced: boolean) => {
    // ref() on a closed socket would wait for a 'connect' that never comes (a listener each call).
    const handles: Referenced[] = child.stdout && !child.stdout.destroyed ? [child, child.stdout as Referenced] : [child];
    for (const handle of handles) {
      if (referenced) handle.ref?.();
      else handle.unref?.();
    }
  };
  setReferenced(false);
  const result = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    timer.unref();
    child.stdout?.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1 << 20) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`${file} exited with ${signal ?? `status ${code}`}`));
    });
  });
  return {
    result,
    hold() {
      if (holders++ === 0) setReferenced(true);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holders === 0) setReferenced(false);
      };
    },
  };
}

/**
 * Ask the host's `python3` where it is installed, in the background. A pyenv, conda or venv
 * interpreter usually lives under a home directory the sandbox hides, so its prefix is bound
 * back read-only. Resolves `undefined` when there is no usable interpreter.
 */
export function probePython(command: string, environment: Record<string, string>): BackgroundProbe<PythonInstallation | undefined> {
  const executable = findExecutable(command, environment.PATH);
  if (!executable) return settledProbe(undefined);
  let running: BackgroundProbe<string>;
  try {
    running = runInBackground(executable, ['-c', PYTHON_PROBE], environment, 15_000);
  } catch {
    return settledProbe(undefined);
  }
  const result = running.result.then(parsePythonProbe, () => undefined);
  return { result, hold: running.hold };
}

function parsePythonProbe(output: string): PythonInstallation | undefined {
  try {
    const answer = JSON.parse(output.trim()) as { executable: string; prefixes: string[] };
    if (!answer.executable || !path.isAbsolute(answer.executable)) return undefined;
    const prefixes = [...new Set(answer.prefixes.filter((prefix) => path.isAbsolute(prefix) && prefix !== '/'))];
    return { executable: answer.executable, binDirectory: path.dirname(answer.executable), prefixes };
  } catch {
    return undefined;
  }
}

// The device nodes the NVIDIA driver needs (ECOSYSTEM.md section 4): per-GPU nodes, the control
// node, unified memory and the MIG capabilities folder. Nothing else from the host's /dev.
const NVIDIA_DEVICE = /^nvidia(?:\d+|ctl|-uvm|-uvm-tools|-caps)$/;

/** Lists the names of the host's `/dev` entries; injectable so GPU handling is testable anywhere. */
export type DeviceProbe = () => readonly string[];

export function readDeviceDirectory(): readonly string[] {
  try {
    return readdirSync('/dev');
  } catch {
    return [];
  }
}

/** Absolute paths of the NVIDIA device nodes among `/dev` entries, in a stable order. */
export function selectNvidiaDevices(entries: readonly string[]): string[] {
  return entries
    .filter((name) => NVIDIA_DEVICE.test(name))
    .sort((left, right) => left.localeCompare(right, 'en', { numeric: true }))
    .map((name) => `/dev/${name}`);
}

/** Parse `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader[,nounits]`. */
export function parseNvidiaSmiOutput(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of text.split('\n')) {
    const separator = line.lastIndexOf(',');
    if (separator === -1) continue;
    const name = line.slice(0, separator).trim();
    const memory = Number.parseInt(line.slice(separator + 1).replace(/MiB/i, '').trim(), 10);
    if (name && Number.isFinite(memory)) gpus.push({ name, memoryMiB: memory });
  }
  return gpus;
}

/** Query the GPUs with the host's `nvidia-smi`; rejects when it is missing or fails. */
export async function queryNvidiaGpus(environment: Record<string, string>): Promise<GpuInfo[]> {
  const nvidiaSmi = findExecutable('nvidia-smi', environment.PATH);
  if (!nvidiaSmi) throw new Error('nvidia-smi not found');
  return parseNvidiaSmiOutput(await run(nvidiaSmi, ['--query-gpu=name,memory.total', '--format=csv,noheader'], environment, 15_000));
}
