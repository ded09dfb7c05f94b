import { computeCost, type ModelRequest } from '@ml-intern/core';
import { startFakeOpenAI } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { BASH_TOOL, collect, userRequest } from './collect-stream.test-helper.js';
import { createOpenAIModel } from './index.js';

function chatModel(baseURL: string, model = 'gpt-4.1-mini') {
  return createOpenAIModel({ model, baseURL, apiKey: 'sk-test-key' });
}

describe('Chat Completions streaming', () => {
  test('streams text and asks for usage', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'The quick brown fox jumps over the lazy dog.' }] });
    const answer = await collect(chatModel(fake.baseURL).stream(userRequest('Say the sentence')));

    expect(answer.text).toBe('The quick brown fox jumps over the lazy dog.');
    expect(answer.finish).toBe('stop');
    expect(answer.parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(answer.parts.at(-2)?.type).toBe('usage');
    const [request] = fake.modelRequests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toMatch(/^Bearer sk-tes/);
    expect(request?.json).toEqual({
      model: 'gpt-4.1-mini',
      messages: [
        { role: 'system', content: 'You are a test assistant.' },
        { role: 'user', content: 'Say the sentence' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test('a slow stream is passed on as it arrives, not held back', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'one two three four five six', textChunks: 6, delayMs: 5 }] });
    const answer = await collect(chatModel(fake.baseURL).stream(userRequest('count')));
    expect(answer.text).toBe('one two three four five six');
    expect(answer.parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(1);
  });

  test('assembles one tool call from argument deltas, in order start → deltas → end → usage → finish', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'bash', id: 'call_abc', arguments: { command: 'ls -la /tmp' }, chunks: 6 }] }] });
    const answer = await collect(chatModel(fake.baseURL).stream(userRequest('List /tmp', { tools: [BASH_TOOL] })));

    expect(answer.toolCalls).toEqual([{ id: 'call_abc', name: 'bash', arguments: '{"command":"ls -la /tmp"}' }]);
    // Deltas that arrive in one network read are merged, so only the order of kinds is fixed.
    const kinds = answer.parts.map((part) => part.type).filter((type, index, all) => type !== all[index - 1]);
    expect(kinds).toEqual(['tool-call-start', 'tool-call-delta', 'tool-call-end', 'usage', 'finish']);
    expect(answer.finish).toBe('tool_calls');
    expect(fake.modelRequests[0]?.json).toMatchObject({
      tools: [{ type: 'function', function: { name: 'bash', description: 'Run a shell command', parameters: BASH_TOOL.inputSchema } }],
      tool_choice: 'auto',
    });
  });

  test('keeps parallel tool calls apart by index', async () => {
    await using fake = await startFakeOpenAI({
      steps: [
        {
          text: 'Running both.',
          toolCalls: [
            { name: 'bash', arguments: { command: 'nvidia-smi' } },
            { name: 'read', arguments: { path: 'train.py' } },
            { name: 'bash', arguments: { command: 'pip list' } },
          ],
        },
      ],
    });
    const answer = await collect(chatModel(fake.baseURL).stream(userRequest('Check the machine', { tools: [BASH_TOOL] })));

    expect(answer.text).toBe('Running both.');
    expect(answer.toolCalls.map((call) => [call.name, JSON.parse(call.arguments)])).toEqual([
      ['bash', { command: 'nvidia-smi' }],
      ['read', { path: 'train.py' }],
      ['bash', { command: 'pip list' }],
    ]);
    expect(new Set(answer.toolCalls.map((call) => call.id)).size).toBe(3);
    const ends = answer.parts.filter((part) => part.type === 'tool-call-end');
    expect(ends).toHaveLength(3);
  });

  test('reassembles large arguments split over hundreds of deltas byte for byte', async () => {
    const content = Array.from({ length: 2_000 }, (_, line) => `line ${line}: "quoted" \\ backslash ünïcödé 🚀`).join('\n');
    await using fake = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'write', arguments: { path: 'big.txt', content }, chunks: 800 }] }] });
    const answer = await collect(chatModel(fake.baseURL).stream(userRequest('Write the file')));

    expect(JSON.parse(answer.toolCalls[0]?.arguments ?? '')).toEqual({ path: 'big.txt', content });
  });

  test('passes invalid JSON arguments through untouched for the loop to report', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'bash', arguments: '{"command": "ls' }] }] });
    const answer = await collect(chatModel(fake.baseURL).stream(userRequest('go')));
    expect(answer.toolCalls[0]?.arguments).toBe('{"command": "ls');
  });

  test('respects toolChoice none while still describing the tools', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'Summary.' }] });
    await collect(chatModel(fake.baseURL).stream(userRequest('Summarise', { tools: [BASH_TOOL], toolChoice: 'none' })));
    expect(fake.modelRequests[0]?.json).toMatchObject({ tool_choice: 'none', tools: [{ function: { name: 'bash' } }] });
  });

  test('maps finish reasons', async () => {
    await using fake = await startFakeOpenAI({
      steps: [
        { text: 'cut', finishReason: 'length' },
        { text: '', finishReason: 'content_filter' },
      ],
    });
    const model = chatModel(fake.baseURL);
    expect((await collect(model.stream(userRequest('a')))).finish).toBe('length');
    expect((await collect(model.stream(userRequest('b')))).finish).toBe('content_filter');
  });

  test('sends max_completion_tokens to OpenAI and max_tokens to compatible servers', async () => {
    await using fake = await startFakeOpenAI();
    const request = userRequest('hi', { maxOutputTokens: 1234 });
    await collect(chatModel(fake.baseURL).stream(request));
    await collect(createOpenAIModel({ model: 'llama3.1', provider: 'ollama', baseURL: fake.baseURL, apiKey: 'x' }).stream(request));
    expect(fake.modelRequests[0]?.json).toMatchObject({ max_completion_tokens: 1234 });
    expect(fake.modelRequests[0]?.json).not.toHaveProperty('max_tokens');
    expect(fake.modelRequests[1]?.json).toMatchObject({ max_tokens: 1234 });
  });

  test('normalises usage (cached and reasoning tokens) and prices it with computeCost', async () => {
    await using fake = await startFakeOpenAI({
      steps: [{ text: 'ok', usage: { promptTokens: 10_000, cachedTokens: 4_000, completionTokens: 2_000, reasoningTokens: 500 } }],
    });
    const model = createOpenAIModel({
      model: 'gpt-4.1-mini',
      baseURL: fake.baseURL,
      apiKey: 'sk-test',
      info: { pricing: { input: 2, output: 8, cacheRead: 0.5 } },
    });
    const answer = await collect(model.stream(userRequest('hi')));

    expect(answer.usage).toEqual({ inputTokens: 10_000, cachedInputTokens: 4_000, cacheCreationTokens: 0, outputTokens: 2_000, reasoningTokens: 500 });
    const cost = computeCost(answer.usage!, model.info.pricing);
    // 6 000 uncached × $2 + 4 000 cached × $0.5 + 2 000 output × $8, per million tokens.
    expect(cost).toEqual({ usd: (6_000 * 2 + 4_000 * 0.5 + 2_000 * 8) / 1_000_000, unpriced: false });
    expect(computeCost(answer.usage!, undefined)).toEqual({ usd: 0, unpriced: true });
  });

  test('surfaces reasoning_content deltas from compatible servers as reasoning', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ reasoning: 'The user wants a greeting.', text: 'Hello!' }] });
    const answer = await collect(createOpenAIModel({ model: 'deepseek-r1', provider: 'vllm', baseURL: fake.baseURL, apiKey: 'x' }).stream(userRequest('hi')));
    expect(answer.reasoning).toBe('The user wants a greeting.');
    expect(answer.text).toBe('Hello!');
    expect(answer.parts).toContainEqual({ type: 'reasoning', text: 'The user wants a greeting.', provider: 'openai-chat' });
  });
});

