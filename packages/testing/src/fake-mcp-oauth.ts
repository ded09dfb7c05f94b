import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { type RecordedRequest, sendJson } from './http-fake.js';

export interface FakeMcpOAuthOptions {
  /** Lifetime of an access token in seconds (`expires_in`; default 3600). */
  accessTokenTtlSeconds?: number;
  /** `scopes_supported` of the protected resource (default `["mcp"]`). */
  scopes?: string[];
  /** The user refuses consent: `/authorize` redirects with `error=access_denied`. */
  denyConsent?: boolean;
}

/** The authorization server side of a fake MCP server. */
export interface FakeMcpAuthorization {
  /** Whether the request is for an OAuth endpoint (well-known metadata, register, authorize, token). */
  handles(request: RecordedRequest): boolean;
  handle(request: RecordedRequest, response: http.ServerResponse): void;
  /** Check the bearer token of an MCP request; answers 401 with `WWW-Authenticate` and returns false when it is missing, unknown or expired. */
  authorize(raw: http.IncomingMessage, response: http.ServerResponse): boolean;
  /** Make every access token issued so far expire now (refresh tokens keep working). */
  expireAccessTokens(): void;
  /** Client ids registered through `/register`. */
  registeredClients(): { client_id: string; redirect_uris: string[]; client_name?: string }[];
  /** Grants handled at `/token`, in order (`authorization_code`, `refresh_token`). */
  grants(): string[];
  /** Access tokens issued so far (for tests that check a token never leaks). */
  issuedAccessTokens(): string[];
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  resource: string | undefined;
}

function token(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]');
  } catch {
    return false;
  }
}

/**
 * An OAuth 2.1 authorization server for an MCP resource at `resource` (RFC 9728 protected resource
 * metadata, RFC 8414 server metadata, RFC 7591 dynamic registration, authorization code with
 * PKCE S256 only, refresh tokens that rotate). Consent is given at once: `/authorize` answers 302
 * to the registered redirect URI with the code and the client's `state`.
 */
