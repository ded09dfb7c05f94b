import { ContextOverflowError, ProviderError, createSession, type AgentEvent } from '@ml-intern/core';
import { startFakeOpenAI, type LocalServerKind } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { collect, userRequest } from './collect-stream.test-helper.js';
import { createOpenAIModel, probeContextWindow, readContextOverflow } from './index.js';

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the stream to fail');
    },
    (error: unknown) => error,
  );
}

const PROVIDER: Record<LocalServerKind, string> = {
  vllm: 'vllm',
  vllm_legacy: 'vllm',
  llamacpp: 'llamacpp',
  ollama: 'ollama',
  lm_studio: 'lm_studio',
  tgi: 'vllm',
};

describe('context overflow in the servers own words', () => {
  const CASES: [LocalServerKind, RegExp, number | undefined][] = [
    ['vllm', /maximum context length is 4096 tokens/, 4_096],
    ['vllm_legacy', /maximum context length is 4096 tokens/, 4_096],
    ['llamacpp', /exceeds the available context size/, 4_096],
    ['ollama', /the input length exceeds the context length/, undefined],
    ['lm_studio', /context length of only 4096 tokens/, 4_096],
    ['tgi', /`inputs` tokens \+ `max_new_tokens` must be <= 4096/, 4_096],
  ];

  test.each(CASES)('%s: a ContextOverflowError with the servers message and its window', async (kind, words, window) => {
    await using fake = await startFakeOpenAI({ steps: [{ failure: { kind: 'context_overflow', server: kind } }] });
    const model = createOpenAIModel({ model: 'local-model', provider: PROVIDER[kind], baseURL: fake.baseURL, apiKey: 'none', probeContextWindow: false });
    const error = await failureOf(collect(model.stream(userRequest('hello'))));
    expect(ContextOverflowError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(words);
    expect((error as ContextOverflowError).contextWindow).toBe(window);
    // The window the server named replaces the assumed 128k, and the answer's reserve fits inside it.
    expect(model.info.contextWindow).toBe(window ?? 128_000);
    if (window) expect(model.info.maxOutputTokens).toBe(1_024);
  });

  test('other 400s, and 429s that speak of tokens, are not overflows', async () => {
    await using fake = await startFakeOpenAI({
      steps: [
        { failure: { kind: 'http_error', status: 400, body: { object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 } } },
        { failure: { kind: 'http_error', status: 429, body: { error: { message: 'Request too large: maximum context length is 8000 tokens per min (TPM)', type: 'tokens', code: 'rate_limit_exceeded' } } } },
      ],
    });
    const model = createOpenAIModel({ model: 'local-model', provider: 'vllm', baseURL: fake.baseURL, apiKey: 'none', probeContextWindow: false });
    const notFound = await failureOf(collect(model.stream(userRequest('hello'))));
    expect(ContextOverflowError.isInstance(notFound)).toBe(false);
    // vLLM's top-level error body still reaches the message (the SDK alone reports "(no body)").
    expect((notFound as ProviderError).message).toMatch(/The model `x` does not exist/);
    const rateLimited = await failureOf(collect(model.stream(userRequest('hello'))));
    expect(ContextOverflowError.isInstance(rateLimited)).toBe(false);
    expect((rateLimited as ProviderError).isRetryable).toBe(true);
  });

  test('readContextOverflow reads the other wordings', () => {
    expect(readContextOverflow({ status: 400, message: 'prompt is too long: 201234 tokens > 200000 maximum' })).toEqual({});
    expect(readContextOverflow({ status: 400, message: 'Your request exceeded model token limit: 8192' })).toEqual({ contextWindow: 8_192 });
    expect(readContextOverflow({ status: 400, message: 'the request exceeds the available context size, try increasing it', body: { n_ctx: 2_048 } })).toEqual({ contextWindow: 2_048 });
    expect(readContextOverflow({ status: 413, message: 'Payload Too Large' })).toEqual({});
    expect(readContextOverflow({ status: 400, message: 'Invalid value for temperature' })).toBeUndefined();
  });
});

describe('asking the server for its window', () => {
  const CASES: [LocalServerKind, string][] = [
    ['vllm', 'vllm'],
    ['llamacpp', 'llamacpp'],
    ['ollama', 'ollama'],
    ['lm_studio', 'lm_studio'],
  ];

  test.each(CASES)('%s says its window; the model uses it instead of 128k', async (kind, provider) => {
    await using fake = await startFakeOpenAI({ models: ['qwen2.5-coder'], server: { kind, contextWindow: 16_384 } });
    const model = createOpenAIModel({ model: 'qwen2.5-coder', provider, baseURL: fake.baseURL, apiKey: 'none' });
    expect(model.info.contextWindow).toBe(128_000);
    const info = await model.probeInfo();
    expect(info.contextWindow).toBe(16_384);
    expect(model.info).toMatchObject({ contextWindow: 16_384, maxOutputTokens: 4_096 });
  });

  test('Ollama: the num_ctx requests get wins over the trained length', async () => {
    await using fake = await startFakeOpenAI({ models: ['llama3.1'], server: { kind: 'ollama', contextWindow: 131_072, ollamaNumCtx: 8_192 } });
    expect(await probeContextWindow({ provider: 'ollama', model: 'llama3.1', baseURL: fake.baseURL, fetch: globalThis.fetch })).toBe(8_192);
  });

  test('the first request asks first, once; an explicit window or a server that cannot say is left alone', async () => {
    await using fake = await startFakeOpenAI({ models: ['m'], server: { kind: 'vllm', contextWindow: 32_768 } });
    const model = createOpenAIModel({ model: 'm', provider: 'vllm', baseURL: fake.baseURL, apiKey: 'none' });
    await collect(model.stream(userRequest('hello', { maxOutputTokens: 8_192 })));
    await collect(model.stream(userRequest('again')));
    expect(model.info.contextWindow).toBe(32_768);
    expect(fake.requests.filter((request) => request.path === '/v1/models')).toHaveLength(1);

    const explicit = createOpenAIModel({ model: 'm', provider: 'vllm', baseURL: fake.baseURL, apiKey: 'none', info: { contextWindow: 20_000 } });
    expect((await explicit.probeInfo()).contextWindow).toBe(20_000);

    await using silent = await startFakeOpenAI({ models: ['m'] });
    const unknown = createOpenAIModel({ model: 'm', provider: 'llamacpp', baseURL: silent.baseURL, apiKey: 'none' });
    expect((await unknown.probeInfo()).contextWindow).toBe(128_000);
  });

  test('a learned small window keeps the first request inside it', async () => {
    await using fake = await startFakeOpenAI({ models: ['m'], server: { kind: 'vllm', contextWindow: 4_096 } });
    const model = createOpenAIModel({ model: 'm', provider: 'vllm', baseURL: fake.baseURL, apiKey: 'none' });
    // Built with the assumed window's reserve (8192 output tokens): more than the whole window.
    const answer = await collect(model.stream(userRequest('hello', { maxOutputTokens: 8_192 })));
    expect(answer.finish).toBe('stop');
    expect(fake.modelRequests[0]?.json).toMatchObject({ max_tokens: 1_024 });
  });
});

describe('a session on a small local window', () => {
  /** Eight questions, each answered at length (about 1,500 tokens), against a vLLM that holds 12,000 tokens. */
  async function run(probe: boolean) {
    let answers = 0;
    await using fake = await startFakeOpenAI({
      models: ['m'],
      server: { kind: 'vllm', contextWindow: 12_000 },
      steps: (context) => {
        if (JSON.stringify(context.body.messages ?? []).includes('You compress')) return { text: '## Goal\nanswer questions\n## Done\nearlier answers' };
        answers += 1;
        return { text: `answer ${answers}: ${'lorem ipsum dolor sit amet '.repeat(220)}` };
      },
    });
    const model = createOpenAIModel({ model: 'm', provider: 'vllm', baseURL: fake.baseURL, apiKey: 'none', probeContextWindow: probe });
    if (probe) await model.probeInfo();
    const session = createSession({ model, tools: [] });
    const events: AgentEvent[] = [];
    session.subscribe((event) => events.push(event));
    const outcomes = [];
    for (let question = 1; question <= 8; question += 1) outcomes.push(await session.run(`question ${question}`));
    await session.close();
    const triggers = events.filter((event) => event.type === 'compacted').map((event) => (event as { trigger: string }).trigger);
    return { outcomes, events, triggers };
  }

  test('an overflow reported by vLLM compacts and the turn goes on (no window known beforehand)', async () => {
    const { outcomes, triggers } = await run(false);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(8).fill('completed'));
    expect(triggers).toContain('overflow');
  });

  test('with the window asked up front, compaction runs before the server has to refuse', async () => {
    const { outcomes, triggers } = await run(true);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(8).fill('completed'));
    expect(triggers.length).toBeGreaterThan(0);
    expect(triggers).not.toContain('overflow');
  });
});
