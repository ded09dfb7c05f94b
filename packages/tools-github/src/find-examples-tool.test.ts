import { runTool } from '@ml-intern/core/testing';
import { startFakeGitHub } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { REPOSITORIES, TOKEN } from './__fixtures__/github-repositories.js';
import { startFixtureGitHub } from './__fixtures__/start-fixture-github.js';
import { createGitHubFindExamplesTool } from './find-examples-tool.js';

const github = await startFixtureGitHub();

const tool = () => createGitHubFindExamplesTool({ token: TOKEN, apiUrl: github.url });

function listedPaths(output: string): string[] {
  return [...output.matchAll(/^- (\S+)/gm)].map((match) => match[1]!);
}

describe('github_find_examples', () => {
  it('ranks example files by keyword, defaulting the owner to huggingface', async () => {
    const result = await runTool(tool(), { repo: 'trl', keyword: 'sft' });
    expect(result.isError).toBe(false);
    const paths = listedPaths(result.output);
    expect(paths[0]).toBe('examples/scripts/sft.py');
    expect(paths).toContain('examples/notebooks/sft_lora_tutorial.ipynb');
    expect(paths).not.toContain('trl/trainer/sft_trainer.py');
    expect(paths).not.toContain('tests/test_sft_trainer.py');
    expect(result.output).toContain('https://github.com/huggingface/trl/blob/main/examples/scripts/sft.py');
    expect(result.output).toContain('huggingface/trl (branch main)');
  });

  it('asks GitHub once for the repository (GraphQL) and once for the recursive tree (REST), with the token', async () => {
    await runTool(tool(), { repo: 'huggingface/trl', keyword: 'dpo' });
    expect(github.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /graphql',
      'GET /repos/huggingface/trl/git/trees/main?recursive=1',
    ]);
    expect(github.requests[0]!.headers.authorization).toMatch(/^bearer ghp_fi/);
    expect(github.requests[0]!.json).toMatchObject({ variables: { owner: 'huggingface', name: 'trl' } });
  });

  it('tolerates typos in the keyword', async () => {
    const result = await runTool(tool(), { repo: 'trl', keyword: 'gpro' });
    expect(listedPaths(result.output)[0]).toBe('examples/scripts/grpo.py');
  });

  it('lists every example file without a keyword, shallow paths first and binaries skipped', async () => {
    const result = await runTool(tool(), { repo: 'https://github.com/huggingface/trl.git' });
    expect(listedPaths(result.output)).toEqual([
      'examples/notebooks/sft_lora_tutorial.ipynb',
      'examples/scripts/dpo.py',
      'examples/scripts/grpo.py',
      'examples/scripts/sft.py',
      'examples/research_projects/stack_llama/scripts/reward_modeling.py',
    ]);
  });

  it('falls back to the whole repository when no example file matches', async () => {
    const result = await runTool(tool(), { repo: 'trl', keyword: 'peft' });
    expect(result.output).toContain('no example file matched');
    expect(listedPaths(result.output)[0]).toBe('docs/source/lora_tuning_peft.md');
  });

  it('says so when nothing matches at all', async () => {
    const result = await runTool(tool(), { repo: 'trl', keyword: 'zzzzqqq' });
    expect(result.output).toContain('No files matching "zzzzqqq" in huggingface/trl');
  });

  it('suggests similar repositories of the owner on a 404', async () => {
    const result = await runTool(tool(), { repo: 'transfomers' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('Repository huggingface/transfomers was not found');
    expect(result.output).toMatch(/Similar repositories:\n- huggingface\/transformers \(★ 150,000\)/);
  });

  it('suggests repositories of other owners found by name', async () => {
    const result = await runTool(tool(), { repo: 'someone/trl' });
    expect(result.output).toContain('Repository someone/trl was not found');
    expect(result.output).toContain('- huggingface/trl (★ 15,000)');
    expect(result.output).toContain('- someone/trl-experiments');
  });

  it('reports the reset time when GraphQL is rate limited', async () => {
    github.setRateLimit({ resetAt: new Date('2030-01-02T03:04:05Z') });
    const result = await runTool(tool(), { repo: 'trl', keyword: 'sft' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('GitHub API rate limit exceeded for the "graphql" resource (limit 5000)');
    expect(result.output).toContain('It resets at 2030-01-02T03:04:05.000Z');
  });

  it('notes a truncated tree', async () => {
    await using truncating = await startFakeGitHub({ repositories: REPOSITORIES, truncateTrees: true });
    const result = await runTool(createGitHubFindExamplesTool({ token: TOKEN, apiUrl: truncating.url }), { repo: 'trl', keyword: 'sft' });
    expect(result.output).toContain('GitHub returned only part of its file tree');
  });
});
