import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ToolLogLevel } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import { type FakeMcpTool, startFakeMcpServer, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { toolNamed, waitUntil } from './__fixtures__/mcp-test-helpers.js';
import { everythingEntry, quirkyEntry } from './__fixtures__/reference-servers.js';
import { type McpToolsChange, connectMcpServers } from './connect-mcp-servers.js';

function collector() {
  const lines: { message: string; level: ToolLogLevel }[] = [];
  return { lines, log: (message: string, level: ToolLogLevel) => lines.push({ message, level }) };
}

const add: FakeMcpTool = {
  name: 'add',
  description: 'Add two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  reply: (args) => String(Number(args.a) + Number(args.b)),
};

describe('Streamable HTTP → SSE fallback', () => {
  it('reaches an SSE-only server configured as "http" over SSE after its 405, and says so', async () => {
    await using server = await startFakeMcpServer({ transport: 'sse-only' });
    const logs = collector();
    await using mcp = await connectMcpServers({ legacy: { transport: 'http', url: server.mcpUrl } }, { log: logs.log });
    expect(mcp.status()[0]).toMatchObject({ name: 'legacy', transport: 'sse', state: 'connected', toolCount: 1 });
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/sse' });
    expect(logs.lines).toContainEqual({
      message: expect.stringMatching(/^MCP server "legacy" refused Streamable HTTP \(.*\(HTTP 405\)\); it is reached over the legacy SSE transport$/),
      level: 'info',
    });
    expect(await runTool(toolNamed(mcp, 'legacy__echo'), { message: 'over sse' })).toMatchObject({ output: 'Echo: over sse', isError: false });
  });

  it('does not fall back from a server that speaks Streamable HTTP', async () => {
    await using server = await startFakeMcpServer();
    await using mcp = await connectMcpServers({ current: { transport: 'http', url: server.mcpUrl } });
    expect(mcp.status()[0]).toMatchObject({ transport: 'http', state: 'connected' });
    expect(server.requests.some((request) => request.path === '/sse')).toBe(false);
  });

  it('reports both failures when neither transport works', async () => {
    await using server = await startFakeMcpServer();
    await using mcp = await connectMcpServers({ wrong: { transport: 'http', url: `${server.url}/nothing-here` } }, { log: () => {} });
    const [status] = mcp.status();
    expect(status?.state).toBe('failed');
    expect(status?.error).toMatch(/Streamable HTTP: .*\(HTTP 404\); SSE: .*404/);
  });
});

describe('notifications/tools/list_changed', () => {
  it('replaces the server’s tools when it says they changed, and tells whoever registered them', async () => {
    await using server = await startFakeMcpServer();
    const changes: McpToolsChange[] = [];
    const logs = collector();
    await using mcp = await connectMcpServers(
      { calc: { transport: 'http', url: server.mcpUrl }, other: { transport: 'http', url: server.mcpUrl } },
      { log: logs.log, onToolsChanged: (change) => changes.push(change) },
    );
    expect(mcp.tools.map((tool) => tool.name)).toEqual(['calc__echo', 'other__echo']);

    await server.setTools([add]);
    await waitUntil(() => changes.length === 2, 'both servers to announce their new tools');
    const calc = changes.find((change) => change.server === 'calc');
    expect(calc?.removed).toEqual(['calc__echo']);
    expect(calc?.tools.map((tool) => tool.name)).toEqual(['calc__add']);
    expect(calc?.message).toBe('MCP server "calc" changed its tools; added calc__add; removed calc__echo');
    expect(logs.lines).toContainEqual({ message: calc?.message, level: 'info' });
    expect(mcp.tools.map((tool) => tool.name).sort()).toEqual(['calc__add', 'other__add']);
    expect(mcp.status()[0]?.tools.map((tool) => tool.mcpName)).toEqual(['add']);
    expect((await runTool(toolNamed(mcp, 'calc__add'), { a: 2, b: 40 })).output).toBe('42');
    expect(server.methods().filter((method) => method === 'tools/list').length).toBeGreaterThanOrEqual(4);

    // The same list again changes nothing; the next real change is the next one reported.
    const listsBefore = server.methods().filter((method) => method === 'tools/list').length;
    await server.setTools([add]);
    await waitUntil(() => server.methods().filter((method) => method === 'tools/list').length >= listsBefore + 2, 'both servers to list again');
    await server.setTools([add, { name: 'echo', reply: () => 'again' }]);
    await waitUntil(() => changes.length === 4, 'the next change');
    expect(changes.slice(2).map((change) => change.message).sort()).toEqual([
      'MCP server "calc" changed its tools; added calc__echo',
      'MCP server "other" changed its tools; added other__echo',
    ]);
  });
});

describe('a server that failed at startup', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.removeAll());

  /** A server that fails until `makeReady()`, then runs `server` (the everything server by default). */
  function flakyServer(server = `'${everythingEntry}' stdio`) {
    const ready = path.join(directories.make('ml-intern-mcp-retry-'), 'ready');
    const config = {
      command: '/bin/sh',
      args: ['-c', `test -f '${ready}' || { echo 'not ready yet' >&2; exit 3; }; exec '${process.execPath}' ${server}`],
      include_tools: ['echo'],
    };
    return { config, makeReady: () => writeFileSync(ready, '') };
  }

  it('is tried again in the background with backoff, announced, and its tools arrive once it starts', async () => {
    const { config, makeReady } = flakyServer();
    const logs = collector();
    const changes: McpToolsChange[] = [];
    await using mcp = await connectMcpServers(
      { flaky: config },
      { log: logs.log, startupRetry: { attempts: 8, initialDelayMs: 100, maxDelayMs: 400 }, onToolsChanged: (change) => changes.push(change) },
    );
    // connectMcpServers did not wait for the retries.
    expect(mcp.status()[0]).toMatchObject({ state: 'failed', toolCount: 0 });
    expect(mcp.tools).toEqual([]);
    expect(logs.lines.map((line) => line.message)).toContainEqual(expect.stringContaining('not ready yet'));
    expect(logs.lines).toContainEqual({ message: 'MCP server "flaky" is tried again in 100 ms (retry 1 of 8); the session goes on meanwhile', level: 'warn' });

    await waitUntil(() => logs.lines.some((line) => line.message.includes('(retry 2 of 8)')), 'the second retry to be announced');
    makeReady();
    await waitUntil(() => changes.length > 0, 'the server to start on a retry');
    expect(changes[0]).toMatchObject({ server: 'flaky', removed: [], message: 'MCP server "flaky" is running now; its 1 tool is available from the next model call' });
    expect(mcp.status()[0]).toMatchObject({ state: 'connected', toolCount: 1 });
    expect((await runTool(toolNamed(mcp, 'flaky__echo'), { message: 'late' })).output).toBe('Echo: late');
  });

  it('is announced as running, once, when it says its tools changed while it starts', async () => {
    const { config, makeReady } = flakyServer(`'${quirkyEntry}' --tools-changed-at-start`);
    const logs = collector();
    const changes: McpToolsChange[] = [];
    await using mcp = await connectMcpServers(
      { quirky: { ...config, include_tools: ['fail.rpc', 'crash'] } },
      { log: logs.log, startupRetry: { attempts: 3, initialDelayMs: 50 }, onToolsChanged: (change) => changes.push(change) },
    );
    makeReady();
    await waitUntil(() => changes.length > 0, 'the server to start on a retry');
    // Both listings arrive together: the one the notice asked for must not be reported as a change
    // before the start, nor the start's own as a change after it.
    await waitUntil(() => logs.lines.filter((line) => line.message.includes('is running now')).length > 0, 'the start to be logged');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(changes.map((change) => change.message)).toEqual(['MCP server "quirky" is running now; its 2 tools are available from the next model call']);
    expect(mcp.tools.map((tool) => tool.name)).toEqual(['quirky__fail_rpc', 'quirky__crash']);
  });

  it('gives up after the last retry and says so', async () => {
    const { config } = flakyServer();
    const logs = collector();
    await using mcp = await connectMcpServers({ flaky: config }, { log: logs.log, startupRetry: { attempts: 2, initialDelayMs: 50 } });
    await waitUntil(() => logs.lines.some((line) => line.message.includes('still fails to start')), 'the retries to run out');
    expect(logs.lines.filter((line) => line.message.includes('is tried again')).map((line) => line.message)).toEqual([
      'MCP server "flaky" is tried again in 50 ms (retry 1 of 2); the session goes on meanwhile',
      'MCP server "flaky" is tried again in 100 ms (retry 2 of 2); the session goes on meanwhile',
    ]);
    expect(mcp.status()[0]?.state).toBe('failed');
  });

  it('stops retrying when the servers are closed', async () => {
    const { config } = flakyServer();
    const logs = collector();
    const mcp = await connectMcpServers({ flaky: config }, { log: logs.log, startupRetry: { attempts: 3, initialDelayMs: 100 } });
    await mcp.close();
    const count = logs.lines.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(logs.lines.length).toBe(count);
  });
});
