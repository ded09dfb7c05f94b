export { connectMcpServers, createMcpTools } from './connect-mcp-servers.js';
export type { ConnectMcpServersOptions, McpServerStatus, McpServers, McpToolSummary } from './connect-mcp-servers.js';
export { createMcpTool, toModelInputSchema } from './create-mcp-tool.js';
export type { CreateMcpToolOptions } from './create-mcp-tool.js';
export { createMcpTransport, describeMcpTarget } from './create-mcp-transport.js';
export type { McpFetch, McpTransportOptions } from './create-mcp-transport.js';
export { base64ByteLength, formatMcpResult } from './format-mcp-result.js';
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
export { McpServerConnection } from './mcp-server-connection.js';
export type { McpCallOptions, McpLog, McpServerConnectionOptions, McpServerState } from './mcp-server-connection.js';
export { claimToolName, createToolFilter, namespacedToolName } from './mcp-tool-names.js';
