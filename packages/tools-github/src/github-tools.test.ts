import { runTool } from '@ml-intern/core/testing';
import { startFakeGitHub } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { TOKEN } from './__fixtures__/github-repositories.js';
import { startFixtureGitHub } from './__fixtures__/start-fixture-github.js';
import { describeRateLimit } from './github-errors.js';
import { githubTools } from './github-tools.js';

const github = await startFixtureGitHub();

const ARGUMENTS: Record<string, Record<string, unknown>> = {
  github_find_examples: { repo: 'trl', keyword: 'sft' },
  github_list_repos: { owner: 'huggingface' },
  github_read_file: { repo: 'huggingface/trl', path: 'README.md' },
  github_search_code: { query: 'SFTTrainer' },
};

describe('githubTools', () => {
  it('bundles the four read-only tools', () => {
    const tools = githubTools({ token: TOKEN });
    expect(tools.map((tool) => tool.name)).toEqual(['github_find_examples', 'github_list_repos', 'github_read_file', 'github_search_code']);
    expect(tools.every((tool) => tool.readOnly === true)).toBe(true);
  });

  it('lists the tools without a token and explains how to set one, without calling GitHub', async () => {
    for (const tool of githubTools({ apiUrl: github.url })) {
      const result = await runTool(tool, ARGUMENTS[tool.name]!);
      expect(result.isError).toBe(true);
      expect(result.output).toContain(`${tool.name} needs a GitHub token`);
      expect(result.output).toContain('GITHUB_TOKEN');
    }
    expect(github.requests).toHaveLength(0);
  });

  it('reports a rejected token without echoing it', async () => {
    for (const tool of githubTools({ token: 'ghp_wrong_token_value', apiUrl: github.url })) {
      const result = await runTool(tool, ARGUMENTS[tool.name]!);
      expect(result.output).toContain('GitHub rejected the token (401 Bad credentials)');
      expect(result.output).not.toContain('ghp_wrong_token_value');
    }
  });

  it('works against a GitHub Enterprise Server API URL (REST under /api/v3, GraphQL at /api/graphql)', async () => {
    const [findExamples] = githubTools({ token: TOKEN, apiUrl: github.enterpriseApiUrl });
    const result = await runTool(findExamples!, { repo: 'trl', keyword: 'sft' });
    expect(result.output).toContain('examples/scripts/sft.py');
    expect(github.requests.map((request) => request.path)).toEqual(['/api/graphql', '/api/v3/repos/huggingface/trl/git/trees/main']);
  });

  it('sends every request through the fetch option', async () => {
    const seen: string[] = [];
    const countingFetch: typeof fetch = async (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    for (const tool of githubTools({ token: TOKEN, apiUrl: github.url, fetch: countingFetch })) await runTool(tool, ARGUMENTS[tool.name]!);
    expect(seen).toHaveLength(github.requests.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  it('reports an unreachable API', async () => {
    const closed = await startFakeGitHub();
    await closed.close();
    const [, listRepos] = githubTools({ token: TOKEN, apiUrl: closed.url });
    const result = await runTool(listRepos!, { owner: 'huggingface' });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining(`Could not reach the GitHub API at ${closed.url}`) });
  });
});

describe('describeRateLimit', () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);

  it('gives the reset time and how long that is', () => {
    const message = describeRateLimit({ 'x-ratelimit-reset': String(now / 1000 + 25 * 60), 'x-ratelimit-resource': 'core', 'x-ratelimit-limit': '60' }, now);
    expect(message).toBe(
      'GitHub API rate limit exceeded for the "core" resource (limit 60). It resets at 2030-01-01T12:25:00.000Z (in 25 minutes). Wait until then or use another tool meanwhile; an authenticated token has higher limits.',
    );
  });

  it('uses retry-after for secondary limits', () => {
    expect(describeRateLimit({ 'retry-after': '90' }, now)).toBe(
      'GitHub API rate limit exceeded. GitHub asks to retry after 90 seconds, at 2030-01-01T12:01:30.000Z (in 2 minutes).',
    );
  });
});
