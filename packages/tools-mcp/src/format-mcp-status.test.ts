import { describe, expect, it } from 'vitest';
import type { McpServerStatus } from './connect-mcp-servers.js';
import { formatMcpStatus } from './format-mcp-status.js';

const servers: McpServerStatus[] = [
  {
    name: 'everything',
    transport: 'stdio',
    target: 'node server.js stdio',
    state: 'connected',
    toolCount: 2,
    pid: 4242,
    tools: [
      { name: 'everything__echo', mcpName: 'echo', description: 'Echoes back the input string\nSecond line' },
      { name: 'everything__get-sum', mcpName: 'get-sum', description: 'Returns the sum of two numbers'.repeat(4) },
    ],
  },
  {
    name: 'broken',
    transport: 'stdio',
    target: '/nonexistent/server --flag',
    state: 'failed',
    toolCount: 0,
    tools: [],
    error: 'MCP server "broken" failed to start (stdio: /nonexistent/server --flag): spawn /nonexistent/server ENOENT',
  },
  { name: 'hub', transport: 'http', target: 'https://huggingface.co/mcp', state: 'disabled', toolCount: 0, tools: [] },
];

describe('formatMcpStatus', () => {
  it('lists servers with state, target, errors and tools', () => {
    expect(formatMcpStatus(servers, { descriptionWidth: 40 })).toBe(
      [
        'MCP servers: 1 of 3 connected, 2 tools',
        '',
        'everything: connected, 2 tools [stdio: node server.js stdio, pid 4242]',
        '  - everything__echo: Echoes back the input string',
        '  - everything__get-sum: Returns the sum of two numbersReturns...',
        '',
        'broken: failed [stdio: /nonexistent/server --flag]',
        '    error: MCP server "broken" failed to start (stdio: /nonexistent/server --flag): spawn /nonexistent/server ENOENT',
        '',
        'hub: disabled [http: https://huggingface.co/mcp]',
      ].join('\n'),
    );
  });

  it('says when a server needs sign-in, with the command that does it', () => {
    const remote: McpServerStatus = {
      name: 'remote',
      transport: 'http',
      target: 'https://mcp.example/mcp',
      state: 'needs_sign_in',
      toolCount: 0,
      tools: [],
      error: 'MCP server "remote" needs sign-in (OAuth): run `ml-intern mcp login remote`',
    };
    expect(formatMcpStatus([remote]).split('\n').slice(2)).toEqual([
      'remote: needs sign-in [http: https://mcp.example/mcp]',
      '    error: MCP server "remote" needs sign-in (OAuth): run `ml-intern mcp login remote`',
    ]);
  });

  it('can leave the tools out, and says when nothing is configured', () => {
    expect(formatMcpStatus(servers, { tools: false })).not.toContain('everything__echo');
    expect(formatMcpStatus([])).toBe('No MCP servers configured (add them under "mcpServers" in the config).');
  });
});
