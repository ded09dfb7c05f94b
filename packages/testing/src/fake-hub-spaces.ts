import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendJson } from './http-fake.js';
import { canWrite, parseBody, repoKey, sendError, type FakeRepo, type FakeRoute, type RouteContext } from './fake-hub-state.js';

/** Hardware the fake's Spaces accept (the Hub's `SpaceHardwareFlavor`s and the H100/H200 families). */
export const FAKE_SPACE_HARDWARE = [
  'cpu-basic', 'cpu-upgrade', 'cpu-performance', 'cpu-xl', 't4-small', 't4-medium', 'l4x1', 'l4x4', 'l40sx1', 'l40sx4', 'l40sx8',
  'a10g-small', 'a10g-large', 'a10g-largex2', 'a10g-largex4', 'a100-large', 'a100x4', 'a100x8', 'h100', 'h100x8', 'h200', 'h200x2', 'h200x4', 'h200x8',
];

/** One Space's runtime in the fake: secrets, variables, hardware, stage and the app process. */
export interface FakeSpace {
  id: string;
  secrets: Map<string, string>;
  variables: Map<string, string>;
  hardware: { current: string | null; requested: string };
  sleepTimeSeconds: number | undefined;
  stage: string;
  errorMessage?: string;
  /** Runtime polls answered so far (the build takes `buildPolls` of them). */
  polls: number;
  process?: ChildProcess;
  /** Port the app listens on once it runs. */
  port?: number;
  root?: string;
  /** Everything the app wrote to stdout and stderr. */
  output: string;
}

export interface FakeSpacesOptions {
  /** Runtime polls that answer BUILDING before the app starts (default 1). */
  buildPolls?: number;
  /** Never leave BUILDING (a Space that never runs). */
  neverRuns?: boolean;
  /** Stage to end in instead of RUNNING (e.g. BUILD_ERROR), with this error message. */
  failStage?: { stage: string; errorMessage: string };
}

export interface FakeSpacesState {
  spaces: Map<string, FakeSpace>;
  options: FakeSpacesOptions;
}

/** `http://127.0.0.1:PORT/_spaces/{owner}/{name}`: where the fake serves Space apps (ML_INTERN_SPACE_URL_TEMPLATE). */
export function fakeSpaceUrlTemplate(baseUrl: string): string {
  return `${baseUrl}/_spaces/{owner}/{name}`;
}

function spaceOf(spaces: Map<string, FakeSpace>, id: string): FakeSpace {
  let space = spaces.get(id);
  if (!space) {
    space = { id, secrets: new Map(), variables: new Map(), hardware: { current: null, requested: 'cpu-basic' }, sleepTimeSeconds: undefined, stage: 'NO_APP_FILE', polls: 0, output: '' };
    spaces.set(id, space);
  }
  return space;
}

/**
 * Run the committed Docker Space the way its image would: files placed by the Dockerfile's COPY
 * lines under a temporary root, its WORKDIR created, its CMD run with absolute paths inside that
 * root and the Space port swapped for a free one on 127.0.0.1; secrets and variables in the
 * environment, as a Space exposes them.
 */
