import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('a server that fails to start, in a process with nothing else to do', () => {
  it('still reports the failure instead of letting the process exit mid-startup', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(here, '__fixtures__', 'connect-failing-server.mts')], {
      cwd: path.join(here, '..'),
    });
    const [status] = JSON.parse(stdout) as { name: string; state: string; error: string }[];
    expect(status).toMatchObject({ name: 'broken', state: 'failed' });
    expect(status?.error).toContain('spawn /nonexistent/mcp-server ENOENT');
  });
});
