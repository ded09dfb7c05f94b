import { describe, expect, it } from 'vitest';
import { DEFAULT_MCP_STARTUP_TIMEOUT_MS, DEFAULT_MCP_TIMEOUT_MS, mcpServerConfigSchema, mcpServersConfigSchema } from './mcp-server-config.js';

function issuesOf(value: unknown): string {
  const result = mcpServerConfigSchema.safeParse(value);
  if (result.success) throw new Error('expected the entry to be rejected');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

describe('mcpServerConfigSchema', () => {
  it('reads a stdio entry, inferring the transport from "command" and filling defaults', () => {
    expect(mcpServerConfigSchema.parse({ command: 'npx', args: ['-y', 'some-server'], env: { LEVEL: 'debug' } })).toEqual({
      transport: 'stdio',
      command: 'npx',
      args: ['-y', 'some-server'],
      env: { LEVEL: 'debug' },
      enabled: true,
      timeout_ms: DEFAULT_MCP_TIMEOUT_MS,
      startup_timeout_ms: DEFAULT_MCP_STARTUP_TIMEOUT_MS,
      trust: false,
      send_hf_token: false,
    });
  });

  it('reads an http entry with the per-server options', () => {
    const parsed = mcpServerConfigSchema.parse({
      transport: 'http',
      url: 'https://huggingface.co/mcp?login',
      headers: { 'X-Extra': '1' },
      send_hf_token: true,
      trust: true,
      include_tools: ['hub_*'],
      exclude_tools: ['hub_delete*'],
      timeout_ms: 5_000,
    });
    expect(parsed).toMatchObject({ transport: 'http', url: 'https://huggingface.co/mcp?login', send_hf_token: true, trust: true, timeout_ms: 5_000 });
    expect(mcpServerConfigSchema.parse({ transport: 'streamable-http', url: 'http://127.0.0.1:1/mcp' })).toMatchObject({ transport: 'http' });
    expect(mcpServerConfigSchema.parse({ url: 'http://127.0.0.1:1/mcp' })).toMatchObject({ transport: 'http', headers: {} });
    expect(mcpServerConfigSchema.parse({ transport: 'sse', url: 'http://127.0.0.1:1/sse' })).toMatchObject({ transport: 'sse' });
  });

  it('reads the oauth key of a remote entry and rejects what it cannot use', () => {
    expect(mcpServerConfigSchema.parse({ url: 'https://mcp.example/mcp', oauth: { scope: 'read', redirect_port: 33418 } })).toMatchObject({ oauth: { scope: 'read', redirect_port: 33418 } });
    expect(mcpServerConfigSchema.parse({ url: 'https://mcp.example/mcp', oauth: false })).toMatchObject({ oauth: false });
    expect(issuesOf({ url: 'https://mcp.example/mcp', oauth: { redirect_port: 80 } })).toContain('oauth.redirect_port');
    expect(issuesOf({ url: 'https://mcp.example/mcp', oauth: { scopes: 'read' } })).toContain('oauth');
    expect(issuesOf({ url: 'https://mcp.example/mcp', oauth: true })).toContain('oauth');
    expect(issuesOf({ command: 'server', oauth: false })).toContain('oauth');
  });

  it('accepts its own output again (the config loader may hand over parsed entries)', () => {
    const once = mcpServerConfigSchema.parse({ command: 'server' });
    expect(mcpServerConfigSchema.parse(once)).toEqual(once);
  });

  it('names what is wrong', () => {
    expect(issuesOf({ command: 'x', include_tool: ['a'] })).toContain('include_tool');
    expect(issuesOf({ args: ['x'] })).toContain('an MCP server needs either "command" (stdio) or "url" with "transport": "http"');
    expect(issuesOf({ transport: 'http', url: 'ftp://example.com' })).toContain('url: url must be an http(s) URL');
    expect(issuesOf({ command: '' })).toContain('command: command must not be empty');
    expect(issuesOf({ command: 'x', timeout_ms: -1 })).toContain('timeout_ms');
    expect(issuesOf({ transport: 'http', command: 'x' })).toMatch(/url|command/);
  });

  it('validates a whole mcpServers object', () => {
    const result = mcpServersConfigSchema.safeParse({ good: { command: 'a' }, bad: { url: 'not a url' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['bad', 'url']);
  });
});
