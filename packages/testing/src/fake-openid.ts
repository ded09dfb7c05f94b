import { createHash, randomBytes } from 'node:crypto';
import { sendJson, startHttpFake, type HttpFake } from './http-fake.js';

/** A person the fake provider signs in. */
export interface FakeOpenIdUser {
  sub: string;
  preferred_username: string;
  name?: string;
  picture?: string;
}

export interface FakeOpenIdOptions {
  clientId?: string;
  clientSecret?: string;
  /** Who `/oauth/authorize` signs in (change it with `signInAs`). Default: a user "alice". */
  user?: FakeOpenIdUser;
  /** Seconds the access tokens last (`expires_in`). */
  expiresIn?: number;
}

/** A fake OpenID provider (Hugging Face's shape): discovery, authorize, token (code + PKCE), userinfo. */
export interface FakeOpenId extends HttpFake {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The issuer / `OPENID_PROVIDER_URL`. */
  readonly providerUrl: string;
  /** Access tokens issued, by token, with their user and scope. */
  readonly issued: Map<string, { user: FakeOpenIdUser; scope: string }>;
  /** Who the next authorization signs in. */
  signInAs(user: FakeOpenIdUser): void;
}

interface Grant {
  user: FakeOpenIdUser;
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge: string | undefined;
}

function oauthError(response: Parameters<typeof sendJson>[0], status: number, error: string, description: string): void {
  sendJson(response, status, { error, error_description: description });
}

/** `client_id:client_secret` from HTTP Basic (URL-encoded parts), else from the form. */
function clientCredentials(form: URLSearchParams, rawAuthorization: string | undefined): { id: string | null; secret: string | null } {
  const basic = /^Basic\s+(.+)$/i.exec(rawAuthorization ?? '')?.[1];
  if (basic) {
    const [id = '', secret = ''] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    return { id: decodeURIComponent(id), secret: decodeURIComponent(secret) };
  }
  return { id: form.get('client_id'), secret: form.get('client_secret') };
}

/**
 * Start a fake OpenID provider on 127.0.0.1 that speaks the authorization-code flow as Hugging
 * Face does: `/.well-known/openid-configuration`, `/oauth/authorize` (signs in the configured user
 * at once and redirects back with a code), `/oauth/token` (client secret, redirect URI and PKCE
 * S256 checked; codes are single-use), `/oauth/userinfo` (Bearer access token).
 */
export async function startFakeOpenId(options: FakeOpenIdOptions = {}): Promise<FakeOpenId> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret-0123456789';
  let current: FakeOpenIdUser = options.user ?? { sub: 'user-alice', preferred_username: 'alice', name: 'Alice' };
  const codes = new Map<string, Grant>();
  const issued = new Map<string, { user: FakeOpenIdUser; scope: string }>();
  let base = '';
  const fake = await startHttpFake((request, response, raw) => {
    const url = new URL(request.url, base);
    if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return sendJson(response, 200, {
        issuer: base,
        authorization_endpoint: `${base}/oauth/authorize`,
        token_endpoint: `${base}/oauth/token`,
        userinfo_endpoint: `${base}/oauth/userinfo`,
        jwks_uri: `${base}/oauth/jwks`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'profile', 'email', 'read-repos', 'write-repos', 'manage-repos', 'inference-api', 'jobs'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
    if (request.method === 'GET' && url.pathname === '/oauth/authorize') {
      const query = url.searchParams;
      const redirectUri = query.get('redirect_uri');
      if (query.get('client_id') !== clientId || !redirectUri) return oauthError(response, 400, 'invalid_request', 'unknown client_id or no redirect_uri');
      if (query.get('response_type') !== 'code') return oauthError(response, 400, 'unsupported_response_type', 'only the code flow is supported');
      const code = randomBytes(16).toString('hex');
      codes.set(code, { user: current, clientId, redirectUri, scope: query.get('scope') ?? '', challenge: query.get('code_challenge') ?? undefined });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      const state = query.get('state');
      if (state !== null) back.searchParams.set('state', state);
      response.writeHead(302, { location: back.toString() });
      response.end();
      return;
    }
    if (request.method === 'POST' && url.pathname === '/oauth/token') {
      const form = new URLSearchParams(request.body);
      const client = clientCredentials(form, raw.headers.authorization);
      if (client.id !== clientId || client.secret !== clientSecret) return oauthError(response, 401, 'invalid_client', 'client authentication failed');
      if (form.get('grant_type') !== 'authorization_code') return oauthError(response, 400, 'unsupported_grant_type', 'only authorization_code');
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code);
      if (!grant) return oauthError(response, 400, 'invalid_grant', 'unknown or used code');
      if (form.get('redirect_uri') !== grant.redirectUri) return oauthError(response, 400, 'invalid_grant', 'redirect_uri does not match the authorization request');
      if (grant.challenge !== undefined) {
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return oauthError(response, 400, 'invalid_grant', 'PKCE verification failed');
      }
      const token = `hf_oauth_${randomBytes(12).toString('hex')}`;
      issued.set(token, { user: grant.user, scope: grant.scope });
      return sendJson(response, 200, { access_token: token, token_type: 'bearer', expires_in: options.expiresIn ?? 28_800, scope: grant.scope, id_token: 'unsigned.fake.jwt' });
    }
    if (request.method === 'GET' && url.pathname === '/oauth/userinfo') {
      const token = /^Bearer\s+(.+)$/i.exec(raw.headers.authorization ?? '')?.[1];
      const grant = token ? issued.get(token) : undefined;
      if (!grant) return oauthError(response, 401, 'invalid_token', 'unknown access token');
      const { user } = grant;
      return sendJson(response, 200, { sub: user.sub, preferred_username: user.preferred_username, name: user.name ?? user.preferred_username, ...(user.picture ? { picture: user.picture } : {}) });
    }
    return oauthError(response, 404, 'not_found', `no route ${request.method} ${url.pathname}`);
  });
  base = fake.url;
  return Object.assign(fake, {
    clientId,
    clientSecret,
    providerUrl: fake.url,
    issued,
    signInAs(user: FakeOpenIdUser) {
      current = user;
    },
  });
}