describe('reasoning_effort on Chat Completions', () => {
  const request: ModelRequest = userRequest('think', { reasoningEffort: 'xhigh' });

  async function sentEffort(options: { model: string; provider?: string; reasoningEffort?: 'low' }, effortRequest = request) {
    await using fake = await startFakeOpenAI();
    await collect(createOpenAIModel({ ...options, api: 'chat', baseURL: fake.baseURL, apiKey: 'sk-test' }).stream(effortRequest));
    return (fake.modelRequests[0]?.json as Record<string, unknown>).reasoning_effort;
  }

  test('is sent to o-series and gpt-5 models, clamped where the scale is shorter', async () => {
    expect(await sentEffort({ model: 'gpt-5-mini' })).toBe('xhigh');
    expect(await sentEffort({ model: 'o3' })).toBe('high');
    expect(await sentEffort({ model: 'o4-mini' }, userRequest('x', { reasoningEffort: 'minimal' }))).toBe('low');
  });

  test('is sent to gpt-oss on compatible servers, on their low/medium/high scale', async () => {
    expect(await sentEffort({ model: 'openai/gpt-oss-120b:cerebras', provider: 'huggingface' })).toBe('high');
    expect(await sentEffort({ model: 'gpt-oss:20b', provider: 'ollama' })).toBe('high');
  });

  test('is not sent to models that reject it', async () => {
    expect(await sentEffort({ model: 'gpt-4.1' })).toBeUndefined();
    expect(await sentEffort({ model: 'gpt-5-chat-latest' })).toBeUndefined();
    expect(await sentEffort({ model: 'Qwen/Qwen3-Coder-480B-A35B-Instruct:fastest', provider: 'huggingface' })).toBeUndefined();
  });

  test('falls back to the configured effort when the request has none', async () => {
    expect(await sentEffort({ model: 'o3', reasoningEffort: 'low' }, userRequest('x'))).toBe('low');
    expect(await sentEffort({ model: 'o3' }, userRequest('x'))).toBeUndefined();
  });
});
