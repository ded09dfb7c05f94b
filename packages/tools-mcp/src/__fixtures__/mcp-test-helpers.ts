import type { AnyTool } from '@ml-intern/core';
import type { McpServers } from '../connect-mcp-servers.js';

/** The connected tool called `name`; fails with the names on offer when there is none. */
export function toolNamed(mcp: McpServers, name: string): AnyTool {
  const tool = mcp.tools.find((candidate) => candidate.name === name);
  if (!tool) throw new Error(`no tool ${name}; have ${mcp.tools.map((candidate) => candidate.name).join(', ')}`);
  return tool;
}

/** Poll `predicate` every 25 ms for up to 10 s; fails naming `what` it waited for. */
export async function waitUntil(predicate: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}
