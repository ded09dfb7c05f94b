import { runTool } from '@ml-intern/core/testing';
import { describe, expect, it } from 'vitest';
import { TOKEN } from './__fixtures__/github-repositories.js';
import { startFixtureGitHub } from './__fixtures__/start-fixture-github.js';
import { createGitHubListReposTool } from './list-repos-tool.js';

const github = await startFixtureGitHub();

const tool = () => createGitHubListReposTool({ token: TOKEN, apiUrl: github.url });

function listedNames(output: string): string[] {
  return [...output.matchAll(/^\d+\. (\S+)/gm)].map((match) => match[1]!);
}

describe('github_list_repos', () => {
  it('lists an owner’s repositories by stars, forks excluded, with their facts', async () => {
    const result = await runTool(tool(), { owner: 'huggingface' });
    expect(result.isError).toBe(false);
    expect(listedNames(result.output)).toEqual(['huggingface/transformers', 'huggingface/datasets', 'huggingface/peft', 'huggingface/trl']);
    expect(result.output).toContain('huggingface: 4 of 4 repositories, sorted by stars (desc):');
    expect(result.output).toContain('1. huggingface/transformers (★ 150,000 · forks 30,000 · Python · updated 2026-03-01)');
    expect(result.output).toContain('   State-of-the-art machine learning');
    expect(github.requests[0]!.json).toMatchObject({ variables: { owner: 'huggingface', first: 30, field: 'STARGAZERS', direction: 'DESC', isFork: false } });
  });

  it('sorts by name ascending and honours the limit', async () => {
    const result = await runTool(tool(), { owner: 'huggingface', sort: 'name', limit: 2 });
    expect(listedNames(result.output)).toEqual(['huggingface/datasets', 'huggingface/peft']);
    expect(result.output).toContain('2 of 4 repositories, sorted by name (asc)');
  });

  it('sorts by update time and can include forks', async () => {
    const result = await runTool(tool(), { owner: 'huggingface', sort: 'updated', include_forks: true, limit: 3 });
    expect(listedNames(result.output)).toEqual(['huggingface/transformers', 'huggingface/peft', 'huggingface/datasets']);
    const all = await runTool(tool(), { owner: 'huggingface', sort: 'stars', include_forks: true });
    expect(all.output).toContain('huggingface/transformers-fork (★ 5 · forks 40,000 · Python · updated');
    expect(all.output).toContain('· fork)');
  });

  it('sorts by forks through repository search', async () => {
    const result = await runTool(tool(), { owner: 'huggingface', sort: 'forks', order: 'asc' });
    expect(listedNames(result.output)).toEqual(['huggingface/peft', 'huggingface/trl', 'huggingface/datasets', 'huggingface/transformers']);
    expect(github.requests[0]!.json).toMatchObject({ variables: { search: 'user:huggingface sort:forks-asc' } });
  });

  it('reports an unknown owner', async () => {
    const result = await runTool(tool(), { owner: 'no-such-owner' });
    expect(result).toMatchObject({ isError: true, output: 'No GitHub user or organization named "no-such-owner".' });
  });

  it('reports the reset time of an HTTP 403 rate limit', async () => {
    github.setRateLimit({ resetAt: Date.UTC(2031, 5, 1, 12, 0, 0) / 1000, graphqlStyle: 'http' });
    const result = await runTool(tool(), { owner: 'huggingface' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('GitHub API rate limit exceeded for the "graphql" resource');
    expect(result.output).toContain('It resets at 2031-06-01T12:00:00.000Z');
  });
});
