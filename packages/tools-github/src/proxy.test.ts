import { runTool } from '@ml-intern/core/testing';
import { startFakeProxy } from '@ml-intern/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { TOKEN } from './__fixtures__/github-repositories.js';
import { startFixtureGitHub } from './__fixtures__/start-fixture-github.js';
import { createGitHubFindExamplesTool } from './find-examples-tool.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

it('GitHub requests go through HTTP_PROXY by default', async () => {
  const github = await startFixtureGitHub();
  const port = Number(new URL(github.url).port);
  await using proxy = await startFakeProxy({ route: () => ({ host: '127.0.0.1', port }) });
  vi.stubEnv('HTTP_PROXY', proxy.url);
  const result = await runTool(createGitHubFindExamplesTool({ token: TOKEN, apiUrl: 'http://github.example.test' }), { repo: 'trl', keyword: 'sft' });
  expect(result.isError).toBe(false);
  expect(proxy.requests.length).toBeGreaterThan(0);
  expect(proxy.requests.every((request) => request.target.startsWith('http://github.example.test/'))).toBe(true);
});
