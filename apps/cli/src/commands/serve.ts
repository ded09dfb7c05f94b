import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonlSessionStore, defaultSessionDir } from '@ml-intern/context';
import { ConfigError } from '@ml-intern/core';
import { createServer, ServerConfigError, type HfOAuthOptions, type SessionFactory, type SignedInUser } from '@ml-intern/server';
import { createRuntime } from '../runtime/create-runtime.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  open?: boolean;
  workspaceRoot?: string;
  idleTimeout?: string;
  /** `--config <file>`. */
  config?: string;
}

/** Tools that run on the machine itself: off for the sessions of a many-user server unless commands run in a Space sandbox. */
const HOST_TOOLS = ['bash', 'read', 'write', 'edit'];

/** The built UI ships next to the bundle (`dist/web`, copied from apps/web/dist by the CLI's build). */
function builtUiDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** `hf_oauth` on a Space: the Space sets these three (and SPACE_HOST, where browsers reach it). */
function oauthFromEnv(env: Record<string, string | undefined>): HfOAuthOptions | undefined {
  const { OAUTH_CLIENT_ID: clientId, OAUTH_CLIENT_SECRET: clientSecret, OPENID_PROVIDER_URL: providerUrl } = env;
  if (!clientId || !clientSecret || !providerUrl) return undefined;
  const publicUrl = env.ML_INTERN_PUBLIC_URL || (env.SPACE_HOST ? `https://${env.SPACE_HOST}` : undefined);
  return { clientId, clientSecret, providerUrl, ...(publicUrl ? { publicUrl } : {}) };
}

/** A folder name for a user id (an OpenID subject). */
function userFolder(user: SignedInUser): string {
  return user.id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'user';
}

/** Each signed-in user's data (session logs, spill files) in a folder of their own. */
function userDataHome(env: Record<string, string | undefined>, user: SignedInUser): string {
  const base = env.XDG_DATA_HOME || path.join(env.HOME || homedir(), '.local', 'share');
  return path.join(base, 'ml-intern', 'users', userFolder(user));
}

/** The environment a user's session runs with: their own token drives the Hub tools, their own folder holds their logs. */
function sessionEnv(env: Record<string, string | undefined>, user: SignedInUser | undefined): Record<string, string | undefined> {
  if (!user) return env;
  return { ...env, HF_TOKEN: user.token, HUGGING_FACE_HUB_TOKEN: undefined, XDG_DATA_HOME: userDataHome(env, user) };
}

async function openBrowser(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '""', url] : [url];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`ml-intern: could not open a browser; open ${url} yourself.\n`));
  child.unref();
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return 7860;
  return /^\d{1,5}$/.test(text) && Number(text) <= 65_535 ? Number(text) : undefined;
}

/**
 * `ml-intern serve`: the HTTP API over sessions (and the built web UI), composing the same
 * runtime as the other front ends: each session gets its own sandbox, tools and log.
 */
