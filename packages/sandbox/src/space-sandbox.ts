import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError, isAbortError, sleep, ToolExecutionError } from '@ml-intern/core';
import { createRemoteSandbox, type RemoteSandbox } from './remote-sandbox.js';
import { spaceSandboxFiles } from './space-files.js';
import type { SpaceLeaseStore } from './space-leases.js';

/** Name prefix of sandbox Spaces (`<user>/mli-sandbox-<8 hex>`); `ml-intern sandboxes` lists by it. */
export const SANDBOX_SPACE_PREFIX = 'mli-sandbox-';
/** GPU tiers sleep after this long without requests, so a forgotten one stops billing. */
export const GPU_SLEEP_TIME_SECONDS = 2700;

/** How to reach the Hub and the Spaces it serves. */
export interface SpaceHubOptions {
  /** The user's HF token: Hub API calls and the Space gateway. */
  token: string;
  /** Hub API base (HF_ENDPOINT); default https://huggingface.co. */
  hubUrl?: string;
  fetch?: typeof globalThis.fetch;
  /**
   * Where a Space is served, with `{owner}`, `{name}` and `{subdomain}` placeholders
   * (ML_INTERN_SPACE_URL_TEMPLATE, e.g. `http://127.0.0.1:9000/{owner}/{name}`). Default
   * `https://{subdomain}.hf.space`.
   */
  spaceUrlTemplate?: string;
}

export interface CreateSpaceSandboxOptions extends SpaceHubOptions {
  hardware: string;
  signal?: AbortSignal;
  /** Progress lines (`tool_log`). */
  log?: (message: string) => void;
  /** Non-secret Space variables (e.g. TRACKIO_SPACE_ID). */
  variables?: Record<string, string>;
  /** Leases in the data dir: written before the Space exists, removed once it is deleted. */
  leases?: SpaceLeaseStore;
  sessionId?: string;
  hourlyUsd?: number;
  /** Runtime polling (default 5 s) and its limit (default 10 min); the health check's limit (default 3 min). */
  pollIntervalMs?: number;
  startTimeoutMs?: number;
  healthTimeoutMs?: number;
}

/** A running sandbox Space and the client of its host. */
export interface SpaceSandbox {
  repoId: string;
  url: string;
  hardware: string;
  createdAt: Date;
  sandbox: RemoteSandbox;
}

