import { anthropicScript, startFakeAnthropic } from '@ml-intern/testing';
import { computeCost, resolveModel } from '@ml-intern/core';
import type { ModelRequest, ToolSpec } from '@ml-intern/core';
import { describe, expect, it } from 'vitest';
import { collectTurn } from './__fixtures__/collect-turn.js';
import { countDeltas, recordingFetch } from './__fixtures__/recording-fetch.js';
import { anthropicModelFactory, createAnthropicModel } from './index.js';

const bashTool: ToolSpec = {
  name: 'bash',
  description: 'Run a shell command',
  inputSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
};
const writeTool: ToolSpec = {
  name: 'write',
  description: 'Write a file',
  inputSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } },
};

function ask(text: string, tools: ToolSpec[] = []): ModelRequest {
  return { system: 'You are a careful ML engineer.', messages: [{ role: 'user', content: text }], tools };
}

describe('createAnthropicModel streaming', () => {
  it('streams text deltas, then usage and a stop finish', async () => {
    await using fake = await startFakeAnthropic({ chunkSize: 5, script: [anthropicScript.text('Hello from the fake model.')] });
    const recorder = recordingFetch();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, fetch: recorder.fetch });
    const turn = await collectTurn(model.stream(ask('Say hello')));

    expect(countDeltas(await recorder.bodies[0]!, 'text_delta')).toBe(6);
    expect(turn.text).toBe('Hello from the fake model.');
    expect(turn.parts.slice(-2).map((part) => part.type)).toEqual(['usage', 'finish']);
    expect(turn.finish).toBe('stop');
    expect(turn.usage?.outputTokens).toBeGreaterThan(0);

    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers.authorization).toMatch(/^Bearer sk-ant/);
    expect(request?.headers['anthropic-version']).toBeTruthy();
    expect(fake.messageBodies[0]).toMatchObject({ model: 'claude-test', stream: true, max_tokens: 8192 });
  });

  it('hands text over as it arrives, before the answer is complete', async () => {
    await using fake = await startFakeAnthropic({ script: [{ content: [{ type: 'text', text: 'First words' }], fail: { kind: 'stream-hang', afterFrames: 4 } }] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const controller = new AbortController();
    let first = '';
    await (async () => {
      for await (const part of model.stream(ask('Go'), { signal: controller.signal })) {
        if (part.type !== 'text-delta') continue;
        first = part.text;
        controller.abort();
      }
    })().catch(() => undefined);
    expect(first).toBe('First words');
  });

  it('assembles a single tool call from input_json_delta chunks', async () => {
    await using fake = await startFakeAnthropic({ chunkSize: 4, script: [anthropicScript.toolUse([{ name: 'bash', input: { command: 'nvidia-smi -L' } }], 'Checking the GPU.')] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const turn = await collectTurn(model.stream(ask('Which GPU?', [bashTool])));

    expect(turn.text).toBe('Checking the GPU.');
    expect(turn.finish).toBe('tool_calls');
    expect(turn.toolCalls).toHaveLength(1);
    expect(turn.toolCalls[0]?.name).toBe('bash');
    expect(JSON.parse(turn.toolCalls[0]?.arguments ?? '')).toEqual({ command: 'nvidia-smi -L' });
    const kinds = turn.parts.map((part) => part.type);
    expect(kinds.indexOf('tool-call-start')).toBeLessThan(kinds.indexOf('tool-call-delta'));
    expect(kinds.lastIndexOf('tool-call-delta')).toBeLessThan(kinds.indexOf('tool-call-end'));
  });

  it('keeps parallel tool calls apart by id', async () => {
    await using fake = await startFakeAnthropic({
      chunkSize: 3,
      script: [
        anthropicScript.toolUse([
          { name: 'bash', input: { command: 'ls data/' } },
          { name: 'bash', input: { command: 'cat train.py' } },
          { name: 'write', input: { path: 'notes.md', content: '# Notes' } },
        ]),
      ],
    });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const turn = await collectTurn(model.stream(ask('Look around', [bashTool, writeTool])));

    expect(new Set(turn.toolCalls.map((call) => call.id)).size).toBe(3);
    expect(turn.toolCalls.map((call) => JSON.parse(call.arguments))).toEqual([
      { command: 'ls data/' },
      { command: 'cat train.py' },
      { path: 'notes.md', content: '# Notes' },
    ]);
  });

  it('reassembles large arguments split over many deltas byte for byte', async () => {
    const content = Array.from({ length: 600 }, (_, line) => `line ${line}: "quoted" \\ back\tslash – ünïcødé 🚀`).join('\n');
    await using fake = await startFakeAnthropic({ chunkSize: 7, script: [anthropicScript.toolUse([{ name: 'write', input: { path: 'big.txt', content } }])] });
    const recorder = recordingFetch();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url, fetch: recorder.fetch });
    const turn = await collectTurn(model.stream(ask('Write it', [writeTool])));

    expect(countDeltas(await recorder.bodies[0]!, 'input_json_delta')).toBeGreaterThan(1_000);
    expect(JSON.parse(turn.toolCalls[0]?.arguments ?? '')).toEqual({ path: 'big.txt', content });
  });

  it('gives a tool call without streamed input the arguments {}', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.toolUse([{ name: 'bash', input: '' }])] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const turn = await collectTurn(model.stream(ask('Go', [bashTool])));
    expect(turn.toolCalls[0]?.arguments).toBe('{}');
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool_calls'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['refusal', 'refusal'],
    ['pause_turn', 'other'],
  ] as const)('maps stop reason %s to %s', async (stopReason, finish) => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('Some text', { stopReason })] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    expect((await collectTurn(model.stream(ask('Go')))).finish).toBe(finish);
  });

  it('reports cache reads and writes inside inputTokens and prices them with computeCost', async () => {
    const usage = { input_tokens: 1_000, cache_read_input_tokens: 50_000, cache_creation_input_tokens: 2_000, output_tokens: 400, thinking_tokens: 150 };
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('Done.', { usage })] });
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const turn = await collectTurn(model.stream(ask('Go')));

    expect(turn.usage).toEqual({ inputTokens: 53_000, cachedInputTokens: 50_000, cacheCreationTokens: 2_000, outputTokens: 400, reasoningTokens: 150 });
    const cost = computeCost(turn.usage!, { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 });
    // 1k uncached × $5 + 50k read × $0.5 + 2k written × $6.25 + 400 out × $25, per million.
    expect(cost.usd).toBeCloseTo(0.005 + 0.025 + 0.0125 + 0.01, 10);
    expect(cost.unpriced).toBe(false);
  });

  it('counts tokens through /v1/messages/count_tokens with the same body minus max_tokens', async () => {
    await using fake = await startFakeAnthropic();
    const model = createAnthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: fake.url });
    const count = await model.countTokens(ask('How many tokens is this?', [bashTool]));

    expect(count).toBeGreaterThan(10);
    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/messages/count_tokens');
    expect(request?.json).toMatchObject({ model: 'claude-test', tools: [{ name: 'bash' }] });
    expect(request?.json).not.toHaveProperty('max_tokens');
    expect(request?.json).not.toHaveProperty('stream');
  });

  it('sends extra headers and goes through the given fetch', async () => {
    await using fake = await startFakeAnthropic();
    const seen: string[] = [];
    const model = createAnthropicModel({
      model: 'claude-test',
      apiKey: 'sk-ant-test',
      baseURL: fake.url,
      headers: { 'anthropic-beta': 'test-beta-2026' },
      fetch: (input, init) => {
        seen.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      },
    });
    await collectTurn(model.stream(ask('Hi')));
    expect(seen).toEqual([`${fake.url}/v1/messages`]);
    expect(fake.requests[0]?.headers['anthropic-beta']).toBe('test-beta-2026');
  });
});

describe('anthropicModelFactory', () => {
  it('builds models through resolveModel with the catalog info', async () => {
    await using fake = await startFakeAnthropic({ fallbackText: 'factory works' });
    const factory = anthropicModelFactory({ apiKey: 'sk-ant-test', baseURL: fake.url });
    const model = resolveModel('anthropic/claude-opus-4-6', {
      factories: { anthropic: factory },
      catalog: { 'claude-opus-4-6': { context_window: 200_000, max_output_tokens: 32_000, pricing: { input: 5, output: 25 } } },
    });

    expect(model.id).toBe('anthropic/claude-opus-4-6');
    expect(model.info).toEqual({ contextWindow: 200_000, maxOutputTokens: 32_000, pricing: { input: 5, output: 25 }, imageInput: { maxBytes: 5 * 1024 * 1024, maxEdge: 8000, downscaleTo: { longEdge: 1568 } } });
    expect((await collectTurn(model.stream(ask('Hi')))).text).toBe('factory works');
    expect(fake.messageBodies[0]).toMatchObject({ model: 'claude-opus-4-6', max_tokens: 32_000 });
  });
});
