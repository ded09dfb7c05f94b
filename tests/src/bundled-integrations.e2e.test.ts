import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentEvent } from '@ml-intern/events';
import { startFakeGitHub, startFakeHub, startFakeOpenAI, startFakeSlack, type FakeOpenAI } from '@ml-intern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, isolatedEnv, parseJsonl, runBinary, type RunOutput } from './run-binary.js';

const MODEL = 'openai/gpt-4o';
const OPENAI_KEY = 'sk-test-key-0123456789abcdef';
// Packages the bundle leaves external (apps/cli/tsup.config.ts): npm installs them next to it.
const EXTERNAL_PACKAGES = ['tiktoken', '@huggingface/hub'];
const echoServer = fileURLToPath(new URL('./__fixtures__/echo-mcp-server.mjs', import.meta.url));

/** Holds the installed CLI and the project directories; removed after the tests. */
let scratch: string;
let cli: string;

/**
 * The built CLI copied into a directory whose node_modules holds only the external packages, the
 * way `npm install -g` lays it out. Run from apps/cli/dist, a package the bundle failed to inline
 * would still resolve from the workspace's node_modules and the breakage would go unnoticed.
 */
function installBundle(root: string): string {
  const dist = path.join(root, 'lib/dist');
  mkdirSync(dist, { recursive: true });
  const source = path.dirname(CLI);
  for (const file of readdirSync(source)) if (file.endsWith('.js')) copyFileSync(path.join(source, file), path.join(dist, file));
  if (!existsSync(path.join(dist, 'main.js'))) throw new Error(`${CLI} is missing: build the CLI first (pnpm turbo run build --filter=@ml-intern/cli)`);
  writeFileSync(path.join(root, 'lib/package.json'), JSON.stringify({ name: '@ml-intern/cli', type: 'module' }));
  for (const name of EXTERNAL_PACKAGES) {
    const link = path.join(root, 'lib/node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(realpathSync(path.join(path.dirname(source), 'node_modules', name)), link, 'dir');
  }
  return path.join(dist, 'main.js');
}

/** A project directory; `config` becomes its `.ml-intern/config.json`. */
function project(config?: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(scratch, 'project-'));
  if (config) {
    mkdirSync(path.join(dir, '.ml-intern'));
    writeFileSync(path.join(dir, '.ml-intern/config.json'), JSON.stringify(config));
  }
  return dir;
}

interface Run extends RunOutput {
  events: AgentEvent[];
  result: Record<string, unknown> | undefined;
}

/** One stream-json run of the installed CLI, its model served by `openai`. */
async function runCli(openai: FakeOpenAI, options: { env?: Record<string, string>; config?: Record<string, unknown> } = {}): Promise<Run> {
  const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: OPENAI_KEY, ML_INTERN_MODEL: MODEL, ML_INTERN_SAVE_SESSIONS: 'false', ...options.env });
  // The test project's own config (web, mcpServers) applies only in a trusted folder.
  const run = await runBinary(cli, ['--trust-project', '--output-format', 'stream-json', 'use the integration'], { env, cwd: project(options.config), timeoutMs: 30_000 });
  return { ...run, ...parseJsonl(run.stdout) };
}

/** What went wrong, for assertion messages: stderr and the result's error. */
function describeRun(run: Run): string {
  return `exit ${run.code}; error: ${JSON.stringify(run.result?.error)}; stderr:\n${run.stderr}`;
}

/** The output of the one call to `tool`, which must have succeeded. */
function outputOf(run: Run, tool: string): string {
  const outputs = run.events.filter((event) => event.type === 'tool_output' && event.tool === tool);
  expect(outputs, `no output of ${tool}; ${describeRun(run)}`).toHaveLength(1);
  const [output] = outputs;
  if (output?.type !== 'tool_output') throw new Error('unreachable');
  expect(output.is_error, output.output).toBe(false);
  return output.output;
}

