import { type AnyTool, type ApprovalHint, type JsonSchema, defineTool } from '@ml-intern/core';
import type { Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { z } from 'zod';
import { formatMcpResult } from './format-mcp-result.js';
import type { McpServerConnection } from './mcp-server-connection.js';

// The router's own limit stays above the server's `timeout_ms`, so the MCP timeout (which also
// tells the server to cancel) is what the model sees.
const ROUTER_TIMEOUT_MARGIN_MS = 2_000;

export interface CreateMcpToolOptions {
  connection: McpServerConnection;
  /** The tool as the server listed it. */
  tool: McpToolInfo;
  /** The name the model calls (`server__tool`, made unique). */
  name: string;
}

/** The server's input schema in the shape model APIs accept: an object root, no `$schema`. */
export function toModelInputSchema(schema: McpToolInfo['inputSchema']): JsonSchema {
  const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
  return { ...rest, type: 'object', properties: (rest.properties as JsonSchema | undefined) ?? {} };
}

function readableSchemaErrors(message: string): string {
  return message.replace(/(^|, )data\//g, '$1').replace(/(^|, )data /g, '$1arguments ');
}

// Compiled on first use; a schema AJV cannot compile is left to the server to enforce.
function lazyValidator(schema: JsonSchema): (value: unknown) => string | undefined {
  let validate: JsonSchemaValidator<unknown> | null | undefined;
  return (value) => {
    if (validate === undefined) {
      try {
        validate = new AjvJsonSchemaValidator().getValidator(schema as JsonSchemaType);
      } catch {
        validate = null;
      }
    }
    if (!validate) return undefined;
    const result = validate(value);
    return result.valid ? undefined : readableSchemaErrors(result.errorMessage);
  };
}

/**
 * A tool that calls one MCP tool. Arguments are validated against the server's JSON Schema (which
 * is also what the model sees); calls ask for approval unless the server is trusted.
 */
export function createMcpTool(options: CreateMcpToolOptions): AnyTool {
  const { connection, tool, name } = options;
  const server = connection.name;
  const jsonSchema = toModelInputSchema(tool.inputSchema);
  const check = lazyValidator(jsonSchema);
  const inputSchema = z.looseObject({}).superRefine((value, context) => {
    const problem = check(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
  const label = tool.title ?? tool.annotations?.title ?? tool.name;
  const destructive = tool.annotations?.destructiveHint === true ? ', marked destructive' : '';
  return defineTool({
    name,
    jsonSchema,
    description: tool.description?.trim() || `${label} (tool "${tool.name}" of the MCP server "${server}").`,
    inputSchema,
    // The server's own hint: it lets the tool run in read-only mode, still subject to approval.
    readOnly: tool.annotations?.readOnlyHint === true,
    approval(): ApprovalHint {
      if (connection.config.trust) return { decision: 'allow', reason: `the MCP server "${server}" is trusted` };
      return { decision: 'ask', reason: `tool "${tool.name}" of the MCP server "${server}"${destructive}` };
    },
    summarize(input) {
      const text = JSON.stringify(input);
      return `${server}: ${label} ${text.length > 100 ? `${text.slice(0, 97)}...` : text}`;
    },
    timeoutMs: connection.config.timeout_ms + ROUTER_TIMEOUT_MARGIN_MS,
    async execute(input, context) {
      const result = await connection.callTool(tool.name, input, { signal: context.signal, log: context.log });
      return formatMcpResult(result);
    },
  });
}