export function createFakeMcpAuthorization(origin: string, resource: string, options: FakeMcpOAuthOptions): FakeMcpAuthorization {
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const scopes = options.scopes ?? ['mcp'];
  const clients = new Map<string, { client_id: string; redirect_uris: string[]; client_name?: string }>();
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, { expiresAt: number; clientId: string }>();
  const refreshTokens = new Map<string, { clientId: string; scope: string }>();
  const grants: string[] = [];
  const resourcePath = new URL(resource).pathname;
  const resourceMetadataUrl = `${origin}/.well-known/oauth-protected-resource${resourcePath}`;

  const metadata = {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    scopes_supported: scopes,
  };

  const oauthError = (response: http.ServerResponse, status: number, error: string, description: string) =>
    sendJson(response, status, { error, error_description: description }, { 'cache-control': 'no-store' });

  const issue = (response: http.ServerResponse, clientId: string, scope: string) => {
    const access = token('fake_mcp_at_');
    const refresh = token('fake_mcp_rt_');
    accessTokens.set(access, { expiresAt: Date.now() + ttl * 1000, clientId });
    refreshTokens.set(refresh, { clientId, scope });
    sendJson(response, 200, { access_token: access, token_type: 'Bearer', expires_in: ttl, refresh_token: refresh, scope }, { 'cache-control': 'no-store' });
  };

  function register(request: RecordedRequest, response: http.ServerResponse): void {
    const body = request.json as { redirect_uris?: unknown; client_name?: unknown; token_endpoint_auth_method?: unknown } | undefined;
    const redirectUris = Array.isArray(body?.redirect_uris) ? body.redirect_uris.filter((uri): uri is string => typeof uri === 'string') : [];
    if (redirectUris.length === 0 || !redirectUris.every(isLoopbackRedirect)) {
      return oauthError(response, 400, 'invalid_redirect_uri', 'redirect_uris must be loopback http URLs');
    }
    const client = { client_id: `fake-client-${clients.size + 1}`, redirect_uris: redirectUris, ...(typeof body?.client_name === 'string' ? { client_name: body.client_name } : {}) };
    clients.set(client.client_id, client);
    sendJson(response, 201, { ...body, ...client, client_id_issued_at: Math.floor(Date.now() / 1000), token_endpoint_auth_method: 'none' });
  }

  function authorizeEndpoint(request: RecordedRequest, response: http.ServerResponse): void {
    const query = new URL(request.url, origin).searchParams;
    const client = clients.get(query.get('client_id') ?? '');
    const redirectUri = query.get('redirect_uri') ?? '';
    // Without a known client and its registered redirect URI, nothing may be redirected anywhere.
    if (!client || !client.redirect_uris.includes(redirectUri)) return oauthError(response, 400, 'invalid_request', 'unknown client_id or unregistered redirect_uri');
    const target = new URL(redirectUri);
    const state = query.get('state');
    if (state) target.searchParams.set('state', state);
    const challenge = query.get('code_challenge');
    if (query.get('response_type') !== 'code' || !challenge || query.get('code_challenge_method') !== 'S256') {
      target.searchParams.set('error', 'invalid_request');
      target.searchParams.set('error_description', 'response_type=code with an S256 code_challenge is required');
    } else if (options.denyConsent) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'the user refused');
    } else {
      const code = token('fake_mcp_code_');
      codes.set(code, { clientId: client.client_id, redirectUri, challenge, scope: query.get('scope') ?? scopes.join(' '), resource: query.get('resource') ?? undefined });
      target.searchParams.set('code', code);
    }
    response.writeHead(302, { location: target.toString() }).end();
  }

  function tokenEndpoint(request: RecordedRequest, response: http.ServerResponse): void {
    const form = new URLSearchParams(request.body);
    const grant = form.get('grant_type') ?? '';
    grants.push(grant);
    const clientId = form.get('client_id') ?? '';
    if (!clients.has(clientId)) return oauthError(response, 401, 'invalid_client', 'unknown client');
    if (grant === 'authorization_code') {
      const pending = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!pending || pending.clientId !== clientId || pending.redirectUri !== form.get('redirect_uri')) return oauthError(response, 400, 'invalid_grant', 'unknown or used code');
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) return oauthError(response, 400, 'invalid_grant', 'PKCE verification failed');
      if (pending.resource !== undefined && pending.resource !== resource) return oauthError(response, 400, 'invalid_target', 'wrong resource');
      return issue(response, clientId, pending.scope);
    }
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      const stored = refreshTokens.get(refresh);
      if (!stored || stored.clientId !== clientId) return oauthError(response, 400, 'invalid_grant', 'unknown refresh token');
      refreshTokens.delete(refresh);
      return issue(response, clientId, stored.scope);
    }
    oauthError(response, 400, 'unsupported_grant_type', `grant_type ${grant} is not supported`);
  }

  return {
    handles(request) {
      return request.path.startsWith('/.well-known/oauth-') || ['/register', '/authorize', '/token'].includes(request.path);
    },
    handle(request, response) {
      if (request.path.startsWith('/.well-known/oauth-protected-resource')) {
        return sendJson(response, 200, { resource, authorization_servers: [origin], scopes_supported: scopes, bearer_methods_supported: ['header'] });
      }
      if (request.path.startsWith('/.well-known/oauth-authorization-server')) return sendJson(response, 200, metadata);
      if (request.path === '/register' && request.method === 'POST') return register(request, response);
      if (request.path === '/authorize' && request.method === 'GET') return authorizeEndpoint(request, response);
      if (request.path === '/token' && request.method === 'POST') return tokenEndpoint(request, response);
      sendJson(response, 404, { error: 'not found' });
    },
    authorize(raw, response) {
      const header = raw.headers.authorization ?? '';
      const presented = /^Bearer (.+)$/i.exec(header)?.[1];
      const stored = presented ? accessTokens.get(presented) : undefined;
      if (stored && stored.expiresAt > Date.now()) return true;
      const error = presented ? ', error="invalid_token", error_description="The access token expired or is unknown"' : '';
      response.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${resourceMetadataUrl}", scope="${scopes.join(' ')}"${error}`, 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: presented ? 'invalid_token' : 'unauthorized' }));
      return false;
    },
    expireAccessTokens() {
      for (const entry of accessTokens.values()) entry.expiresAt = 0;
    },
    registeredClients() {
      return [...clients.values()];
    },
    grants() {
      return [...grants];
    },
    issuedAccessTokens() {
      return [...accessTokens.keys()];
    },
  };
}