function expectDone(run: Run, finalText: string): void {
  expect(run.result, describeRun(run)).toMatchObject({ status: 'done', final_text: finalText });
  expect(run.code).toBe(0);
}

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'ml-intern-bundled-'));
  cli = installBundle(scratch);
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the bundled CLI, installed with only its external packages', () => {
  it('lists and reads Hub repo files through @huggingface/hub', async () => {
    await using hub = await startFakeHub();
    await using openai = await startFakeOpenAI({
      steps: [
        {
          toolCalls: [
            { name: 'hf_repo_files', arguments: { operation: 'list', repo_id: 'tester/tiny-model', repo_type: 'model' } },
            { name: 'hf_repo_files', arguments: { operation: 'read', repo_id: 'tester/tiny-model', repo_type: 'model', path: 'config.json' } },
          ],
        },
        { text: 'listed' },
      ],
    });
    const run = await runCli(openai, { env: { HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token } });
    const outputs = run.events.flatMap((event) => (event.type === 'tool_output' && event.tool === 'hf_repo_files' ? [event] : []));
    expect(outputs.map((output) => output.is_error)).toEqual([false, false]);
    expect(outputs[0]?.output).toMatch(/3 files[\s\S]*config\.json[\s\S]*train\.py/);
    expect(outputs[1]?.output).toContain('"model_type": "llama"');
    expectDone(run, 'listed');
  });

  it('reads a GitHub file through the bundled octokit', async () => {
    await using github = await startFakeGitHub({
      token: 'ghp_fakeTokenForTests0123456789',
      repositories: [{ owner: 'huggingface', name: 'trl', files: { 'examples/sft.py': 'from trl import SFTTrainer\ntrainer = SFTTrainer(model="tiny")\n' } }],
    });
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'github_read_file', arguments: { repo: 'huggingface/trl', path: 'examples/sft.py' } }] }, { text: 'read it' }] });
    const run = await runCli(openai, {
      env: { GITHUB_API_URL: github.url, GITHUB_TOKEN: 'ghp_fakeTokenForTests0123456789' },
    });
    expect(outputOf(run, 'github_read_file')).toContain('trainer = SFTTrainer(model="tiny")');
    expect(github.requests.some((request) => request.path === '/graphql')).toBe(true);
    expectDone(run, 'read it');
  });

  it('fetches a page as markdown through the bundled linkedom, Readability and turndown', async () => {
    const paragraph = 'Learning-rate warm-up keeps the first optimizer steps small, so the loss does not spike before the statistics settle. ';
    const page = `<!DOCTYPE html><html><head><title>Warm-up notes</title><script>var tracking = 1;</script></head><body>
<nav><a href="/">Home</a></nav>
<article><h1>Warm-up schedules</h1><h2>Why warm up</h2><p>${paragraph.repeat(4)}</p>
<table><thead><tr><th>schedule</th><th>steps</th></tr></thead><tbody><tr><td>linear</td><td>500</td></tr></tbody></table>
<p>See <a href="/cosine">the cosine notes</a>.</p></article></body></html>`;
    const server = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/warmup`;
    try {
      await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'web_fetch', arguments: { url } }] }, { text: 'fetched' }] });
      const run = await runCli(openai, { config: { web: { allow_private_network: true } } });
      const markdown = outputOf(run, 'web_fetch');
      expect(markdown).toMatch(/^#+ Why warm up$/m);
      expect(markdown).toContain('| linear | 500 |');
      expect(markdown).toContain(`(${new URL('/cosine', url).href})`);
      expect(markdown).not.toContain('tracking');
      expectDone(run, 'fetched');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('calls a tool of a stdio MCP server through the bundled MCP SDK', async () => {
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'fixture__echo', arguments: { text: 'hello over stdio' } }] }, { text: 'echoed' }] });
    const run = await runCli(openai, {
      config: { mcpServers: { fixture: { command: process.execPath, args: [echoServer], trust: true } } },
    });
    expect(outputOf(run, 'fixture__echo')).toContain('echo-fixture says: hello over stdio');
    expectDone(run, 'echoed');
  });

  it('an MCP server that cannot start is reported and the run goes on without it', async () => {
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'broken__echo', arguments: { text: 'anyone?' } }] }, { text: 'carried on' }] });
    const run = await runCli(openai, { config: { mcpServers: { broken: { command: path.join(scratch, 'no-such-server'), args: [] } } } });
    expect(run.stderr).toContain(`MCP server "broken" failed to start (stdio: ${path.join(scratch, 'no-such-server')})`);
    const [output] = run.events.filter((event) => event.type === 'tool_output');
    expect(output).toMatchObject({ tool: 'broken__echo', is_error: true });
    expectDone(run, 'carried on');
    expect(run.code).toBe(0);
  });

  it('posts the end of the turn to Slack through the bundled @slack/web-api', async () => {
    await using slack = await startFakeSlack({ tokens: ['xoxb-fake-bot-token'], channels: ['C0FAKE'] });
    await using openai = await startFakeOpenAI({ steps: [{ text: 'the model is trained' }] });
    const run = await runCli(openai, {
      env: { SLACK_BOT_TOKEN: 'xoxb-fake-bot-token', SLACK_CHANNEL_ID: 'C0FAKE', SLACK_API_URL: slack.slackApiUrl },
    });
    expectDone(run, 'the model is trained');
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatchObject({ channel: 'C0FAKE' });
    expect(JSON.stringify(slack.messages[0])).toContain('the model is trained');
  });

  it('counts tokens with the external tiktoken to compact an overflowing context', async () => {
    await using openai = await startFakeOpenAI({
      steps: [
        { toolCalls: [{ name: 'bash', arguments: { command: 'seq 1 2000' } }] },
        { toolCalls: [{ name: 'bash', arguments: { command: 'echo second' } }] },
        { failure: { kind: 'context_length_exceeded' } },
        { text: '## Goal\nCount to 2000.\n## Done\nCounted.' },
        { text: 'compacted and done' },
      ],
    });
    const run = await runCli(openai, { config: { compaction: { keep_recent_tokens: 50 } } });
    const compacted = run.events.find((event) => event.type === 'compacted');
    expect(compacted, describeRun(run)).toMatchObject({ type: 'compacted', trigger: 'overflow' });
    if (compacted?.type !== 'compacted') throw new Error('unreachable');
    expect(compacted.tokens_after).toBeLessThan(compacted.tokens_before);
    expect(compacted.summary_tokens).toBeGreaterThan(0);
    const [, , overflowing, summary, retry] = openai.modelRequests.map((request) => request.body);
    expect(overflowing).toContain('1999');
    expect(summary).toContain('Conversation to compress:\\n\\nASSISTANT: bash');
    expect(retry).toContain('Count to 2000.');
    expect(retry).not.toContain('1999');
    expectDone(run, 'compacted and done');
  });
});
