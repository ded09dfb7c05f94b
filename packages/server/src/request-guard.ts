import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { HfOAuth } from './hf-oauth.js';
import type { SignedInUser } from './server-types.js';

/**
 * The token cookie's name carries a digest of the token: cookies ignore ports, so two servers on
 * one host (`serve --port 7860` and `--port 7861`) would otherwise overwrite each other's.
 */
export function tokenCookieName(token: string): string {
  return `ml_intern_token_${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

export type GuardVariables = { user: SignedInUser | undefined; via: 'bearer' | 'cookie' };

export interface GuardOptions {
  token: string | undefined;
  oauth: HfOAuth | undefined;
  /** Host names a loopback-bound server answers to (a DNS-rebinding page would use its own). */
  loopbackOnly: boolean;
  allowedOrigins: readonly string[];
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.endsWith('.localhost');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function hostnameOf(hostHeader: string): string {
  return hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : (hostHeader.split(':')[0] ?? '');
}

function refuse(c: Context, status: 401 | 403, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

/** Does the request come from a page of this server (or an allowed origin)? */
function originAllowed(c: Context, allowed: readonly string[]): boolean | undefined {
  const origin = c.req.header('origin');
  if (origin === undefined) {
    const site = c.req.header('sec-fetch-site');
    return site === undefined ? undefined : site === 'same-origin' || site === 'none';
  }
  if (allowed.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const own = c.req.header('x-forwarded-host') ?? c.req.header('host') ?? '';
  return host === own;
}

/**
 * Every route but `/healthz` (and the sign-in pages) needs the token (`Authorization: Bearer`, or
 * the HttpOnly SameSite=Strict cookie the `?token=` URL sets) or, with `hf_oauth`, a signed-in
 * user. State-changing requests must come from this server's own pages.
 */
export function requestGuard(options: GuardOptions): MiddlewareHandler<{ Variables: GuardVariables }> {
  const cookieName = options.token === undefined ? '' : tokenCookieName(options.token);
  return async (c, next) => {
    const hostHeader = c.req.header('host') ?? '';
    if (options.loopbackOnly && !isLoopbackHost(hostnameOf(hostHeader))) {
      return refuse(c, 403, 'host_refused', `this server listens on loopback only and answers requests for localhost or 127.0.0.1, not "${hostHeader.slice(0, 100)}"`);
    }
    const path = c.req.path;
    if (path === '/healthz' || (options.oauth && (path === '/auth/login' || path === '/auth/callback'))) return next();

    const queryToken = options.token === undefined ? undefined : c.req.query('token');
    if (queryToken !== undefined && options.token !== undefined && c.req.method === 'GET') {
      if (!sameSecret(queryToken, options.token)) return refuse(c, 401, 'bad_token', 'the token in the URL is not this server\'s: use the URL ml-intern serve printed');
      setCookie(c, cookieName, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const clean = new URL(c.req.url);
      clean.searchParams.delete('token');
      // Off the address bar and out of the history.
      return c.redirect(`${clean.pathname}${clean.search}`, 303);
    }

    let user: SignedInUser | undefined;
    let via: GuardVariables['via'] | undefined;
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    if (options.token !== undefined) {
      if (bearer !== undefined && sameSecret(bearer, options.token)) via = 'bearer';
      else {
        const cookie = getCookie(c, cookieName);
        if (cookie !== undefined && sameSecret(cookie, options.token)) via = 'cookie';
      }
    } else if (options.oauth) {
      user = options.oauth.user(c);
      if (user) via = 'cookie';
    }
    if (via === undefined) {
      if (path.startsWith('/api/')) {
        const how = options.oauth ? 'sign in with Hugging Face at /auth/login' : 'send Authorization: Bearer <token>, or open the URL ml-intern serve printed (…/?token=…)';
        return refuse(c, 401, 'unauthorized', `not signed in: ${how}`);
      }
      if (options.oauth) return c.redirect('/auth/login', 302);
      return c.text('ml-intern: open the URL that `ml-intern serve` printed (it ends in ?token=…) to use this server.', 401);
    }

    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      const allowed = originAllowed(c, options.allowedOrigins);
      // A browser always names the origin of a state-changing request; a cookie without one is not trusted.
      if (allowed === false || (allowed === undefined && via === 'cookie')) {
        return refuse(c, 403, 'origin_refused', `${method} ${path} from origin ${c.req.header('origin') ?? '(none)'} refused: state-changing requests must come from this server's own pages`);
      }
    }
    c.set('user', user);
    c.set('via', via);
    return next();
  };
}
