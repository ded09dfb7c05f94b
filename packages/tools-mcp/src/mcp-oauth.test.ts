import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ToolLogLevel } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import { startFakeMcpServer, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { toolNamed, waitUntil } from './__fixtures__/mcp-test-helpers.js';
import { type McpToolsChange, connectMcpServers } from './connect-mcp-servers.js';
import { signInMcpServer } from './mcp-oauth-sign-in.js';
import { McpOAuthStore, defaultMcpOAuthDir, mcpOAuthFileName } from './mcp-oauth-store.js';
import { mcpServerConfigSchema } from './mcp-server-config.js';
import type { McpHttpServerConfig } from './mcp-server-config.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

function collector() {
  const lines: { message: string; level: ToolLogLevel }[] = [];
  return { lines, log: (message: string, level: ToolLogLevel) => lines.push({ message, level }) };
}

function oauthDir(): string {
  return path.join(directories.make('ml-intern-mcp-oauth-'), 'ml-intern', 'mcp-oauth');
}

function httpEntry(url: string): McpHttpServerConfig {
  return mcpServerConfigSchema.parse({ transport: 'http', url }) as McpHttpServerConfig;
}

/** Plays the browser: follows the authorization server's redirect to the CLI's loopback port, as a user who consents would. */
async function consent(url: URL): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the redirect answered ${response.status}: ${await response.text()}`);
}

describe('OAuth for remote MCP servers', () => {
  it('reports a server that needs sign-in, and how, when nobody can sign in now', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const logs = collector();
    const dir = oauthDir();
    await using mcp = await connectMcpServers(
      { remote: { transport: 'http', url: server.mcpUrl } },
      { log: logs.log, oauth: { dir }, signInHint: (name) => `run \`ml-intern mcp login ${name}\``, startupRetry: { attempts: 3, initialDelayMs: 10 } },
    );
    const [status] = mcp.status();
    expect(status).toMatchObject({ state: 'needs_sign_in', toolCount: 0 });
    expect(status?.error).toBe('MCP server "remote" needs sign-in (OAuth): run `ml-intern mcp login remote`');
    expect(logs.lines).toEqual([{ message: status?.error, level: 'error' }]);
    // Sign-in is not something a retry fixes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(logs.lines).toHaveLength(1);
    expect(server.authorization?.issuedAccessTokens()).toEqual([]);
  });

  it('signs in with registration, PKCE and the loopback redirect, stores the tokens 0600, then connects with them', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const dir = oauthDir();
    const shown: URL[] = [];
    await signInMcpServer({
      name: 'remote',
      config: httpEntry(server.mcpUrl),
      oauth: { dir },
      onAuthorizationUrl: async (url) => {
        shown.push(url);
        await consent(url);
      },
    });
    expect(shown).toHaveLength(1);
    const authorizeUrl = shown[0]!;
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${server.url}/authorize`);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    expect(authorizeUrl.searchParams.get('resource')).toBe(server.mcpUrl);
    const [client] = server.authorization!.registeredClients();
    expect(client).toMatchObject({ client_name: 'ml-intern', redirect_uris: [authorizeUrl.searchParams.get('redirect_uri')] });
    expect(server.authorization!.grants()).toEqual(['authorization_code']);

    const file = path.join(dir, 'remote.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { server_url: string; tokens: { access_token: string; refresh_token: string }; code_verifier?: string };
    expect(stored.server_url).toBe(server.mcpUrl);
    expect(server.authorization!.issuedAccessTokens()).toEqual([stored.tokens.access_token]);
    expect(stored).not.toHaveProperty('code_verifier');

    const logs = collector();
    await using mcp = await connectMcpServers({ remote: { transport: 'http', url: server.mcpUrl } }, { log: logs.log, oauth: { dir } });
    expect(mcp.status()[0]).toMatchObject({ state: 'connected', toolCount: 1 });
    expect((await runTool(toolNamed(mcp, 'remote__echo'), { message: 'signed in' })).output).toBe('Echo: signed in');
    const mcpRequests = server.requests.filter((request) => request.path === '/mcp');
    expect(mcpRequests.length).toBeGreaterThan(2);
    for (const request of mcpRequests) expect(request.headers.authorization).toBe('Bearer fake_m…[redacted]');
  });

  it('refreshes an expired access token and keeps the new one', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const dir = oauthDir();
    await signInMcpServer({ name: 'remote', config: httpEntry(server.mcpUrl), oauth: { dir }, onAuthorizationUrl: consent });
    const logs = collector();
    await using mcp = await connectMcpServers({ remote: { transport: 'http', url: server.mcpUrl } }, { log: logs.log, oauth: { dir } });
    const before = JSON.parse(readFileSync(path.join(dir, 'remote.json'), 'utf8')).tokens.access_token as string;

    server.authorization!.expireAccessTokens();
    expect((await runTool(toolNamed(mcp, 'remote__echo'), { message: 'after expiry' })).output).toBe('Echo: after expiry');
    expect(server.authorization!.grants()).toEqual(['authorization_code', 'refresh_token']);
    const after = JSON.parse(readFileSync(path.join(dir, 'remote.json'), 'utf8')).tokens.access_token as string;
    expect(after).not.toBe(before);

    // No token reaches a log line, a status or an error.
    const shown = JSON.stringify({ logs: logs.lines, status: mcp.status() });
    for (const token of server.authorization!.issuedAccessTokens()) expect(shown).not.toContain(token);
  });

  it('interactive: hands over the authorization URL and brings the server up once the user signed in', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const dir = oauthDir();
    const logs = collector();
    const changes: McpToolsChange[] = [];
    const urls: string[] = [];
    await using mcp = await connectMcpServers(
      { remote: { transport: 'http', url: server.mcpUrl } },
      {
        log: logs.log,
        oauth: { dir },
        onAuthorizationUrl: (name, url) => {
          urls.push(`${name} ${url.origin}${url.pathname}`);
          void consent(url);
        },
        onToolsChanged: (change) => changes.push(change),
      },
    );
    expect(logs.lines[0]).toEqual({ message: 'MCP server "remote" needs sign-in (OAuth): the authorization URL follows; the session goes on meanwhile', level: 'warn' });
    await waitUntil(() => changes.length === 1, 'the server to start after sign-in');
    expect(urls).toEqual([`remote ${server.url}/authorize`]);
    expect(changes[0]?.tools.map((tool) => tool.name)).toEqual(['remote__echo']);
    expect(mcp.status()[0]?.state).toBe('connected');
    expect((await runTool(toolNamed(mcp, 'remote__echo'), { message: 'hi' })).output).toBe('Echo: hi');
  });

  it('ignores a redirect that does not carry the state it sent (another page cannot finish the sign-in)', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const forged: number[] = [];
    await signInMcpServer({
      name: 'remote',
      config: httpEntry(server.mcpUrl),
      oauth: { dir: oauthDir() },
      onAuthorizationUrl: async (url) => {
        const callback = new URL(url.searchParams.get('redirect_uri') ?? '');
        callback.searchParams.set('code', 'forged-code');
        callback.searchParams.set('state', 'not-the-state');
        forged.push((await fetch(callback)).status);
        await consent(url);
      },
    });
    expect(forged).toEqual([400]);
    expect(server.authorization!.grants()).toEqual(['authorization_code']);
  });

  it('reports a refused consent', async () => {
    await using server = await startFakeMcpServer({ oauth: { denyConsent: true } });
    const failure = await signInMcpServer({
      name: 'remote',
      config: httpEntry(server.mcpUrl),
      oauth: { dir: oauthDir() },
      onAuthorizationUrl: (url) => {
        void fetch(url).catch(() => {});
      },
    }).catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('signing in to MCP server "remote" failed: the authorization server answered access_denied (the user refused)');
  });

  it('sends no OAuth to a server whose entry has its own Authorization header, or with oauth: false', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const dir = oauthDir();
    await using mcp = await connectMcpServers(
      {
        header: { transport: 'http', url: server.mcpUrl, headers: { Authorization: 'Bearer configured-by-hand' } },
        off: { transport: 'http', url: server.mcpUrl, oauth: false },
      },
      { log: () => {}, oauth: { dir } },
    );
    for (const status of mcp.status()) {
      expect(status.state).toBe('failed');
      expect(status.error).toContain('HTTP 401');
    }
    expect(server.authorization!.registeredClients()).toEqual([]);
  });
});

describe('McpOAuthStore', () => {
  it('never hands the tokens of one URL to another, and keeps server names inside the folder', () => {
    const dir = oauthDir();
    const store = new McpOAuthStore({ dir, server: 'hub', serverUrl: 'https://a.example/mcp' });
    store.update((record) => ({ ...record, tokens: { access_token: 'secret', token_type: 'Bearer' } }));
    expect(new McpOAuthStore({ dir, server: 'hub', serverUrl: 'https://a.example/mcp' }).read().tokens?.access_token).toBe('secret');
    expect(new McpOAuthStore({ dir, server: 'hub', serverUrl: 'https://evil.example/mcp' }).read()).toEqual({ server_url: 'https://evil.example/mcp' });
    expect(mcpOAuthFileName('../etc/passwd')).toBe('%2e.%2fetc%2fpasswd.json');
    expect(defaultMcpOAuthDir({ XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/xdg/ml-intern/mcp-oauth');
    expect(defaultMcpOAuthDir({}, '/home/u')).toBe('/home/u/.config/ml-intern/mcp-oauth');
    writeFileSync(store.file, 'not json');
    expect(store.read()).toEqual({ server_url: 'https://a.example/mcp' });
  });
});
