import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type AgentConfig, createSession } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { startFakeMcpServer, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectConfiguredMcp } from '../runtime/create-integrations.js';
import { signInToConfiguredServer, signOutOfConfiguredServer } from './mcp-login.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

function configWith(mcpServers: Record<string, unknown>): AgentConfig {
  return { mcpServers } as unknown as AgentConfig;
}

async function waitUntil(predicate: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('MCP servers in a session', () => {
  it('a server that changes its tools mid-session changes what the model is offered and can call', async () => {
    await using server = await startFakeMcpServer();
    const lines: string[] = [];
    const xdg = directories.make('ml-intern-mcp-xdg-');
    const mcp = await connectConfiguredMcp(configWith({ calc: { transport: 'http', url: server.mcpUrl, trust: true } }), {
      log: (message) => lines.push(message),
      hfToken: undefined,
      reservedNames: [],
      cwd: process.cwd(),
      env: { XDG_CONFIG_HOME: xdg },
    });
    const model = new ScriptedModel({ turns: [textTurn('ok'), toolTurn({ name: 'calc__add', arguments: { a: 2, b: 40 } }), textTurn('done')] });
    const tools = [...mcp.tools];
    const session = createSession({ model, tools, planTool: false });
    mcp.attach(session, tools);
    try {
      await session.run('first');
      await server.setTools([
        {
          name: 'add',
          inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
          reply: (args) => String(Number(args.a) + Number(args.b)),
        },
      ]);
      await waitUntil(() => session.router.get('calc__add') !== undefined, 'the new tool in the router');
      expect(session.router.get('calc__echo')).toBeUndefined();
      expect(tools.map((tool) => tool.name)).toEqual(['calc__add']);
      expect(lines).toContain('MCP server "calc" changed its tools; added calc__add; removed calc__echo');
      await session.run('second');
      expect(model.requests.map((request) => request.tools.map((spec) => spec.name))).toEqual([['calc__echo'], ['calc__add'], ['calc__add']]);
      expect(JSON.stringify(session.history.messages)).toContain('42');
    } finally {
      await session.close();
      await mcp.close();
    }
  });

  it('an unattended run says which server needs sign-in and the command that does it', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const lines: string[] = [];
    const mcp = await connectConfiguredMcp(configWith({ remote: { transport: 'http', url: server.mcpUrl } }), {
      log: (message) => lines.push(message),
      hfToken: undefined,
      reservedNames: [],
      cwd: process.cwd(),
      env: { XDG_CONFIG_HOME: directories.make('ml-intern-mcp-xdg-') },
    });
    try {
      expect(mcp.summary()).toEqual([{ name: 'remote', state: 'needs_sign_in', tools: 0 }]);
      expect(lines).toEqual(['MCP server "remote" needs sign-in (OAuth): run `ml-intern mcp login remote` once (it opens the sign-in page and keeps the tokens for later runs)']);
    } finally {
      await mcp.close();
    }
  });
});

describe('ml-intern mcp login / logout', () => {
  it('signs in through the printed URL, keeps the tokens in the folder given (0600), and logout removes them', async () => {
    await using server = await startFakeMcpServer({ oauth: true });
    const dir = path.join(directories.make('ml-intern-mcp-xdg-'), 'ml-intern', 'mcp-oauth');
    const config = configWith({ remote: { transport: 'http', url: server.mcpUrl }, local: { command: 'true' } });
    const printed: string[] = [];
    const errors: string[] = [];
    const output = {
      out: (text: string) => printed.push(text),
      err: (text: string) => errors.push(text),
      // The test plays the user's browser: it opens the URL, and the fake authorization server consents at once.
      openBrowser: (url: URL) => void fetch(url).catch(() => {}),
    };
    expect(await signInToConfiguredServer('remote', config, { dir, output })).toBe(0);
    const text = printed.join('');
    expect(text).toContain('Sign in to the MCP server "remote": open this page in a browser');
    expect(text).toContain('"remote" answers with 1 tool.');
    const file = path.join(dir, 'remote.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readFileSync(file, 'utf8');
    for (const token of server.authorization!.issuedAccessTokens()) {
      expect(stored).toContain(token);
      expect(text).not.toContain(token);
    }

    expect(await signInToConfiguredServer('nope', config, { dir, output })).toBe(2);
    expect(await signInToConfiguredServer('local', config, { dir, output })).toBe(2);
    expect(errors).toEqual([
      'ml-intern: no MCP server "nope" in the config (configured: remote, local)\n',
      'ml-intern: MCP server "local" runs locally (stdio): it has no sign-in\n',
    ]);
    expect(await signOutOfConfiguredServer('remote', config, { dir, output })).toBe(0);
    expect(() => statSync(file)).toThrow();
  });
});
