import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startFakeMcpServer } from './fake-mcp.js';

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

async function register(url: string, redirectUri: string): Promise<Response> {
  return fetch(`${url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [redirectUri], client_name: 'test' }) });
}

describe('fake MCP server with OAuth', () => {
  it('answers an unauthenticated MCP request 401 with the resource metadata URL, and serves the metadata', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const response = await fetch(server.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp", scope="mcp"`);
    const resource = await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(resource).toMatchObject({ resource: server.mcpUrl, authorization_servers: [server.url] });
    const metadata = await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json();
    expect(metadata).toMatchObject({ issuer: server.url, code_challenge_methods_supported: ['S256'], registration_endpoint: `${server.url}/register` });
  });

  it('registers loopback redirect URIs only, redirects with code and state, and checks PKCE at the token endpoint', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    expect((await register(server.url, 'https://elsewhere.example/callback')).status).toBe(400);
    const redirectUri = 'http://127.0.0.1:9/oauth/callback';
    const client = (await (await register(server.url, redirectUri)).json()) as { client_id: string };
    const verifier = 'a-verifier-long-enough-for-pkce-0123456789abcdef';
    const codeFor = async (state: string) => {
      const authorize = new URL(`${server.url}/authorize`);
      const query = { response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, code_challenge: challengeOf(verifier), code_challenge_method: 'S256', state };
      for (const [key, value] of Object.entries(query)) authorize.searchParams.set(key, value);
      const redirect = await fetch(authorize, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = new URL(redirect.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe(redirectUri);
      expect(location.searchParams.get('state')).toBe(state);
      return location.searchParams.get('code') ?? '';
    };
    const exchange = (code: string, codeVerifier: string) =>
      fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, client_id: client.client_id, redirect_uri: redirectUri }),
      });

    const wrong = await exchange(await codeFor('s1'), 'not-the-verifier');
    expect([wrong.status, await wrong.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'PKCE verification failed' }]);
    const code = await codeFor('s2');
    const right = await exchange(code, verifier);
    expect(right.status).toBe(200);
    expect(await right.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.stringMatching(/^fake_mcp_at_/) });
    const reused = await exchange(code, verifier);
    expect([reused.status, await reused.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'unknown or used code' }]);
  });
});
