export { connectMcpServers, createMcpTools } from './connect-mcp-servers.js';
export type { ConnectMcpServersOptions, McpServerStatus, McpServers, McpToolSummary } from './connect-mcp-servers.js';
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
  McpServerConfig,
  McpServerConfigInput,
  McpServersConfigInput,
  McpStdioServerConfig,
} from './mcp-server-config.js';
export type { McpLog, McpServerState } from './mcp-server-connection.js';
export { namespacedToolName } from './mcp-tool-names.js';
