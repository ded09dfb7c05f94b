// Connects to a server that cannot start, with nothing else keeping the process alive, and prints
// what connectMcpServers reported. Exiting without printing means a pending promise was dropped.
import { connectMcpServers } from '../connect-mcp-servers.js';

const servers = await connectMcpServers({ broken: { command: '/nonexistent/mcp-server', args: [] } }, { log: () => {} });
process.stdout.write(`${JSON.stringify(servers.status())}\n`);
await servers.close();
