import { INTERRUPTED_TOOL, type ToolLogLevel } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import type { HttpFake, RecordedRequest } from '@ml-intern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolNamed, waitUntil } from './__fixtures__/mcp-test-helpers.js';
import { type EverythingHttpServer, startEverythingHttp, startRecordingProxy } from './__fixtures__/reference-servers.js';
import { type McpServers, connectMcpServers } from './connect-mcp-servers.js';

function methodOf(request: RecordedRequest): string {
  return (request.json as { method?: string } | undefined)?.method ?? `${request.method} (no JSON-RPC body)`;
}

function jsonRpcMethods(fake: HttpFake): string[] {
  return fake.requests.map(methodOf);
}

describe('Streamable HTTP (server-everything on loopback)', () => {
  let server: EverythingHttpServer;
  let withToken: HttpFake;
  let withoutToken: HttpFake;
  let mcp: McpServers;
  const logs: { message: string; level: ToolLogLevel }[] = [];

  beforeAll(async () => {
    server = await startEverythingHttp('streamableHttp');
    withToken = await startRecordingProxy(server.origin);
    withoutToken = await startRecordingProxy(server.origin);
    mcp = await connectMcpServers(
      {
        hub: { transport: 'http', url: `${withToken.url}/mcp`, headers: { 'X-Client-Tag': 'ml-intern-test' }, send_hf_token: true },
        plain: { transport: 'http', url: `${withoutToken.url}/mcp?session_hint=1` },
      },
      { hfToken: 'hf_http_token_for_test', log: (message, level) => logs.push({ message, level }) },
    );
  });

  afterAll(async () => {
    await mcp?.close();
    await withToken?.close();
    await withoutToken?.close();
    await server?.stop();
  });

  it('lists and calls tools over Streamable HTTP', async () => {
    expect(mcp.status().map((status) => [status.name, status.transport, status.state, status.toolCount])).toEqual([
      ['hub', 'http', 'connected', 12],
      ['plain', 'http', 'connected', 12],
    ]);
    // The query string may carry credentials: it is never shown.
    expect(mcp.status()[1]?.target).toBe(`${withoutToken.url}/mcp`);
    expect(await runTool(toolNamed(mcp, 'hub__echo'), { message: 'over http' })).toMatchObject({ output: 'Echo: over http', isError: false });
    expect((await runTool(toolNamed(mcp, 'plain__get-sum'), { a: 20, b: 22 })).output).toBe('The sum of 20 and 22 is 42.');
    expect(jsonRpcMethods(withToken).slice(0, 3)).toEqual(['initialize', 'notifications/initialized', expect.any(String)]);
  });

  it('sends the HF token and configured headers only to the server that asks for them', () => {
    expect(withToken.requests.length).toBeGreaterThan(2);
    for (const request of withToken.requests) {
      expect(request.headers.authorization).toBe('Bearer hf_htt…[redacted]');
      expect(request.headers['x-client-tag']).toBe('ml-intern-test');
    }
    expect(withoutToken.requests.length).toBeGreaterThan(2);
    for (const request of withoutToken.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers['x-client-tag']).toBeUndefined();
    }
  });

  it('sends notifications/cancelled when the call is aborted', async () => {
    const callsBefore = jsonRpcMethods(withToken).filter((method) => method === 'tools/call').length;
    const controller = new AbortController();
    const pending = runTool(toolNamed(mcp, 'hub__trigger-long-running-operation'), { duration: 5, steps: 5 }, { signal: controller.signal });
    await waitUntil(() => jsonRpcMethods(withToken).filter((method) => method === 'tools/call').length > callsBefore, 'the call to reach the server');
    controller.abort();
    expect(await pending).toMatchObject({ output: INTERRUPTED_TOOL, isError: true });
    await waitUntil(() => jsonRpcMethods(withToken).includes('notifications/cancelled'), 'the cancellation');
    const cancelled = withToken.requests.find((request) => methodOf(request) === 'notifications/cancelled');
    const call = withToken.requests.findLast((request) => methodOf(request) === 'tools/call');
    expect((cancelled?.json as { params: { requestId: number } }).params.requestId).toBe((call?.json as { id: number }).id);
  });

  it('reconnects to an http server that went away and came back', async () => {
    const port = server.port;
    await server.stop();
    const down = await runTool(toolNamed(mcp, 'hub__echo'), { message: 'anyone?' });
    expect(down.isError).toBe(true);
    // The proxy answers 502 for its dead upstream, as a gateway would.
    expect(down.output).toContain('could not reach MCP server "hub": Streamable HTTP error: Error POSTing to endpoint (HTTP 502)');
    expect(down.output).toContain('it is reconnected on the next call');
    expect(mcp.status()[0]?.state).toBe('failed');

    server = await startEverythingHttp('streamableHttp', port);
    const back = await runTool(toolNamed(mcp, 'hub__echo'), { message: 'welcome back' });
    expect(back).toMatchObject({ output: 'Echo: welcome back', isError: false });
    expect(back.logs.map((line) => line.message)).toEqual([
      expect.stringMatching(/^MCP server "hub" is not running \(Streamable HTTP error.*\); reconnecting to it$/),
      'MCP server "hub" is running again',
    ]);
  });
});

describe('legacy SSE transport', () => {
  it('connects and calls a tool', async () => {
    const server = await startEverythingHttp('sse');
    try {
      await using mcp = await connectMcpServers({ legacy: { transport: 'sse', url: `${server.origin}/sse`, include_tools: ['echo'] } });
      expect(mcp.status()[0]).toMatchObject({ transport: 'sse', state: 'connected', toolCount: 1 });
      expect((await runTool(toolNamed(mcp, 'legacy__echo'), { message: 'sse' })).output).toBe('Echo: sse');
    } finally {
      await server.stop();
    }
  });
});
