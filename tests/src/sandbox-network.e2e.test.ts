import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sendJson, startFakeOpenAI, startHttpFake, temporaryDirectories } from '@ml-intern/testing';
import type { AgentEvent } from '@ml-intern/events';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADLESS, isolatedEnv, parseJsonl, runBinary } from './run-binary.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const hasBubblewrap = existsSync('/usr/bin/bwrap') && existsSync('/usr/bin/curl');
const TOKEN = 'hf_e2eAllowlistToken0123456789abcdef';

const HARDWARE_CATALOG = '/api/jobs/hardware';

function outputs(events: AgentEvent[]) {
  return events.flatMap((event) => (event.type === 'tool_output' ? [event.output] : []));
}

describe.skipIf(!hasBubblewrap)('sandbox.network "allowlist" through the headless CLI', () => {
  it('reads the Hub through HF_ENDPOINT with the token added outside, refuses a Hub write and a listed-nowhere host, and keeps the token out of the sandbox', async () => {
    const authorization: string[] = [];
    await using hub = await startHttpFake((request, response, raw) => {
      // The CLI's own hardware-price lookup (for sandbox_create) is not the sandbox's traffic.
      if (request.path === HARDWARE_CATALOG) return sendJson(response, 200, []);
      authorization.push(String(raw.headers.authorization ?? ''));
      sendJson(response, 200, { name: 'tester', path: request.path });
    });
    const workspace = directories.make('ml-intern-allowlist-ws-');
    const configFile = path.join(directories.make('ml-intern-allowlist-config-'), 'config.json');
    writeFileSync(configFile, JSON.stringify({ sandbox: { network: 'allowlist' } }));
    await using openai = await startFakeOpenAI({
      steps: [
        {
          toolCalls: [
            {
              name: 'bash',
              arguments: {
                command: [
                  'curl -sS --max-time 10 "$HF_ENDPOINT/api/whoami-v2"; echo',
                  "curl -sS --max-time 10 -X POST -o /dev/null -w 'post %{http_code}\\n' \"$HF_ENDPOINT/api/repos/create\"",
                  "curl -sS --max-time 10 -o /dev/null -w 'other %{http_code}\\n' http://example.invalid/",
                  `env | grep -c '${TOKEN.slice(3, 20)}' || true`,
                ].join('; '),
              },
            },
          ],
        },
        { text: 'done' },
      ],
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o', HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN });
    const run = await runBinary(HEADLESS, ['--config', configFile, 'check the hub'], { env, cwd: workspace });
    const { events, result } = parseJsonl(run.stdout);
    expect(result).toMatchObject({ status: 'done' });
    const output = outputs(events)[0] ?? '';
    expect(output).toContain('"name":"tester"');
    expect(output).toContain('post 403');
    expect(output).toContain('other 403');
    expect(output).toMatch(/^0$/m);
    expect(authorization).toEqual([`Bearer ${TOKEN}`]);
    expect(hub.requests.filter((request) => request.path !== HARDWARE_CATALOG).map((request) => request.method)).toEqual(['GET']);
  }, 60_000);
});
