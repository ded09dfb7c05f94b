// A dependency-free MCP server over stdio (newline-delimited JSON-RPC) with one tool, `echo`.
// It is deliberately not built on the SDK, so the only MCP SDK in the test is the CLI's bundled client.
import { createInterface } from 'node:readline';

const tools = [
  {
    name: 'echo',
    description: 'Returns the text it was given.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
];

function send(message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
}

function answer(request) {
  switch (request.method) {
    case 'initialize':
      return { result: { protocolVersion: request.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'echo-fixture', version: '1.0.0' } } };
    case 'ping':
      return { result: {} };
    case 'tools/list':
      return { result: { tools } };
    case 'tools/call':
      if (request.params.name !== 'echo') return { error: { code: -32602, message: `unknown tool ${request.params.name}` } };
      return { result: { content: [{ type: 'text', text: `echo-fixture says: ${request.params.arguments?.text ?? ''}` }] } };
    default:
      return { error: { code: -32601, message: `method not found: ${request.method}` } };
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  // Notifications (no id) need no answer.
  if (request.id === undefined || request.method === undefined) return;
  send({ id: request.id, ...answer(request) });
});
