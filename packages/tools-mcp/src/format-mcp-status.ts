import type { McpServerStatus } from './connect-mcp-servers.js';

export interface FormatMcpStatusOptions {
  /** List each server's tools under it (default true). */
  tools?: boolean;
  /** Longest tool description shown, in characters (default 80). */
  descriptionWidth?: number;
}

function firstLine(text: string, width: number): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '')?.trim() ?? '';
  return line.length > width ? `${line.slice(0, width - 3)}...` : line;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function headline(server: McpServerStatus): string {
  const state =
    server.state === 'connected'
      ? `connected, ${server.toolCount} tool${server.toolCount === 1 ? '' : 's'}`
      : server.state === 'failed' && server.toolCount > 0
        ? `failed (restarts on its next call), ${server.toolCount} tools`
        : server.state === 'needs_sign_in'
          ? 'needs sign-in'
          : server.state;
  const pid = server.pid === undefined ? '' : `, pid ${server.pid}`;
  return `${server.name}: ${state} [${server.transport}: ${server.target}${pid}]`;
}

/**
 * Plain-text listing of MCP servers for `ml-intern mcp list`: one line per server with its state,
 * transport and command or URL, then its error (if any) and its tools with the names the model calls.
 */
export function formatMcpStatus(servers: readonly McpServerStatus[], options: FormatMcpStatusOptions = {}): string {
  if (servers.length === 0) return 'No MCP servers configured (add them under "mcpServers" in the config).';
  const width = options.descriptionWidth ?? 80;
  const blocks = servers.map((server) => {
    const lines = [headline(server)];
    if (server.error && server.state !== 'connected') lines.push(indent(`error: ${server.error}`, '    '));
    if (options.tools !== false) {
      for (const tool of server.tools) {
        const description = firstLine(tool.description, width);
        lines.push(`  - ${tool.name}${description ? `: ${description}` : ''}`);
      }
    }
    return lines.join('\n');
  });
  const connected = servers.filter((server) => server.state === 'connected').length;
  const toolCount = servers.reduce((total, server) => total + server.toolCount, 0);
  return `MCP servers: ${connected} of ${servers.length} connected, ${toolCount} tools\n\n${blocks.join('\n\n')}`;
}
