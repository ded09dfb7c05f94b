import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import path from 'node:path';
import { type AgentConfig, ConfigError } from '@ml-intern/core';

type Env = Record<string, string | undefined>;

/** Open `url` in the user's browser when there is a desktop to open it on; failures are silent (the URL is printed too). */
export function openInBrowser(url: URL, env: Env = process.env): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer.exe' : 'xdg-open';
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return;
  try {
    const child = spawn(command, [url.href], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no browser: the printed URL is enough
  }
}

/** The merged config (the runtime is loaded only here: the functions below take a config and run anywhere). */
async function loadServers(options: { config?: string; trustProject?: boolean }): Promise<AgentConfig | number> {
  const { loadRuntimeConfig } = await import('../runtime/index.js');
  try {
    const loaded = loadRuntimeConfig({
      mode: 'interactive',
      cwd: process.cwd(),
      env: process.env,
      ...(options.config ? { configFile: options.config } : {}),
      ...(options.trustProject ? { trustProject: true } : {}),
    });
    if (loaded.announcement) process.stderr.write(`${loaded.announcement}\n`);
    return loaded.loaded.config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ml-intern: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Where `mcp login` writes: stdout for what the user reads, stderr for failures, and the browser. */
export interface McpLoginOutput {
  out(text: string): void;
  err(text: string): void;
  openBrowser?: ((url: URL) => void) | undefined;
}

const STDIO: McpLoginOutput = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

async function remoteEntry(server: string, config: AgentConfig) {
  const { mcpServerConfigSchema } = await import('@ml-intern/tools-mcp');
  const names = Object.keys(config.mcpServers);
  const raw = config.mcpServers[server];
  if (raw === undefined) {
    return `no MCP server "${server}" in the config (${names.length > 0 ? `configured: ${names.join(', ')}` : 'none is configured'})`;
  }
  const parsed = mcpServerConfigSchema.safeParse(raw);
  if (!parsed.success) return `invalid MCP server "${server}": ${parsed.error.issues.map((issue) => issue.message).join('; ')} (mcpServers.${server})`;
  const entry = parsed.data;
  if (entry.transport === 'stdio') return `MCP server "${server}" runs locally (stdio): it has no sign-in`;
  if (entry.oauth === false) return `MCP server "${server}" has "oauth": false in its entry: remove it to sign in`;
  return entry;
}

/**
 * Sign in to the configured remote server `server` (OAuth): the authorization page is printed
 * (and opened when `output.openBrowser` is set), the redirect comes back to a 127.0.0.1 port of
 * this process, the tokens are kept in `dir`, and the server is started once to show it answers.
 */
export async function signInToConfiguredServer(
  server: string,
  config: AgentConfig,
  options: { dir: string; output: McpLoginOutput; signal?: AbortSignal },
): Promise<number> {
  const { output, dir } = options;
  const entry = await remoteEntry(server, config);
  if (typeof entry === 'string') {
    output.err(`ml-intern: ${entry}\n`);
    return 2;
  }
  const { signInMcpServer, mcpOAuthFileName, connectMcpServers } = await import('@ml-intern/tools-mcp');
  try {
    await signInMcpServer({
      name: server,
      config: entry,
      oauth: { dir },
      ...(options.signal ? { signal: options.signal } : {}),
      onAuthorizationUrl: (url) => {
        output.out(`Sign in to the MCP server "${server}": open this page in a browser (waiting for it):\n\n  ${url.href}\n\n`);
        output.openBrowser?.(url);
      },
    });
  } catch (error) {
    output.err(`ml-intern: ${(error as Error).message}\n`);
    return 1;
  }
  output.out(`Signed in to "${server}"; the tokens are kept in ${path.join(dir, mcpOAuthFileName(server))} (readable by you only).\n`);
  const servers = await connectMcpServers({ [server]: entry }, { oauth: { dir }, log: () => {} });
  try {
    const [status] = servers.status();
    if (status?.state === 'connected') {
      output.out(`"${server}" answers with ${status.toolCount} tool${status.toolCount === 1 ? '' : 's'}.\n`);
      return 0;
    }
    output.err(`ml-intern: signed in, but "${server}" still does not start: ${status?.error ?? 'unknown error'}\n`);
    return 1;
  } finally {
    await servers.close();
  }
}

/** Forget the tokens and client registration kept for the configured remote server `server`. */
export async function signOutOfConfiguredServer(server: string, config: AgentConfig, options: { dir: string; output: McpLoginOutput }): Promise<number> {
  const entry = await remoteEntry(server, config);
  if (typeof entry === 'string') {
    options.output.err(`ml-intern: ${entry}\n`);
    return 2;
  }
  const { McpOAuthStore } = await import('@ml-intern/tools-mcp');
  const store = new McpOAuthStore({ dir: options.dir, server, serverUrl: entry.url });
  store.clear();
  options.output.out(`Signed out of "${server}" (removed ${store.file}).\n`);
  return 0;
}

/**
 * `ml-intern mcp login <server>`: OAuth sign-in to a remote MCP server; the tokens are kept in
 * `$XDG_CONFIG_HOME/ml-intern/mcp-oauth/` for every later run. `--no-browser` only prints the URL.
 */
export async function loginMcp(server: string, options: { config?: string; trustProject?: boolean; browser?: boolean }): Promise<number> {
  const config = await loadServers(options);
  if (typeof config === 'number') return config;
  const { defaultMcpOAuthDir } = await import('@ml-intern/tools-mcp');
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  try {
    return await signInToConfiguredServer(server, config, {
      dir: defaultMcpOAuthDir(process.env, homedir()),
      signal: controller.signal,
      output: { ...STDIO, ...(options.browser === false ? {} : { openBrowser: (url: URL) => openInBrowser(url) }) },
    });
  } finally {
    process.off('SIGINT', cancel);
  }
}

/** `ml-intern mcp logout <server>`. */
export async function logoutMcp(server: string, options: { config?: string; trustProject?: boolean }): Promise<number> {
  const config = await loadServers(options);
  if (typeof config === 'number') return config;
  const { defaultMcpOAuthDir } = await import('@ml-intern/tools-mcp');
  return signOutOfConfiguredServer(server, config, { dir: defaultMcpOAuthDir(process.env, homedir()), output: STDIO });
}
