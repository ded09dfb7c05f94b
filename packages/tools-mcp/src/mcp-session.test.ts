import path from 'node:path';
import { type ApprovalMode, createApprovalPolicy, createSession, defineTool, type Session } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { everythingEntry } from './__fixtures__/reference-servers.js';
import { type McpServers, connectMcpServers } from './connect-mcp-servers.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

// The session's event type, without importing @ml-intern/events (tool packages depend on core only).
type AgentEvent = Parameters<Parameters<Session['subscribe']>[0]>[0];

const addNumbers = defineTool({
  name: 'add_numbers',
  description: 'Add two numbers.',
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  readOnly: true,
  execute: ({ a, b }) => String(a + b),
});

function toolResults(model: ScriptedModel, index: number) {
  return (model.requests[index]?.messages ?? []).filter((message) => message.role === 'tool');
}

function collect(session: Session): AgentEvent[] {
  const events: AgentEvent[] = [];
  session.subscribe((event) => events.push(event));
  return events;
}

describe('MCP tools in the agent loop', () => {
  let mcp: McpServers;

  beforeAll(async () => {
    mcp = await connectMcpServers(
      { everything: { command: process.execPath, args: [everythingEntry, 'stdio'], include_tools: ['echo', 'trigger-long-running-operation'] } },
      { reservedNames: [addNumbers.name] },
    );
  });

  afterAll(() => mcp?.close());

  function start(mode: ApprovalMode, model: ScriptedModel): Session {
    return createSession({
      model,
      tools: [...mcp.tools, addNumbers],
      // headless: nobody can answer, as in an unattended run.
      policy: createApprovalPolicy({ mode, interactive: mode !== 'headless' }),
      dataDir: directories.make('ml-intern-mcp-session-'),
    });
  }

  it('runs an MCP tool and a built-in tool in the same turn, with MCP progress as tool_log events', async () => {
    const model = new ScriptedModel({
      turns: [
        toolTurn({ name: 'everything__echo', arguments: { message: 'from mcp' } }, { name: 'add_numbers', arguments: { a: 1, b: 2 } }),
        toolTurn({ name: 'everything__trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 }, id: 'call_progress' }),
        textTurn('done'),
      ],
    });
    const session = start('yolo', model);
    const events = collect(session);
    const outcome = await session.run('use both tools');
    expect(outcome).toMatchObject({ status: 'completed', text: 'done' });

    const echoSpec = model.requests[0]?.tools.find((tool) => tool.name === 'everything__echo');
    expect(echoSpec?.inputSchema).toEqual({ type: 'object', properties: { message: { type: 'string', description: 'Message to echo' } }, required: ['message'] });
    expect(toolResults(model, 1).map((message) => message.role === 'tool' && [message.toolName, message.content, message.isError])).toEqual([
      ['everything__echo', 'Echo: from mcp', false],
      ['add_numbers', '3', false],
    ]);
    expect(toolResults(model, 2).at(-1)).toMatchObject({ content: 'Long running operation completed. Duration: 0.2 seconds, Steps: 2.' });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'tool_log', tool_call_id: 'call_progress', tool: 'everything__trigger-long-running-operation', message: expect.stringMatching(/^everything: progress \d\/2$/) }),
    );
    await session.close();
  });

  it('headless: an untrusted MCP call is refused while the built-in one runs', async () => {
    const model = new ScriptedModel({
      turns: [toolTurn({ name: 'everything__echo', arguments: { message: 'nope' } }, { name: 'add_numbers', arguments: { a: 2, b: 2 } }), textTurn('ok')],
    });
    const session = start('headless', model);
    await session.run('try');
    const [echo, add] = toolResults(model, 1);
    expect(echo).toMatchObject({ isError: true, content: expect.stringContaining('Not executed: headless approval mode') });
    expect(echo?.role === 'tool' && echo.content).toContain('tool "echo" of the MCP server "everything"');
    expect(add).toMatchObject({ isError: false, content: '4' });
    await session.close();
  });

  it('interactive: the MCP call waits for approval, then runs', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'everything__echo', arguments: { message: 'approved' } }), textTurn('ok')] });
    const session = start('default', model);
    const approval = new Promise<AgentEvent>((resolve) => {
      const off = session.subscribe((event) => {
        if (event.type === 'approval_required') {
          off();
          resolve(event);
        }
      });
    });
    const pending = session.run('echo something');
    const request = await approval;
    expect(request).toMatchObject({ tools: [{ tool: 'everything__echo', reason: 'tool "echo" of the MCP server "everything"' }] });
    const id = request.type === 'approval_required' ? (request.tools[0]?.tool_call_id ?? '') : '';
    session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: id, approved: true }] });
    await pending;
    expect(toolResults(model, 1)[0]).toMatchObject({ content: 'Echo: approved', isError: false });
    await session.close();
  });
});

describe('a remote MCP server that goes away mid-session', () => {
  it('fails the call as a tool result and the session goes on (a server signed in with OAuth)', async () => {
    const { startFakeMcpServer } = await import('@ml-intern/testing');
    const { signInMcpServer } = await import('./mcp-oauth-sign-in.js');
    const { mcpServerConfigSchema } = await import('./mcp-server-config.js');
    const server = await startFakeMcpServer({ oauth: true });
    const dir = path.join(directories.make('ml-intern-mcp-session-oauth-'), 'mcp-oauth');
    const entry = { transport: 'http' as const, url: server.mcpUrl, trust: true };
    await signInMcpServer({
      name: 'remote',
      config: mcpServerConfigSchema.parse(entry) as Parameters<typeof signInMcpServer>[0]['config'],
      oauth: { dir },
      onAuthorizationUrl: async (url) => void (await fetch(url)),
    });
    const remote = await connectMcpServers({ remote: entry }, { oauth: { dir }, log: () => {} });
    const model = new ScriptedModel({
      turns: [toolTurn({ name: 'remote__echo', arguments: { message: 'one' } }), textTurn('first done'), toolTurn({ name: 'remote__echo', arguments: { message: 'two' } }), textTurn('second done')],
    });
    const session = createSession({ model, tools: [...remote.tools], dataDir: directories.make('ml-intern-mcp-session-') });
    try {
      expect(await session.run('call it')).toMatchObject({ status: 'completed', text: 'first done' });
      await server.close();
      expect(await session.run('call it again')).toMatchObject({ status: 'completed', text: 'second done' });
      const failed = toolResults(model, 3).at(-1);
      expect(failed).toMatchObject({ role: 'tool', toolName: 'remote__echo', isError: true });
      expect(failed?.role === 'tool' && failed.content).toMatch(/MCP server "remote"/);
      expect(remote.status()[0]?.state).not.toBe('connected');
    } finally {
      await session.close();
      await remote.close();
    }
  });
});