function startApp(space: FakeSpace, repo: FakeRepo): void {
  const files = repo.branches.get('main')?.files ?? new Map<string, Buffer>();
  const dockerfile = files.get('Dockerfile')?.toString('utf8');
  if (!dockerfile) {
    space.stage = 'NO_APP_FILE';
    return;
  }
  const root = mkdtempSync(path.join(tmpdir(), 'fake-space-'));
  space.root = root;
  const inRoot = (target: string) => path.join(root, target);
  let workdir = '/';
  let command: string[] | undefined;
  for (const line of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
    const [instruction = '', ...rest] = line.trim().split(/\s+/);
    const args = rest.filter((arg) => !arg.startsWith('--'));
    if (instruction === 'COPY' && !rest.some((arg) => arg.startsWith('--from='))) {
      const destination = args.at(-1) as string;
      for (const source of args.slice(0, -1)) {
        const content = files.get(source);
        if (!content) throw new Error(`Dockerfile COPY ${source}: no such file in the Space repo`);
        const target = destination.endsWith('/') ? path.join(inRoot(destination), source) : inRoot(destination);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
    } else if (instruction === 'WORKDIR') {
      workdir = args[0] as string;
      mkdirSync(inRoot(workdir), { recursive: true });
    } else if (instruction === 'CMD') {
      command = JSON.parse(line.trim().slice('CMD'.length)) as string[];
    }
  }
  if (!command?.length) {
    space.stage = 'CONFIG_ERROR';
    space.errorMessage = 'the Dockerfile has no CMD';
    return;
  }
  const [program, ...args] = command.map((arg) => (arg === '0.0.0.0:7860' ? '127.0.0.1:0' : arg.startsWith('/') ? inRoot(arg) : arg));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: inRoot('/home/user'), SPACE_ID: space.id };
  mkdirSync(env.HOME as string, { recursive: true });
  for (const [key, value] of space.variables) env[key] = value;
  for (const [key, value] of space.secrets) env[key] = value;
  const child = spawn(program === 'node' ? process.execPath : (program as string), args, { cwd: inRoot(workdir), env, stdio: ['ignore', 'pipe', 'pipe'] });
  space.process = child;
  space.stage = 'APP_STARTING';
  const onOutput = (chunk: Buffer) => {
    space.output += chunk.toString('utf8');
    const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(space.output);
    if (listening && space.stage === 'APP_STARTING') {
      space.port = Number(listening[1]);
      space.stage = 'RUNNING';
      space.hardware.current = space.hardware.requested;
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  child.on('exit', () => {
    if (space.process !== child) return;
    space.process = undefined;
    space.port = undefined;
    if (space.stage !== 'DELETING') {
      space.stage = 'RUNTIME_ERROR';
      space.errorMessage = `the app exited: ${space.output.slice(-300)}`;
    }
  });
}

export function stopSpace(space: FakeSpace): void {
  space.stage = 'DELETING';
  space.process?.kill('SIGKILL');
  space.process = undefined;
  if (space.root) rmSync(space.root, { recursive: true, force: true });
}

/**
 * The Spaces part of the fake Hub: secrets, variables, hardware and sleep-time requests, runtime
 * polling (the committed Docker app is started for real once its build "finishes"), repo delete,
 * and a gateway under `/_spaces/{owner}/{name}/…` that, like `*.hf.space`, takes the HF token
 * in `Authorization` and forwards everything else to the app.
 */
export function spaceRoutes(state: FakeSpacesState, repos: Map<string, FakeRepo>): FakeRoute[] {
  const route = (method: string, pattern: string, handle: FakeRoute['handle']): FakeRoute => ({ method, pattern: new RegExp(`^${pattern}$`), handle });
  const ID = '([^/]+/[^/]+)';
  const writableSpace = (context: RouteContext): { repo: FakeRepo; space: FakeSpace } | undefined => {
    const id = context.match[1] as string;
    const repo = repos.get(repoKey('space', id));
    if (!repo || (repo.settings.private && !canWrite(context.auth, id.split('/')[0] as string))) {
      sendError(context.response, 404, `Repository not found: ${id}`, 'RepoNotFound');
      return undefined;
    }
    if (!canWrite(context.auth, id.split('/')[0] as string)) {
      sendError(context.response, context.auth.valid ? 403 : 401, `You don't have the rights to change ${id}`);
      return undefined;
    }
    return { repo, space: spaceOf(state.spaces, id) };
  };
  const runtimeOf = (space: FakeSpace) => ({
    stage: space.stage,
    hardware: { current: space.hardware.current, requested: space.hardware.requested },
    gcTimeout: space.sleepTimeSeconds ?? null,
    storage: null,
    ...(space.errorMessage ? { errorMessage: space.errorMessage } : {}),
  });

  return [
    route('POST', `/api/spaces/${ID}/secrets`, (context) => {
      const found = writableSpace(context);
      if (!found) return;
      const body = parseBody(context);
      if (typeof body.key !== 'string' || typeof body.value !== 'string') return sendError(context.response, 400, 'key and value are required');
      found.space.secrets.set(body.key, body.value);
      sendJson(context.response, 200, {});
    }),
    route('DELETE', `/api/spaces/${ID}/secrets`, (context) => {
      const found = writableSpace(context);
      if (!found) return;
      found.space.secrets.delete(String(parseBody(context).key));
      sendJson(context.response, 200, {});
    }),
    route('POST', `/api/spaces/${ID}/variables`, (context) => {
      const found = writableSpace(context);
      if (!found) return;
      const body = parseBody(context);
      if (typeof body.key !== 'string' || typeof body.value !== 'string') return sendError(context.response, 400, 'key and value are required');
      found.space.variables.set(body.key, body.value);
      sendJson(context.response, 200, {});
    }),
    route('POST', `/api/spaces/${ID}/hardware`, (context) => {
      const found = writableSpace(context);
      if (!found) return;
      const body = parseBody(context);
      const flavor = String(body.flavor ?? '');
      if (!FAKE_SPACE_HARDWARE.includes(flavor)) return sendError(context.response, 400, `Invalid hardware flavor: ${flavor}`);
      found.space.hardware.requested = flavor;
      if (typeof body.sleepTimeSeconds === 'number') found.space.sleepTimeSeconds = body.sleepTimeSeconds;
      sendJson(context.response, 200, runtimeOf(found.space));
    }),
    route('POST', `/api/spaces/${ID}/sleeptime`, (context) => {
      const found = writableSpace(context);
      if (!found) return;
      const seconds = parseBody(context).seconds;
      if (typeof seconds !== 'number') return sendError(context.response, 400, 'seconds is required');
      found.space.sleepTimeSeconds = seconds;
      sendJson(context.response, 200, runtimeOf(found.space));
    }),
    route('GET', `/api/spaces/${ID}/runtime`, (context) => {
      const id = context.match[1] as string;
      const repo = repos.get(repoKey('space', id));
      if (!repo || (repo.settings.private && !canWrite(context.auth, id.split('/')[0] as string))) return sendError(context.response, 404, `Repository not found: ${id}`, 'RepoNotFound');
      const space = spaceOf(state.spaces, id);
      const hasApp = repo.branches.get('main')?.files.has('Dockerfile') ?? false;
      if (hasApp && (space.stage === 'NO_APP_FILE' || space.stage === 'BUILDING')) {
        space.stage = 'BUILDING';
        space.polls += 1;
        if (state.options.failStage && space.polls > (state.options.buildPolls ?? 1)) {
          space.stage = state.options.failStage.stage;
          space.errorMessage = state.options.failStage.errorMessage;
        } else if (!state.options.neverRuns && space.polls > (state.options.buildPolls ?? 1)) {
          startApp(space, repo);
        }
      }
      sendJson(context.response, 200, runtimeOf(space));
    }),
    route('DELETE', '/api/repos/delete', (context) => {
      const body = parseBody(context);
      const type = String(body.type ?? 'model');
      const namespace = String(body.organization ?? context.auth.user?.name ?? '');
      const id = `${namespace}/${String(body.name ?? '')}`;
      if (!canWrite(context.auth, namespace)) return sendError(context.response, context.auth.valid ? 403 : 401, `You don't have the rights to delete ${id}`);
      if (!repos.delete(repoKey(type, id))) return sendError(context.response, 404, `Repository not found: ${id}`, 'RepoNotFound');
      const space = state.spaces.get(id);
      if (space) {
        stopSpace(space);
        state.spaces.delete(id);
      }
      sendJson(context.response, 200, {});
    }),
    // Any method: the app's own routes.
    { method: '*', pattern: /^\/_spaces\/([^/]+)\/([^/]+)(\/.*)?$/, handle: (context: RouteContext) => proxyToApp(context, state, repos) },
  ];
}

/** The `*.hf.space` gateway: a private Space answers only its owner's token; the rest goes to the app as is. */
function proxyToApp(context: RouteContext, state: FakeSpacesState, repos: Map<string, FakeRepo>): void {
  const id = `${context.match[1]}/${context.match[2]}`;
  const repo = repos.get(repoKey('space', id));
  const space = state.spaces.get(id);
  if (!repo || (repo.settings.private && !canWrite(context.auth, context.match[1] as string))) return sendError(context.response, 404, 'Sorry, we cannot find the page you are looking for.');
  if (!space?.port || space.stage !== 'RUNNING') return sendError(context.response, 503, `Space ${id} is not running (${space?.stage ?? 'NO_APP_FILE'})`);
  const target = `${context.match[3] ?? '/'}${context.request.url.includes('?') ? context.request.url.slice(context.request.url.indexOf('?')) : ''}`;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(context.raw.headers)) {
    if (value === undefined || name === 'host' || name === 'content-length') continue;
    headers[name] = value;
  }
  const body = Buffer.from(context.request.body, 'utf8');
  if (body.length > 0) headers['content-length'] = String(body.length);
  const upstream = http.request({ host: '127.0.0.1', port: space.port, method: context.request.method, path: target, headers }, (answer) => {
    context.response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(context.response);
    answer.on('error', () => context.response.destroy());
  });
  upstream.on('error', () => {
    if (!context.response.headersSent) sendError(context.response, 502, `Space ${id}: the app is not answering`);
    else context.response.destroy();
  });
  // The client went away: so does the request to the app (the host kills its command).
  context.response.on('close', () => upstream.destroy());
  upstream.end(body);
}
