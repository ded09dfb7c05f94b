import { homedir } from 'node:os';
import { ConfigError } from '@ml-intern/core';
import { loadRuntimeConfig } from '../runtime/index.js';

/** `ml-intern mcp list`: start each configured server, print its status and tools, stop them. */
export async function listMcp(options: { config?: string; trustProject?: boolean }): Promise<number> {
  const cwd = process.cwd();
  let config;
  let env;
  try {
    // An untrusted project's servers are not started: listing them would run their commands.
    const loaded = loadRuntimeConfig({
      mode: 'interactive',
      cwd,
      env: process.env,
      ...(options.config ? { configFile: options.config } : {}),
      ...(options.trustProject ? { trustProject: true } : {}),
    });
    if (loaded.announcement) process.stderr.write(`${loaded.announcement}\n`);
    config = loaded.loaded.config;
    env = loaded.env;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ml-intern: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (Object.keys(config.mcpServers).length === 0) {
    process.stdout.write('No MCP servers configured. Add them under "mcpServers" in ~/.config/ml-intern/cli_agent_config.json or .ml-intern/config.json.\n');
    return 0;
  }
  const { connectMcpServers, defaultMcpOAuthDir, formatMcpStatus } = await import('@ml-intern/tools-mcp');
  const hfToken = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  const servers = await connectMcpServers(config.mcpServers as Parameters<typeof connectMcpServers>[0], {
    cwd,
    ...(hfToken ? { hfToken } : {}),
    // Signed-in servers list their tools; one that needs sign-in says how.
    oauth: { dir: defaultMcpOAuthDir(process.env, homedir()) },
    signInHint: (name) => `run \`ml-intern mcp login ${name}\``,
    log: (message: string) => process.stderr.write(`${message}\n`),
  });
  try {
    process.stdout.write(`${formatMcpStatus(servers.status())}\n`);
    return servers.status().some((server) => server.state === 'failed' || server.state === 'needs_sign_in') ? 1 : 0;
  } finally {
    await servers.close();
  }
}