export async function runServe(options: ServeOptions, flags: Record<string, unknown>): Promise<number> {
  const env = process.env;
  const host = options.host ?? '127.0.0.1';
  const port = parsePort(options.port);
  if (port === undefined) {
    process.stderr.write(`ml-intern: --port expects a number from 0 to 65535, found "${options.port}"\n`);
    return 2;
  }
  const idleMinutes = options.idleTimeout === undefined ? 30 : Number(options.idleTimeout);
  if (!Number.isFinite(idleMinutes) || idleMinutes <= 0) {
    process.stderr.write(`ml-intern: --idle-timeout expects minutes (a positive number), found "${options.idleTimeout}"\n`);
    return 2;
  }
  const oauth = oauthFromEnv(env);
  const givenToken = env.ML_INTERN_SERVER_TOKEN || undefined;
  if (!isLoopback(host) && !givenToken && !oauth) {
    process.stderr.write(
      `ml-intern: refusing to listen on ${host} without a token: set ML_INTERN_SERVER_TOKEN (at least 16 characters), or Hugging Face sign-in (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OPENID_PROVIDER_URL), or keep the default --host 127.0.0.1\n`,
    );
    return 2;
  }
  const token = oauth ? undefined : (givenToken ?? randomBytes(24).toString('base64url'));
  const workspaceRoot = path.resolve(options.workspaceRoot ?? process.cwd());
  if (!existsSync(workspaceRoot)) {
    process.stderr.write(`ml-intern: --workspace-root ${workspaceRoot} does not exist\n`);
    return 2;
  }

  const createSession: SessionFactory = async (request) => {
    if (request.continueId) {
      // A session the terminal (or another server) is running: say so in the web's terms.
      const holder = new JsonlSessionStore(defaultSessionDir(sessionEnv(env, request.user))).lockHolder(request.continueId);
      if (holder) throw new Error(`it is in use by another ml-intern run (pid ${holder.pid}); continue it there, or start a new session from it with POST /api/sessions {"resume": "${request.continueId}"}`);
    }
    const runtime = await createRuntime({
      mode: 'interactive',
      cwd: request.workspace,
      env: sessionEnv(env, request.user),
      ...(options.config ? { configFile: options.config } : {}),
      flags: { ...flags, ...(request.model ? { model_name: request.model } : {}) },
      ...(request.continueId ? { resume: request.continueId, noFork: true } : request.resume ? { resume: request.resume } : {}),
      // Many users share this machine: their commands may run only in a Space sandbox of their own.
      ...(oauth ? { excludeTools: (config) => (config.tool_runtime === 'space' ? [] : HOST_TOOLS) } : {}),
      warn: (message) => process.stderr.write(`${message}\n`),
    });
    return { session: runtime.session, ...(runtime.checkpoints ? { checkpoints: runtime.checkpoints } : {}), close: () => runtime.close() };
  };

  const uiDir = builtUiDir();
  let server;
  try {
    server = createServer({
      createSession,
      sessionDir: (user) => defaultSessionDir(sessionEnv(env, user)),
      workspaceRoot,
      ...(token ? { token } : {}),
      ...(oauth ? { oauth, frameAncestors: ["'self'", 'https://huggingface.co'] } : {}),
      // A page served elsewhere that may call this API (the UI's dev server), and the public address of a Space.
      allowedOrigins: [...(env.ML_INTERN_SERVER_ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean), ...(oauth?.publicUrl ? [new URL(oauth.publicUrl).origin] : [])],
      host,
      port,
      idleTimeoutMs: idleMinutes * 60_000,
      staticDir: uiDir,
      uiMissingMessage: `The web UI is not built (no ${path.join(uiDir, 'index.html')}). Build it with "pnpm --filter @ml-intern/web build && pnpm --filter @ml-intern/cli build" from the repository, then restart ml-intern serve.`,
    });
  } catch (error) {
    if (error instanceof ServerConfigError || ConfigError.isInstance(error)) {
      process.stderr.write(`ml-intern: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  if (oauth) mkdirSync(workspaceRoot, { recursive: true });
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    process.stderr.write(`ml-intern: cannot listen on ${host}:${port}: ${(error as Error).message}\n`);
    return 1;
  }
  const shown = oauth ? (oauth.publicUrl ?? url) : `${url}/?token=${token}`;
  process.stdout.write(`ml-intern serve: ${shown}\n`);
  process.stdout.write(oauth ? `Sign in with Hugging Face; each user sees only their own sessions.\n` : `Open that URL in a browser (the token in it is the key to this server), or send Authorization: Bearer <token>.\n`);
  if (!existsSync(path.join(uiDir, 'index.html'))) process.stdout.write(`The web UI is not built: the API runs without it.\n`);
  if (options.open) await openBrowser(shown);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write('ml-intern serve: shutting down…\n');
  await server.close();
  return 0;
}
