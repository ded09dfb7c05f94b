import { runTool, temporaryDirectories } from '@ml-intern/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { hfTools, type HfToolName } from './hf-tools.js';

// Read-only calls against the real Hub, arXiv and dataset viewer; opt in with ML_INTERN_LIVE=1 and HF_TOKEN.
const live = process.env.ML_INTERN_LIVE === '1' && Boolean(process.env.HF_TOKEN);

describe.skipIf(!live)('live Hugging Face tools (read-only)', () => {
  // Made only when the suite runs: a skipped suite is still collected, and runs no hooks.
  const directories = temporaryDirectories();
  afterAll(() => directories.removeAll());
  const tools = hfTools({
    token: process.env.HF_TOKEN,
    ...(process.env.HF_ENDPOINT ? { hubUrl: process.env.HF_ENDPOINT } : {}),
    ...(live ? { cacheDir: directories.make('ml-intern-hf-live-') } : {}),
  });
  const tool = (name: HfToolName) => tools.find((one) => one.name === name) as (typeof tools)[number];
  const call = async (name: HfToolName, args: Record<string, unknown>) => {
    const result = await runTool(tool(name), args);
    expect(result.isError, result.output).toBe(false);
    expect(result.output).not.toContain(process.env.HF_TOKEN as string);
    return result.output;
  };

  test('docs: list, search and fetch', { timeout: 180_000 }, async () => {
    expect(await call('explore_hf_docs', { endpoint: 'trl' })).toMatch(/trl documentation \(\d+ pages\)/);
    expect(await call('fetch_hf_docs', { url: 'https://huggingface.co/docs/trl/sft_trainer' })).toContain('SFT');
  });

  test('Hub API spec search', { timeout: 60_000 }, async () => {
    expect(await call('find_hf_api', { query: 'list models' })).toContain('/api/models');
  });

  test('papers: search, details and a section of an arXiv paper', { timeout: 90_000 }, async () => {
    expect(await call('hf_papers', { operation: 'search', query: 'direct preference optimization', limit: 3 })).toContain('arxiv_id');
    expect(await call('hf_papers', { operation: 'paper_details', arxiv_id: '2305.18290' })).toContain('Direct Preference Optimization');
    expect(await call('hf_papers', { operation: 'read_paper', arxiv_id: '2305.18290' })).toContain('## Sections');
  });

  test('dataset viewer', { timeout: 60_000 }, async () => {
    const output = await call('hf_inspect_dataset', { dataset: 'stanfordnlp/imdb', sample_rows: 1 });
    expect(output).toContain('## Schema');
    expect(output).toContain('label');
    expect(output).toContain('## Training format');
    expect(await call('hf_inspect_dataset', { operation: 'statistics', dataset: 'stanfordnlp/imdb' })).toContain('- label (class_label)');
    expect(await call('hf_inspect_dataset', { operation: 'rows', dataset: 'stanfordnlp/imdb', offset: 10, length: 2 })).toContain('Rows 11–12 of 25,000');
    expect(await call('hf_inspect_dataset', { operation: 'filter', dataset: 'stanfordnlp/imdb', where: '"label" = 1', length: 1 })).toContain('Row ');
  });

  test('Hub search: filters, gated, details', { timeout: 60_000 }, async () => {
    const models = await call('hf_hub_search', { query: 'qwen2.5', task: 'text-generation', library: 'transformers', license: 'apache-2.0', limit: 5 });
    expect(models).toContain('Qwen/Qwen2.5-');
    expect(await call('hf_hub_search', { author: 'meta-llama', gated: true, limit: 3 })).toContain('gated');
    expect(await call('hf_hub_search', { kind: 'dataset', task: 'text-generation', language: 'en', sort: 'trending', limit: 3 })).toContain('1. ');
    const details = await call('hf_hub_search', { operation: 'details', repo_id: 'Qwen/Qwen2.5-0.5B-Instruct' });
    expect(details).toContain('Base model: Qwen/Qwen2.5-0.5B');
    expect(details).toContain('license: apache-2.0');
  });

  test('repo files and refs', { timeout: 60_000 }, async () => {
    expect(await call('hf_repo_files', { operation: 'list', repo_id: 'openai-community/gpt2' })).toContain('config.json');
    expect(await call('hf_repo_files', { operation: 'read', repo_id: 'openai-community/gpt2', path: 'config.json' })).toContain('n_embd');
    expect(await call('hf_repo_git', { operation: 'list_refs', repo_id: 'openai-community/gpt2' })).toContain('main');
  });
});