/** The Hub's subdomain of a Space: `owner-name`, lower case, with `_` and `.` as `-`. */
export function spaceSubdomain(repoId: string): string {
  return repoId
    .toLowerCase()
    .replace(/[/_.]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/** The URL a Space's app is served at. */
export function spaceUrl(repoId: string, template?: string): string {
  const [owner = '', name = ''] = repoId.split('/');
  const pattern = template || 'https://{subdomain}.hf.space';
  return pattern.replaceAll('{owner}', encodeURIComponent(owner)).replaceAll('{name}', encodeURIComponent(name)).replaceAll('{subdomain}', spaceSubdomain(repoId)).replace(/\/+$/, '');
}

const loadHub = () => import('@huggingface/hub');

function hubBase(options: SpaceHubOptions): string {
  return (options.hubUrl || 'https://huggingface.co').replace(/\/+$/, '');
}

/** A Spaces REST call; the error says which step failed and the Hub's own message. */
async function hubRequest(options: SpaceHubOptions, step: string, method: string, pathname: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  const fetchFunction = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFunction(`${hubBase(options)}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new ToolExecutionError(`${step}: the Hub is unreachable (${(error as Error).message})`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: string | { message?: string } };
      message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? message);
    } catch {
      // not JSON
    }
    const hint = response.status === 401 ? ' (check HF_TOKEN)' : response.status === 402 ? ' (this hardware needs a payment method or credits on the account)' : response.status === 403 ? ' (the token needs write access)' : '';
    throw Object.assign(new ToolExecutionError(`${step} failed (HTTP ${response.status}): ${message}${hint}`), { status: response.status });
  }
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

async function whoAmI(options: SpaceHubOptions): Promise<string> {
  const { whoAmI: who } = await loadHub();
  try {
    const info = await who({ accessToken: options.token, hubUrl: hubBase(options), ...(options.fetch ? { fetch: options.fetch } : {}) });
    return info.name;
  } catch (error) {
    throw new ConfigError(`cannot create a sandbox Space: the Hub did not accept the token (${(error as Error).message}). Set HF_TOKEN to a token with write access.`, { keyPath: 'HF_TOKEN' });
  }
}

/** Runtime stage of a Space (`BUILDING`, `APP_STARTING`, `RUNNING`, `BUILD_ERROR`, …). */
export interface SpaceRuntime {
  stage: string;
  hardware?: { current?: string | null; requested?: string | null };
  errorMessage?: string;
}

export async function spaceRuntime(repoId: string, options: SpaceHubOptions, signal?: AbortSignal): Promise<SpaceRuntime> {
  return (await hubRequest(options, `reading the runtime of ${repoId}`, 'GET', `/api/spaces/${repoId}/runtime`, undefined, signal)) as SpaceRuntime;
}

const FAILED_STAGES = new Set(['BUILD_ERROR', 'CONFIG_ERROR', 'RUNTIME_ERROR', 'NO_APP_FILE', 'DELETING', 'STOPPED', 'PAUSED']);

function abortable(signal: AbortSignal | undefined, ms: number): Promise<void> {
  return sleep(ms, signal);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
}

/**
 * Create a private Space running the sandbox host on `hardware`, wait until it runs and answers,
 * and connect to it. A failure or an abort at any step deletes the half-made Space.
 */
export async function createSpaceSandbox(options: CreateSpaceSandboxOptions): Promise<SpaceSandbox> {
  const log = options.log ?? (() => {});
  const { signal } = options;
  throwIfAborted(signal);
  const owner = await whoAmI(options);
  const repoId = `${owner}/${SANDBOX_SPACE_PREFIX}${randomBytes(4).toString('hex')}`;
  const createdAt = new Date();
  const lease = (state: 'creating' | 'running') =>
    options.leases?.write({
      repoId,
      hardware: options.hardware,
      ...(options.hourlyUsd === undefined ? {} : { hourlyUsd: options.hourlyUsd }),
      createdAt: createdAt.toISOString(),
      pid: process.pid,
      host: hostname(),
      ...(options.sessionId ? { sessionId: options.sessionId } : {}),
      state,
    });
  // The record exists before the Space does: a crash from here on leaves something to clean up.
  lease('creating');
  let created = false;
  try {
    const hub = await loadHub();
    throwIfAborted(signal);
    log(`Creating the private Space ${repoId} (${options.hardware})…`);
    await hub.createRepo({
      repo: { type: 'space', name: repoId },
      visibility: 'private',
      sdk: 'docker',
      accessToken: options.token,
      hubUrl: hubBase(options),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    created = true;
    throwIfAborted(signal);
    // Secrets and hardware first, so the one build the commit starts has everything.
    const sandboxToken = randomBytes(32).toString('base64url');
    for (const [key, value] of [
      ['ML_INTERN_SANDBOX_TOKEN', sandboxToken],
      ['HF_TOKEN', options.token],
    ] as const) {
      await hubRequest(options, `setting the secret ${key} of ${repoId}`, 'POST', `/api/spaces/${repoId}/secrets`, { key, value }, signal);
    }
    for (const [key, value] of Object.entries(options.variables ?? {})) {
      await hubRequest(options, `setting the variable ${key} of ${repoId}`, 'POST', `/api/spaces/${repoId}/variables`, { key, value }, signal);
    }
    if (options.hardware !== 'cpu-basic') {
      const gpu = !options.hardware.startsWith('cpu');
      await hubRequest(options, `requesting ${options.hardware} for ${repoId}`, 'POST', `/api/spaces/${repoId}/hardware`, { flavor: options.hardware, ...(gpu ? { sleepTimeSeconds: GPU_SLEEP_TIME_SECONDS } : {}) }, signal);
    }
    throwIfAborted(signal);
    await hub.uploadFiles({
      repo: { type: 'space', name: repoId },
      files: spaceSandboxFiles().map((file) => ({ path: file.path, content: new Blob([file.content]) })),
      commitTitle: 'ml-intern sandbox host',
      accessToken: options.token,
      hubUrl: hubBase(options),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    await waitUntilRunning(repoId, options);
    const url = spaceUrl(repoId, options.spaceUrlTemplate);
    await waitUntilHealthy(url, options);
    const sandbox = await createRemoteSandbox({
      baseURL: url,
      token: sandboxToken,
      // The Space gateway takes the user's token; the host checks its own in X-Sandbox-Authorization.
      headers: { authorization: `Bearer ${options.token}` },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    lease('running');
    log(`Sandbox ready: ${repoId} on ${options.hardware}, workspace ${sandbox.workspace}.`);
    return { repoId, url, hardware: options.hardware, createdAt, sandbox };
  } catch (error) {
    if (created) {
      log(`Deleting the unfinished Space ${repoId}…`);
      await deleteSpaceSandbox(repoId, { ...options, ...(options.leases ? { leases: options.leases } : {}) }).catch((deleteError: unknown) =>
        log(`could not delete ${repoId}: ${(deleteError as Error).message}; \`ml-intern sandboxes delete ${repoId}\` removes it`),
      );
    } else {
      options.leases?.remove(repoId);
    }
    throw error;
  }
}

