import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { ConfigError } from '@ml-intern/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { HfOAuth } from './hf-oauth.js';
import { isLoopbackHost, requestGuard, type GuardVariables } from './request-guard.js';
import { SessionHub } from './session-hub.js';
import { sessionRoutes } from './session-routes.js';
import type { StreamRegistry } from './event-stream.js';
import type { ServerOptions } from './server-types.js';

/** A configuration mistake in the server's options: the message says what and how to fix it. */
export class ServerConfigError extends ConfigError {}

/** An ml-intern HTTP server: `listen()` to start it, `close()` (or `await using`) to stop it and its sessions. */
export interface MlInternServer extends AsyncDisposable {
  /** The Hono app (`app.fetch(request)` answers a Request without a socket). */
  readonly app: Hono<{ Variables: GuardVariables }>;
  /** The sessions it hosts. */
  readonly sessions: SessionHub;
  /** Start listening; resolves to the base URL (`http://127.0.0.1:7860`). */
  listen(): Promise<string>;
  /** The base URL once listening. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

const DEFAULT_PORT = 7860;
const DEFAULT_IDLE_MS = 30 * 60_000;
const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** A user_input with its 20 images fits. */
const MAX_BODY_BYTES = 32_000_000;

function contentSecurityPolicy(frameAncestors: readonly string[]) {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    // Inline style attributes from the UI's components; no inline script anywhere.
    styleSrc: ["'self'", "'unsafe-inline'"],
    // Plots arrive as data: URLs; a signed-in user's avatar is on the Hub's CDN.
    imgSrc: ["'self'", 'data:', 'blob:', 'https://cdn-avatars.huggingface.co'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    // Trackio dashboards of the user's runs are Spaces.
    frameSrc: ['https://*.hf.space', 'https://huggingface.co'],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: [...frameAncestors],
  };
}

function uiMissingPage(message: string): string {
  const escaped = message.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char] ?? char);
  return `<!doctype html><html><head><meta charset="utf-8"><title>ml-intern</title></head><body><h1>ml-intern</h1><p>${escaped}</p><p>The API is up: <code>GET /api/sessions</code>.</p></body></html>`;
}

/**
 * The HTTP API over sessions (and the built UI, when `staticDir` is given). The app injects the
 * runtime with `createSession`; many sessions run in one process, each its own.
 */
export function createServer(options: ServerOptions): MlInternServer {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  if (options.token !== undefined && options.token.length < 16) throw new ServerConfigError('the server token must be at least 16 characters (ML_INTERN_SERVER_TOKEN)');
  if (options.token === undefined && !options.oauth) {
    throw new ServerConfigError(`a server needs a token or Hugging Face sign-in: set the token (ML_INTERN_SERVER_TOKEN) or hf_oauth`);
  }
  if (!loopback && options.token === undefined && !options.oauth) throw new ServerConfigError(`refusing to listen on ${host} without a token`);
  const workspaceRoot = path.resolve(options.workspaceRoot ?? process.cwd());
  if (!existsSync(workspaceRoot)) throw new ServerConfigError(`the workspace root ${workspaceRoot} does not exist`);
  const sessionDir = options.sessionDir;
  const hub = new SessionHub({
    createSession: options.createSession,
    sessionDir: sessionDir === undefined ? undefined : typeof sessionDir === 'string' ? () => sessionDir : sessionDir,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_MS,
  });
  const oauth = options.oauth ? new HfOAuth(options.oauth) : undefined;
  const registry: StreamRegistry = new Set();

  const app = new Hono<{ Variables: GuardVariables }>();
  const frameAncestors = options.frameAncestors ?? ["'none'"];
  app.use(
    secureHeaders({
      contentSecurityPolicy: contentSecurityPolicy(frameAncestors),
      // frame-ancestors governs framing; X-Frame-Options would forbid the Space's own page.
      xFrameOptions: frameAncestors.length === 1 && frameAncestors[0] === "'none'" ? 'DENY' : false,
      crossOriginOpenerPolicy: false,
    }),
  );
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.use(requestGuard({ token: options.token, oauth, loopbackOnly: loopback, allowedOrigins: options.allowedOrigins ?? [] }));
  if (oauth) {
    app.get('/auth/login', (c) => oauth.login(c));
    app.get('/auth/callback', (c) => oauth.callback(c));
    app.post('/auth/logout', (c) => oauth.logout(c));
  }
  app.use('/api/*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: { code: 'body_too_large', message: `the body is over ${MAX_BODY_BYTES / 1_000_000} MB (20 images of up to 1 MB each fit)` } }, 413) }));
  app.get('/api/me', (c) => {
    const user = c.get('user');
    return c.json(user ? { auth: 'hf_oauth', user: { id: user.id, name: user.name, avatar_url: user.avatarUrl ?? null } } : { auth: 'token', user: null });
  });
  app.route(
    '/api/sessions',
    sessionRoutes({ hub, workspaceRoot, keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS, registry }),
  );
  app.all('/api/*', (c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  const staticDir = options.staticDir && existsSync(path.join(options.staticDir, 'index.html')) ? path.resolve(options.staticDir) : undefined;
  if (staticDir) {
    app.use('/*', serveStatic({ root: staticDir }));
    // A client-side route (a reload on /sessions/…) gets the app.
    app.get('/*', (c) => c.html(readFileSync(path.join(staticDir, 'index.html'), 'utf8')));
  } else {
    const message = options.uiMissingMessage ?? 'The web UI is not built.';
    app.get('/*', (c) => c.html(uiMissingPage(message), 404));
  }
  app.onError((error, c) => c.json({ error: { code: 'internal', message: error.message } }, 500));

  let server: ServerType | undefined;
  let url: string | undefined;
  const close = async () => {
    for (const end of [...registry]) end();
    await hub.closeAll();
    if (server) {
      const closing = server;
      server = undefined;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        (closing as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    }
  };
  return {
    app,
    sessions: hub,
    get url() {
      return url;
    },
    listen() {
      return new Promise<string>((resolve, reject) => {
        const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? DEFAULT_PORT }, (info: AddressInfo) => {
          const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          url = `http://${shown}:${info.port}`;
          resolve(url);
        });
        started.once('error', reject);
        server = started;
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
