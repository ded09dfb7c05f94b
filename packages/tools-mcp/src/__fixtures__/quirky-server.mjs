// A small stdio MCP server built on the SDK's low-level Server, for behaviour the reference
// servers do not show: paginated tool lists, JSON-RPC error responses, odd tool names, an output
// schema without structured content, audio/blob content, and a crash in the middle of a call.
// With --tools-changed-at-start it lists its tools on one page and says they changed when the
// client first lists them, then answers that listing and the one the notice asks for in one write,
// as a busy machine may deliver them.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';

const emptyObject = { type: 'object', properties: {} };
const pages = [
  [{ name: 'fail.rpc', description: 'Always answers with a JSON-RPC error.', inputSchema: emptyObject }],
  [
    {
      name: 'no-structured',
      description: 'Declares an output schema but answers with text only.',
      inputSchema: emptyObject,
      outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
    },
    { name: 'mixed/content', inputSchema: emptyObject },
    { name: 'crash', description: 'Writes to stderr and exits during the call.', inputSchema: emptyObject },
  ],
];

const toolsChangedAtStart = process.argv.includes('--tools-changed-at-start');
const server = new Server({ name: 'quirky', version: '1.0.0' }, { capabilities: { tools: { listChanged: toolsChangedAtStart } } });
let listings = 0;
let answerFirst;
const secondListing = new Promise((resolve) => {
  answerFirst = resolve;
});

server.setRequestHandler(ListToolsRequestSchema, async (request) => {
  if (toolsChangedAtStart) {
    listings += 1;
    const mine = listings;
    if (mine === 1) {
      await server.sendToolListChanged();
      await secondListing;
    }
    if (mine === 2) {
      process.stdout.cork();
      answerFirst();
      // The first answer is written (into the cork) before this one; both leave together.
      await new Promise((resolve) => setImmediate(resolve));
      setImmediate(() => process.stdout.uncork());
    }
    return { tools: pages.flat() };
  }
  const index = request.params?.cursor === 'page-2' ? 1 : 0;
  return { tools: pages[index], ...(index === 0 ? { nextCursor: 'page-2' } : {}) };
});

server.setRequestHandler(CallToolRequestSchema, async (request) => {
  switch (request.params.name) {
    case 'fail.rpc':
      throw new McpError(ErrorCode.InternalError, 'database is locked');
    case 'no-structured':
      return { content: [{ type: 'text', text: 'plain answer' }] };
    case 'mixed/content':
      return {
        content: [
          { type: 'audio', mimeType: 'audio/wav', data: Buffer.alloc(10).toString('base64') },
          { type: 'resource', resource: { uri: 'file:///data.bin', mimeType: 'application/octet-stream', blob: Buffer.alloc(5).toString('base64') } },
          { type: 'resource_link', uri: 'file:///notes.txt', name: 'notes.txt', mimeType: 'text/plain' },
        ],
        structuredContent: { ok: true },
      };
    case 'crash':
      process.stderr.write('fatal: simulated crash\n', () => process.exit(3));
      return new Promise(() => {});
    default:
      throw new McpError(ErrorCode.InvalidParams, `unknown tool ${request.params.name}`);
  }
});

await server.connect(new StdioServerTransport());
process.stderr.write('quirky server ready\n');