async function waitUntilRunning(repoId: string, options: CreateSpaceSandboxOptions): Promise<void> {
  // Every 5 s, after a quicker start (0.5, 1, 2, 4 s): a CPU Space can be up within seconds.
  let polls = 0;
  const interval = () => options.pollIntervalMs ?? Math.min(5_000, 500 * 2 ** polls++);
  const deadline = Date.now() + (options.startTimeoutMs ?? 600_000);
  let lastStage = '';
  for (;;) {
    const runtime = await spaceRuntime(repoId, options, options.signal);
    if (runtime.stage !== lastStage) {
      lastStage = runtime.stage;
      options.log?.(`Space ${repoId}: ${runtime.stage.toLowerCase().replace(/_/g, ' ')}${runtime.hardware?.current ? ` on ${runtime.hardware.current}` : ''}`);
    }
    if (runtime.stage === 'RUNNING') return;
    if (FAILED_STAGES.has(runtime.stage)) {
      throw new ToolExecutionError(`the sandbox Space ${repoId} stopped at ${runtime.stage}${runtime.errorMessage ? `: ${runtime.errorMessage}` : ''}`);
    }
    const wait = interval();
    if (Date.now() + wait > deadline) {
      throw new ToolExecutionError(`the sandbox Space ${repoId} did not reach RUNNING within ${Math.round((options.startTimeoutMs ?? 600_000) / 1000)} s (last stage ${runtime.stage}); it was deleted. Try again, or another hardware tier if this one is scarce.`);
    }
    await abortable(options.signal, wait);
  }
}

async function waitUntilHealthy(url: string, options: CreateSpaceSandboxOptions): Promise<void> {
  const fetchFunction = options.fetch ?? globalThis.fetch;
  const interval = Math.min(options.pollIntervalMs ?? 500, 2_000);
  const deadline = Date.now() + (options.healthTimeoutMs ?? 180_000);
  let last = '';
  for (;;) {
    try {
      const response = await fetchFunction(`${url}/health`, { headers: { authorization: `Bearer ${options.token}` }, ...(options.signal ? { signal: options.signal } : {}) });
      await response.body?.cancel().catch(() => {});
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      if (isAbortError(error)) throw error;
      last = (error as Error).message;
    }
    if (Date.now() + interval > deadline) throw new ToolExecutionError(`the sandbox Space at ${url} runs but its host does not answer (${last}); it was deleted.`);
    await abortable(options.signal, interval);
  }
}

/**
 * Delete a sandbox Space: up to `attempts` tries (default 3), all within `deadlineMs` (default
 * 8 s), then its lease. A Space that is already gone counts as deleted.
 */
export async function deleteSpaceSandbox(repoId: string, options: SpaceHubOptions & { leases?: SpaceLeaseStore; attempts?: number; deadlineMs?: number }): Promise<void> {
  const attempts = options.attempts ?? 3;
  const deadline = Date.now() + (options.deadlineMs ?? 8_000);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      await hubRequest(options, `deleting ${repoId}`, 'DELETE', '/api/repos/delete', { name: repoId.split('/')[1], organization: repoId.split('/')[0], type: 'space' }, AbortSignal.timeout(Math.max(500, left)));
      options.leases?.remove(repoId);
      return;
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        options.leases?.remove(repoId);
        return;
      }
      lastError = error;
      if (attempt < attempts) await sleep(Math.min(250 * 2 ** attempt, Math.max(0, deadline - Date.now())));
    }
  }
  throw lastError instanceof Error ? lastError : new ToolExecutionError(`deleting ${repoId} did not finish in time`);
}

/** One of the user's sandbox Spaces, as `ml-intern sandboxes` shows it. */
export interface SandboxSpaceInfo {
  repoId: string;
  createdAt?: string;
  hardware?: string;
  stage?: string;
}

/** The user's Spaces named like sandboxes, with their runtime where the Hub says it. */
export async function listSandboxSpaces(options: SpaceHubOptions): Promise<SandboxSpaceInfo[]> {
  const owner = await whoAmI(options);
  const { listSpaces } = await loadHub();
  const found: SandboxSpaceInfo[] = [];
  for await (const space of listSpaces({
    search: { owner, query: SANDBOX_SPACE_PREFIX },
    accessToken: options.token,
    hubUrl: hubBase(options),
    additionalFields: ['createdAt'],
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })) {
    if (!space.name.split('/')[1]?.startsWith(SANDBOX_SPACE_PREFIX)) continue;
    const info: SandboxSpaceInfo = { repoId: space.name, ...((space as { createdAt?: unknown }).createdAt ? { createdAt: String((space as { createdAt?: unknown }).createdAt) } : {}) };
    try {
      const runtime = await spaceRuntime(space.name, options);
      info.stage = runtime.stage;
      const hardware = runtime.hardware?.current ?? runtime.hardware?.requested;
      if (hardware) info.hardware = hardware;
    } catch {
      // listed without its runtime
    }
    found.push(info);
  }
  return found;
}
