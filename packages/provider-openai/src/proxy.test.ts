import { startFakeOpenAI, startFakeProxy } from '@ml-intern/testing';
import { afterEach, expect, test, vi } from 'vitest';
import { collect, userRequest } from './collect-stream.test-helper.js';
import { createOpenAIModel } from './index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

test('createOpenAIModel from a script goes through HTTP_PROXY by default', async () => {
  await using upstream = await startFakeOpenAI({ fallbackText: 'via the proxy' });
  const port = Number(new URL(upstream.url).port);
  await using proxy = await startFakeProxy({ route: () => ({ host: '127.0.0.1', port }) });
  vi.stubEnv('HTTP_PROXY', proxy.url);
  // A name only the proxy can reach.
  const model = createOpenAIModel({ model: 'm', provider: 'vllm', baseURL: 'http://gpu-box.example.test:8000/v1', apiKey: 'none', probeContextWindow: false });
  const answer = await collect(model.stream(userRequest('hello')));
  expect(answer.text).toBe('via the proxy');
  expect(proxy.requests.map((request) => `${request.method} ${request.target}`)).toEqual(['POST http://gpu-box.example.test:8000/v1/chat/completions']);
});
