import { ConfigError, parseModelId, resolveModel } from '@ml-intern/core';
import { startFakeOpenAI } from '@ml-intern/testing';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { collect, userRequest } from './collect-stream.test-helper.js';
import { openAIModelFactory, resolveOpenAIEndpoint } from './index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

function modelFor(id: string, env: Record<string, string | undefined>) {
  return resolveModel(id, { factories: { openai: openAIModelFactory({ env }) } });
}

describe('routing by model id', () => {
  test('openai/ goes to OPENAI_BASE_URL with OPENAI_API_KEY; reasoning models use the Responses API', async () => {
    await using fake = await startFakeOpenAI({ apiKey: 'sk-proj-exact' });
    const env = { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-proj-exact' };
    await collect(modelFor('openai/gpt-4.1', env).stream(userRequest('a')));
    await collect(modelFor('openai/gpt-5.5', env).stream(userRequest('b')));
    expect(fake.modelRequests.map((request) => [request.path, (request.json as { model: string }).model])).toEqual([
      ['/v1/chat/completions', 'gpt-4.1'],
      ['/v1/responses', 'gpt-5.5'],
    ]);
  });

  test('huggingface/ goes to the router with HF_TOKEN as bearer and keeps the :fastest suffix', async () => {
    await using fake = await startFakeOpenAI({ apiKey: 'hf_exact_token' });
    const model = modelFor('huggingface/Qwen/Qwen3-Coder-480B-A35B-Instruct:fastest', { HF_TOKEN: 'hf_exact_token', HF_ROUTER_BASE_URL: fake.baseURL });
    const answer = await collect(model.stream(userRequest('a')));
    expect(answer.text).toBe('OK.');
    expect(model.id).toBe('huggingface/Qwen/Qwen3-Coder-480B-A35B-Instruct:fastest');
    const [request] = fake.modelRequests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toMatch(/^Bearer hf_exa/);
    expect((request?.json as { model: string }).model).toBe('Qwen/Qwen3-Coder-480B-A35B-Instruct:fastest');
  });

  test('huggingface/ OpenAI models stay on Chat Completions (the router has no Responses API)', async () => {
    await using fake = await startFakeOpenAI();
    await collect(modelFor('huggingface/openai/gpt-oss-120b:cerebras', { HF_TOKEN: 'hf_x', HF_ROUTER_BASE_URL: fake.baseURL }).stream(userRequest('a', { reasoningEffort: 'max' })));
    expect(fake.modelRequests[0]?.path).toBe('/v1/chat/completions');
    expect(fake.modelRequests[0]?.json).toMatchObject({ model: 'openai/gpt-oss-120b:cerebras', reasoning_effort: 'high' });
  });

  test.each([
    ['ollama/llama3.1:8b', 'OLLAMA_BASE_URL', (url: string) => url, 'llama3.1:8b'],
    ['vllm/Qwen/Qwen2.5-7B-Instruct', 'VLLM_BASE_URL', (url: string) => `${url}/v1/`, 'Qwen/Qwen2.5-7B-Instruct'],
    ['lm_studio/qwen2.5-coder', 'LM_STUDIO_BASE_URL', (url: string) => `${url}/`, 'qwen2.5-coder'],
    ['lmstudio/phi-4', 'LMSTUDIO_BASE_URL', (url: string) => url, 'phi-4'],
    ['llamacpp/local-gguf', 'LLAMACPP_BASE_URL', (url: string) => `${url}/v1`, 'local-gguf'],
  ])('%s goes to %s with /v1 appended and a placeholder key', async (id, variable, address, wireModel) => {
    await using fake = await startFakeOpenAI();
    await collect(modelFor(id, { [variable]: address(fake.url) }).stream(userRequest('a')));
    const [request] = fake.modelRequests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect((request?.json as { model: string }).model).toBe(wireModel);
    expect(request?.headers.authorization).toMatch(/^Bearer not-ne/);
  });

  test('a local server key is sent when configured', async () => {
    await using fake = await startFakeOpenAI({ apiKey: 'vllm-secret' });
    const answer = await collect(modelFor('vllm/my-model', { VLLM_BASE_URL: fake.url, VLLM_API_KEY: 'vllm-secret' }).stream(userRequest('a')));
    expect(answer.finish).toBe('stop');
  });

  test('local servers default to their standard ports; the HF router to router.huggingface.co', () => {
    const endpoint = (id: string, env: Record<string, string> = {}) => resolveOpenAIEndpoint(parseModelId(id), env).baseURL;
    expect(endpoint('ollama/x')).toBe('http://localhost:11434/v1');
    expect(endpoint('vllm/x')).toBe('http://localhost:8000/v1');
    expect(endpoint('lm_studio/x')).toBe('http://localhost:1234/v1');
    expect(endpoint('llamacpp/x')).toBe('http://localhost:8080/v1');
    expect(endpoint('huggingface/org/model', { HF_TOKEN: 'hf_x' })).toBe('https://router.huggingface.co/v1');
    expect(endpoint('openai/gpt-4.1', { OPENAI_API_KEY: 'sk-x' })).toBe('https://api.openai.com/v1');
  });

  test('OpenAI organization and project headers go only to OpenAI, even when the process sets them', async () => {
    vi.stubEnv('OPENAI_ORG_ID', 'org-from-process');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-from-process');
    await using fake = await startFakeOpenAI();
    await collect(modelFor('huggingface/org/model', { HF_TOKEN: 'hf_x', HF_ROUTER_BASE_URL: fake.baseURL }).stream(userRequest('a')));
    await collect(modelFor('ollama/llama3', { OLLAMA_BASE_URL: fake.url }).stream(userRequest('b')));
    await collect(modelFor('openai/gpt-4.1', { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-x', OPENAI_ORG_ID: 'org-env' }).stream(userRequest('c')));
    const [router, ollama, openai] = fake.modelRequests;
    expect(router?.headers['openai-organization']).toBeUndefined();
    expect(router?.headers['openai-project']).toBeUndefined();
    expect(ollama?.headers['openai-organization']).toBeUndefined();
    expect(openai?.headers['openai-organization']).toBe('org-env');
  });

  test('window and prices come from the catalog through resolveModel', () => {
    const model = resolveModel('openai/gpt-4.1-mini', {
      factories: { openai: openAIModelFactory({ env: { OPENAI_API_KEY: 'sk-x' } }) },
      catalog: { 'gpt-4.1-mini': { context_window: 1_047_576, max_output_tokens: 32_768, pricing: { input: 0.4, output: 1.6, cache_read: 0.1 } } },
    });
    expect(model.id).toBe('openai/gpt-4.1-mini');
    expect(model.info).toEqual({ contextWindow: 1_047_576, maxOutputTokens: 32_768, pricing: { input: 0.4, output: 1.6, cacheRead: 0.1 }, imageInput: { maxBytes: 20 * 1024 * 1024, downscaleTo: { longEdge: 2048, shortEdge: 768 } } });
  });
});

describe('missing configuration', () => {
  test('openai/ without OPENAI_API_KEY is a ConfigError that says how to set it', () => {
    const error = (() => {
      try {
        modelFor('openai/gpt-4.1', {});
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/OPENAI_API_KEY is not set.*export OPENAI_API_KEY=/s);
  });

  test('openai/ against a loopback OPENAI_BASE_URL needs no key', async () => {
    await using fake = await startFakeOpenAI();
    const answer = await collect(modelFor('openai/gpt-4.1', { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: '' }).stream(userRequest('a')));
    expect(answer.finish).toBe('stop');
  });

  test('huggingface/ without HF_TOKEN is a ConfigError naming HF_TOKEN; HUGGING_FACE_HUB_TOKEN also works', () => {
    expect(() => modelFor('huggingface/org/model', {})).toThrow(ConfigError);
    expect(() => modelFor('huggingface/org/model', {})).toThrow(/HF_TOKEN is not set.*huggingface\.co\/settings\/tokens/s);
    expect(modelFor('huggingface/org/model', { HUGGING_FACE_HUB_TOKEN: 'hf_legacy' }).id).toBe('huggingface/org/model');
  });

  test('local servers need no key', () => {
    expect(modelFor('ollama/llama3', {}).id).toBe('ollama/llama3');
  });

  test('an anthropic/ route is refused: it belongs to provider-anthropic', () => {
    const factory = openAIModelFactory({ env: {} });
    expect(() => factory(parseModelId('anthropic/claude-opus-4-6'), { contextWindow: 1, maxOutputTokens: 1 })).toThrow(ConfigError);
  });
});
