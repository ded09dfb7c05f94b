import { realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, INTERRUPTED_TOOL, type ToolLogLevel, createApprovalPolicy } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolNamed, waitUntil } from './__fixtures__/mcp-test-helpers.js';
import { everythingEntry, filesystemEntry, quirkyEntry } from './__fixtures__/reference-servers.js';
import { type McpServers, connectMcpServers } from './connect-mcp-servers.js';

const directories = temporaryDirectories();
afterAll(() => directories.removeAll());

interface LogLine {
  message: string;
  level: ToolLogLevel;
}

function collector(): { lines: LogLine[]; log: (message: string, level: ToolLogLevel) => void } {
  const lines: LogLine[] = [];
  return { lines, log: (message, level) => lines.push({ message, level }) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const everything = { command: process.execPath, args: [everythingEntry, 'stdio'] };

describe('stdio reference servers', () => {
  let mcp: McpServers;
  let workspace: string;
  const logs = collector();

  beforeAll(async () => {
    workspace = realpathSync(directories.make('ml-intern-mcp-fs-'));
    writeFileSync(path.join(workspace, 'notes.txt'), 'line one\nline two\n');
    mcp = await connectMcpServers(
      {
        everything,
        files: { command: process.execPath, args: [filesystemEntry, workspace], trust: true, exclude_tools: ['write_*', 'edit_*', 'move_*', 'create_*'] },
        slow: { ...everything, timeout_ms: 300, include_tools: ['trigger-*', 'echo'] },
      },
      { log: logs.log },
    );
  });

  afterAll(() => mcp?.close());

  it('lists every server and its tools, namespaced server__tool', () => {
    const status = mcp.status();
    expect(status.map((server) => [server.name, server.state, server.toolCount])).toEqual([
      ['everything', 'connected', 12],
      ['files', 'connected', 10],
      ['slow', 'connected', 2],
    ]);
    const names = mcp.tools.map((tool) => tool.name);
    expect(names).toContain('everything__echo');
    expect(names).toContain('everything__get-tiny-image');
    expect(names).toContain('files__read_text_file');
    expect(names.filter((name) => name.startsWith('slow__')).sort()).toEqual(['slow__echo', 'slow__trigger-long-running-operation']);
    expect(names.filter((name) => /^files__(write|edit|move|create)/.test(name))).toEqual([]);
    // A task-only tool cannot be called with a plain tools/call: it is left out, and said so.
    expect(names).not.toContain('everything__simulate-research-query');
    expect(logs.lines.some((line) => line.message.includes('simulate-research-query'))).toBe(true);
    expect(status[0]?.pid).toEqual(expect.any(Number));
    expect(status[0]?.target).toBe(`${process.execPath} ${everythingEntry} stdio`);
  });

  it("sends the server's JSON Schema to the model and validates arguments against it", async () => {
    const echo = toolNamed(mcp, 'everything__echo');
    expect(echo.spec.inputSchema).toEqual({
      type: 'object',
      properties: { message: { type: 'string', description: 'Message to echo' } },
      required: ['message'],
    });
    expect(echo.jsonSchema).toBe(echo.spec.inputSchema);
    const invalid = await runTool(toolNamed(mcp, 'everything__get-sum'), { a: 'two', b: 3 });
    expect(invalid.isError).toBe(true);
    expect(invalid.output).toContain('Invalid arguments for everything__get-sum');
    expect(invalid.output).toContain('a must be number');
  });

  it('calls tools and returns their text', async () => {
    expect(await runTool(toolNamed(mcp, 'everything__echo'), { message: 'hi mcp' })).toMatchObject({ output: 'Echo: hi mcp', isError: false });
    expect((await runTool(toolNamed(mcp, 'everything__get-sum'), { a: 2, b: 3 })).output).toBe('The sum of 2 and 3 is 5.');
    // read_text_file also returns structuredContent; with text present it is not repeated.
    const file = await runTool(toolNamed(mcp, 'files__read_text_file'), { path: path.join(workspace, 'notes.txt') });
    expect(file).toMatchObject({ output: 'line one\nline two\n', isError: false });
  });

  it('turns an error result of the server into an error tool result', async () => {
    const outside = await runTool(toolNamed(mcp, 'files__read_text_file'), { path: '/etc/hostname' });
    expect(outside.isError).toBe(true);
    expect(outside.output).toMatch(/access denied/i);
  });

  it('describes images, resource links and embedded resources instead of dropping them', async () => {
    const { MCP_TINY_IMAGE } = (await import(pathToFileURL(path.join(path.dirname(everythingEntry), 'tools/get-tiny-image.js')).href)) as { MCP_TINY_IMAGE: string };
    const image = await runTool(toolNamed(mcp, 'everything__get-tiny-image'), {});
    expect(image.output).toBe(
      `Here's the image you requested:\n[image: image/png, ${Buffer.from(MCP_TINY_IMAGE, 'base64').length} bytes]\nThe image above is the MCP logo.`,
    );
    const links = await runTool(toolNamed(mcp, 'everything__get-resource-links'), { count: 2 });
    expect(links.output).toContain('[resource link: demo://resource/dynamic/blob/1 (text/plain, "Blob Resource 1") - Resource 1: plaintext resource]');
    expect(links.output).toContain('[resource link: demo://resource/dynamic/text/2 (text/plain, "Text Resource 2")');
    const reference = await runTool(toolNamed(mcp, 'everything__get-resource-reference'), { resourceType: 'Text', resourceId: 2 });
    expect(reference.output).toContain('[resource: demo://resource/dynamic/text/2 (text/plain)]\nResource 2: This is a plaintext resource');
  });

  it('stops a call at the server timeout_ms and keeps the server usable', async () => {
    const result = await runTool(toolNamed(mcp, 'slow__trigger-long-running-operation'), { duration: 5, steps: 5 });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('MCP server "slow" did not answer within 0.3 s (its timeout_ms is 300); the call was cancelled');
    expect((await runTool(toolNamed(mcp, 'slow__echo'), { message: 'still here' })).output).toBe('Echo: still here');
    expect(mcp.status().find((server) => server.name === 'slow')?.state).toBe('connected');
  });

  it('reports progress notifications as tool_log lines', async () => {
    const result = await runTool(toolNamed(mcp, 'everything__trigger-long-running-operation'), { duration: 0.2, steps: 2 });
    expect(result.output).toBe('Long running operation completed. Duration: 0.2 seconds, Steps: 2.');
    expect(result.logs.length).toBeGreaterThan(0);
    expect(result.logs.every((line) => /^everything: progress [12]\/2$/.test(line.message) && line.level === 'info')).toBe(true);
  });

  it('cancels a call when the session aborts', async () => {
    const controller = new AbortController();
    const pending = runTool(toolNamed(mcp, 'everything__trigger-long-running-operation'), { duration: 5, steps: 5 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toMatchObject({ output: INTERRUPTED_TOOL, isError: true });
    expect((await runTool(toolNamed(mcp, 'everything__echo'), { message: 'after abort' })).output).toBe('Echo: after abort');
  });

  it('asks for approval unless the server is trusted, and reads the read-only hint', async () => {
    const echo = toolNamed(mcp, 'everything__echo');
    const hint = echo.approval?.({ message: 'x' });
    expect(hint).toEqual({ decision: 'ask', reason: 'tool "echo" of the MCP server "everything"' });
    expect(toolNamed(mcp, 'files__read_text_file').approval?.({ path: 'x' })).toMatchObject({ decision: 'allow' });
    const request = { tool: echo.name, input: { message: 'x' }, ...(hint ? { hint } : {}), readOnly: echo.readOnly === true };
    expect((await createApprovalPolicy({ mode: 'default' }).decide(request)).decision).toBe('ask');
    expect((await createApprovalPolicy({ mode: 'headless' }).decide(request)).decision).toBe('deny');
    expect((await createApprovalPolicy({ mode: 'yolo' }).decide(request)).decision).toBe('allow');
    expect(echo.readOnly).toBe(true);
    expect(toolNamed(mcp, 'everything__toggle-simulated-logging').readOnly).toBe(false);
  });
});

describe('server lifecycle', () => {
  it('restarts a stdio server that was killed, on the next call, with a tool_log notice', async () => {
    const logs = collector();
    await using mcp = await connectMcpServers({ everything: { ...everything, include_tools: ['echo'] } }, { log: logs.log });
    const firstPid = mcp.status()[0]?.pid ?? 0;
    process.kill(firstPid, 'SIGKILL');
    await waitUntil(() => mcp.status()[0]?.state === 'failed', 'the server to be seen as stopped');
    expect(logs.lines).toContainEqual({ message: 'MCP server "everything" stopped unexpectedly; it is restarted on its next tool call', level: 'warn' });

    const result = await runTool(toolNamed(mcp, 'everything__echo'), { message: 'back' });
    expect(result).toMatchObject({ output: 'Echo: back', isError: false });
    expect(result.logs.map((line) => line.message)).toEqual([
      expect.stringMatching(/^MCP server "everything" is not running \(the server stopped.*\); restarting it$/),
      'MCP server "everything" is running again',
    ]);
    const status = mcp.status()[0];
    expect(status?.state).toBe('connected');
    expect(status?.pid).not.toBe(firstPid);
  });

  it('closes its servers: processes gone, later calls refused', async () => {
    const mcp = await connectMcpServers({ everything: { ...everything, include_tools: ['echo'] } });
    const pid = mcp.status()[0]?.pid ?? 0;
    expect(isAlive(pid)).toBe(true);
    await mcp.close();
    expect(isAlive(pid)).toBe(false);
    expect(mcp.status()[0]?.state).toBe('closed');
    const result = await runTool(toolNamed(mcp, 'everything__echo'), { message: 'x' });
    expect(result).toMatchObject({ isError: true, output: 'everything__echo failed: MCP server "everything" is closed' });
  });

  it('keeps working servers when others fail to start, and says which and why', async () => {
    const logs = collector();
    await using mcp = await connectMcpServers(
      {
        broken: { command: '/nonexistent/mcp-server', args: ['--flag'] },
        nodir: { command: process.execPath, args: [filesystemEntry, '/nonexistent/ml-intern-dir'] },
        ok: { ...everything, include_tools: ['echo'] },
        off: { command: 'never-started', enabled: false },
      },
      { log: logs.log, reservedNames: ['ok__echo'] },
    );
    // "ok__echo" is taken (a built-in, say): the MCP tool is renamed, never shadowing it.
    expect(mcp.tools.map((tool) => tool.name)).toEqual(['ok__echo_2']);
    expect(logs.lines).toContainEqual({
      message: 'MCP tool "echo" of server "ok" would be named "ok__echo", which is already taken; it is offered as "ok__echo_2"',
      level: 'warn',
    });
    expect((await runTool(toolNamed(mcp, 'ok__echo_2'), { message: 'fine' })).output).toBe('Echo: fine');

    const [broken, nodir, ok, off] = mcp.status();
    expect(broken).toMatchObject({ name: 'broken', state: 'failed', toolCount: 0 });
    expect(broken?.error).toContain('MCP server "broken" failed to start (stdio: /nonexistent/mcp-server --flag): spawn /nonexistent/mcp-server ENOENT');
    expect(nodir?.state).toBe('failed');
    expect(nodir?.error).toContain(`(stdio: ${process.execPath} ${filesystemEntry} /nonexistent/ml-intern-dir)`);
    expect(nodir?.error).toContain('stderr (last lines):');
    expect(nodir?.error).toContain('Error: None of the specified directories are accessible');
    expect(ok).toMatchObject({ state: 'connected', toolCount: 1 });
    expect(off).toMatchObject({ name: 'off', state: 'disabled', target: 'never-started' });
    expect(logs.lines.filter((line) => line.level === 'error').map((line) => line.message.split(' failed')[0])).toEqual(['MCP server "broken"', 'MCP server "nodir"']);
  });

  it('sends the HF token only to the stdio server that asks for it', async () => {
    const previous = process.env.HF_TOKEN;
    process.env.HF_TOKEN = 'hf_from_parent_environment';
    try {
      await using mcp = await connectMcpServers(
        {
          asks: { ...everything, include_tools: ['get-env'], send_hf_token: true },
          silent: { ...everything, include_tools: ['get-env'] },
        },
        { hfToken: 'hf_user_token_for_test' },
      );
      const environmentOf = async (name: string) => JSON.parse((await runTool(toolNamed(mcp, name), {})).output) as Record<string, string>;
      expect((await environmentOf('asks__get-env')).HF_TOKEN).toBe('hf_user_token_for_test');
      expect((await environmentOf('silent__get-env')).HF_TOKEN).toBeUndefined();
    } finally {
      if (previous === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = previous;
    }
  });

  it('rejects an invalid entry with a ConfigError naming the server and key', async () => {
    const failure = await connectMcpServers({ typo: { command: 'x', include_tool: ['a'] } as never }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toContain('invalid MCP server "typo"');
    expect((failure as ConfigError).message).toContain('include_tool');
    expect((failure as ConfigError).keyPath).toBe('mcpServers.typo');
  });
});

describe('protocol edge cases (a small SDK server)', () => {
  let mcp: McpServers;
  const logs = collector();

  beforeAll(async () => {
    mcp = await connectMcpServers({ quirky: { command: process.execPath, args: [quirkyEntry] } }, { log: logs.log });
  });

  afterAll(() => mcp?.close());

  it('reads every page of the tool list and makes odd names callable', () => {
    expect(mcp.tools.map((tool) => tool.name)).toEqual(['quirky__fail_rpc', 'quirky__no-structured', 'quirky__mixed_content', 'quirky__crash']);
    expect(mcp.status()[0]?.tools.map((tool) => tool.mcpName)).toEqual(['fail.rpc', 'no-structured', 'mixed/content', 'crash']);
    expect(toolNamed(mcp, 'quirky__mixed_content').description).toBe('mixed/content (tool "mixed/content" of the MCP server "quirky").');
  });

  it('turns a JSON-RPC error response into an error tool result', async () => {
    const result = await runTool(toolNamed(mcp, 'quirky__fail_rpc'), {});
    expect(result).toMatchObject({ isError: true, output: 'quirky__fail_rpc failed: MCP error -32603: database is locked' });
  });

  it('keeps the content of a result that omits its declared structured output', async () => {
    expect(await runTool(toolNamed(mcp, 'quirky__no-structured'), {})).toMatchObject({ output: 'plain answer', isError: false });
  });

  it('describes audio, blobs and links, and appends structured content when there is no text', async () => {
    const result = await runTool(toolNamed(mcp, 'quirky__mixed_content'), {});
    expect(result.output).toBe(
      [
        '[audio: audio/wav, 10 bytes]',
        '[resource: file:///data.bin (application/octet-stream, 5 bytes)]',
        '[resource link: file:///notes.txt (text/plain, "notes.txt")]',
        '{\n  "ok": true\n}',
      ].join('\n'),
    );
  });

  it('reports a server that dies during a call with its stderr, then restarts it', async () => {
    const crashed = await runTool(toolNamed(mcp, 'quirky__crash'), {});
    expect(crashed.isError).toBe(true);
    expect(crashed.output).toContain('MCP server "quirky" closed the connection during the call');
    expect(crashed.output).toContain('fatal: simulated crash');
    const next = await runTool(toolNamed(mcp, 'quirky__no-structured'), {});
    expect(next.output).toBe('plain answer');
    expect(next.logs[0]?.message).toMatch(/^MCP server "quirky" is not running .*; restarting it$/);
  });
});
