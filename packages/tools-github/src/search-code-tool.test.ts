import { runTool } from '@ml-intern/core/testing';
import { describe, expect, it } from 'vitest';
import { TOKEN } from './__fixtures__/github-repositories.js';
import { startFixtureGitHub } from './__fixtures__/start-fixture-github.js';
import { composeCodeQuery, createGitHubSearchCodeTool } from './search-code-tool.js';

const github = await startFixtureGitHub();

const tool = () => createGitHubSearchCodeTool({ token: TOKEN, apiUrl: github.url });

describe('github_search_code', () => {
  it('composes qualifiers into the query', () => {
    expect(composeCodeQuery({ query: 'SFTTrainer', repo: 'huggingface/trl', language: 'jupyter notebook', path: 'examples', extension: '.py' })).toBe(
      'SFTTrainer repo:huggingface/trl language:"jupyter notebook" path:examples extension:py',
    );
  });

  it('returns files with fragments through the REST code search', async () => {
    const result = await runTool(tool(), { query: 'SFTTrainer', owner: 'huggingface', language: 'python', limit: 5 });
    expect(result.isError).toBe(false);
    const request = github.requests[0]!;
    expect(request.path).toBe('/search/code');
    expect(new URL(request.url, 'http://x').searchParams.get('q')).toBe('SFTTrainer user:huggingface language:python');
    expect(new URL(request.url, 'http://x').searchParams.get('per_page')).toBe('5');
    expect(request.headers.accept).toBe('application/vnd.github.text-match+json');
    expect(result.output).toContain('2 of 2 code results for `SFTTrainer user:huggingface language:python`');
    expect(result.output).toContain('1. huggingface/trl: examples/scripts/sft.py\n   https://github.com/huggingface/trl/blob/main/examples/scripts/sft.py');
    expect(result.output).toContain('   │ from trl import SFTConfig, SFTTrainer');
    expect(result.output).toContain('huggingface/trl: trl/trainer/sft_trainer.py');
  });

  it('says when nothing matches', async () => {
    const result = await runTool(tool(), { query: 'NoSuchSymbolAnywhere' });
    expect(result.output).toContain('No code found for `NoSuchSymbolAnywhere`');
  });

  it('reports the code search rate limit and when it resets (429)', async () => {
    github.setRateLimit({ resetAt: Date.UTC(2030, 0, 1, 0, 1, 0) / 1000, status: 429 });
    const result = await runTool(tool(), { query: 'SFTTrainer' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('GitHub API rate limit exceeded for the "code_search" resource (limit 10)');
    expect(result.output).toContain('It resets at 2030-01-01T00:01:00.000Z');
  });
});
