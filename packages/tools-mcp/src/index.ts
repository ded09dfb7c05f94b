export { connectMcpServers, createMcpTools } from './connect-mcp-servers.js';
export type { ConnectMcpServersOptions, McpServerStatus, McpServers, McpToolSummary, McpToolsChange } from './connect-mcp-servers.js';
export type { McpFetch } from './create-mcp-transport.js';
export { formatMcpResult } from './format-mcp-result.js';
export { formatMcpStatus } from './format-mcp-status.js';
export type { FormatMcpStatusOptions } from './format-mcp-status.js';
export {
  DEFAULT_MCP_STARTUP_TIMEOUT_MS,
  DEFAULT_MCP_TIMEOUT_MS,
  mcpServerConfigSchema,
  mcpServersConfigSchema,
} from './mcp-server-config.js';
export type {
  McpHttpServerConfig,
  McpOAuthConfig,
  McpServerConfig,
  McpServerConfigInput,
  McpServersConfigInput,
  McpStdioServerConfig,
} from './mcp-server-config.js';
export { McpSignInRequiredError } from './mcp-server-connection.js';
export type { McpLog, McpServerState, McpTransportKind } from './mcp-server-connection.js';
export { DEFAULT_SIGN_IN_TIMEOUT_MS, signInMcpServer } from './mcp-oauth-sign-in.js';
export type { McpOAuthOptions, SignInMcpServerOptions } from './mcp-oauth-sign-in.js';
export { McpOAuthStore, defaultMcpOAuthDir, mcpOAuthFileName } from './mcp-oauth-store.js';
export type { McpOAuthRecord } from './mcp-oauth-store.js';
export type { StartupRetryOptions } from './startup-retry.js';
export { namespacedToolName } from './mcp-tool-names.js';
