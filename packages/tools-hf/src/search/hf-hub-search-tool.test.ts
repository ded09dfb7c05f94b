import { runTool, type FakeRepoSeed } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfHubSearchTool } from './hf-hub-search-tool.js';
import { baseModels, cardSummary } from './hub-search-format.js';

const LORA_CARD = `---
license: apache-2.0
base_model: Qwen/Qwen2.5-0.5B-Instruct
datasets:
  - HuggingFaceH4/ultrachat_200k
language:
  - en
---
<!-- generated -->
# qwen-lora

A LoRA adapter trained with TRL SFT on UltraChat.



## Usage
Load it with peft.
`;

const REPOS: FakeRepoSeed[] = [
  { type: 'model', id: 'Qwen/Qwen2.5-0.5B-Instruct', downloads: 500_000, likes: 300, trendingScore: 50, pipeline_tag: 'text-generation', library_name: 'transformers', tags: ['transformers', 'safetensors', 'en', 'license:apache-2.0'], lastModified: '2024-09-20T00:00:00.000Z', files: { 'README.md': '# Qwen2.5-0.5B-Instruct\n', 'model.safetensors': 'x'.repeat(2_000), 'config.json': '{}' } },
  { type: 'model', id: 'Qwen/Qwen2.5-7B', downloads: 900_000, likes: 800, trendingScore: 10, pipeline_tag: 'text-generation', library_name: 'transformers', tags: ['transformers', 'en', 'license:apache-2.0'], files: { 'README.md': '# Qwen2.5-7B\n' } },
  { type: 'model', id: 'Qwen/Qwen2.5-VL-3B', downloads: 400_000, likes: 90, pipeline_tag: 'image-text-to-text', library_name: 'transformers', tags: ['transformers', 'en', 'license:apache-2.0'], files: {} },
  { type: 'model', id: 'meta-llama/Llama-3.2-1B', gated: 'manual', downloads: 800_000, likes: 900, trendingScore: 30, pipeline_tag: 'text-generation', library_name: 'transformers', tags: ['transformers', 'en', 'license:llama3.2'], files: { 'README.md': '---\nlicense: llama3.2\n---\n# Llama 3.2\n', 'model.safetensors': 'weights' } },
  { type: 'model', id: 'tester/qwen-lora', downloads: 12, likes: 1, library_name: 'peft', tags: ['peft', 'base_model:adapter:Qwen/Qwen2.5-0.5B-Instruct', 'dataset:HuggingFaceH4/ultrachat_200k', 'license:apache-2.0'], files: { 'README.md': LORA_CARD, 'adapter_model.safetensors': 'a'.repeat(5_000), 'adapter_config.json': '{}' } },
  { type: 'dataset', id: 'HuggingFaceH4/ultrachat_200k', downloads: 70_000, likes: 500, tags: ['task_categories:text-generation', 'language:en', 'license:mit', 'size_categories:100K<n<1M'], description: 'A filtered UltraChat with 200k dialogues.', files: { 'README.md': '---\nlicense: mit\ntask_categories:\n- text-generation\n---\n# UltraChat 200k\n' } },
  { type: 'dataset', id: 'someone/french-chat', downloads: 900, likes: 4, tags: ['task_categories:text-generation', 'language:fr', 'license:mit'], files: {} },
  { type: 'space', id: 'someone/chat-arena', likes: 40, sdk: 'gradio', tags: ['gradio'], cardData: { title: 'Chat arena', short_description: 'Compare chat models side by side' }, files: { 'app.py': 'import gradio' } },
];

async function setupHub() {
  return startTestHub({ seed: { repos: REPOS } });
}

describe('hf_hub_search search', () => {
  test('sends the Hub listing parameters the library uses and orders models by downloads', async () => {
    await using setup = await setupHub();
    const tool = createHfHubSearchTool(setup.options);
    const result = await runTool(tool, { kind: 'model', query: 'qwen', task: 'text-generation', library: 'transformers', language: 'en', license: 'apache-2.0', limit: 10 });
    expect(result.isError).toBe(false);
    const output = result.output;
    expect(output).toContain('# models matching "qwen", task text-generation, library transformers, language en, license apache-2.0, by downloads');
    expect(output.indexOf('1. Qwen/Qwen2.5-7B')).toBeGreaterThan(0);
    expect(output.indexOf('2. Qwen/Qwen2.5-0.5B-Instruct')).toBeGreaterThan(output.indexOf('1. Qwen/Qwen2.5-7B'));
    expect(output).toContain('2. Qwen/Qwen2.5-0.5B-Instruct — text-generation | transformers | 500,000 downloads | 300 likes | license apache-2.0 | updated 2024-09-20');
    expect(output).toContain(`   ${setup.hub.hubUrl}/Qwen/Qwen2.5-0.5B-Instruct`);
    expect(output).not.toContain('VL-3B');
    expect(output).not.toContain('Llama');
    const [request] = requestsTo(setup.hub, /^\/api\/models$/);
    const query = new URL(request?.url ?? '', 'http://x').searchParams;
    expect(query.get('search')).toBe('qwen');
    expect(query.get('pipeline_tag')).toBe('text-generation');
    expect(query.getAll('filter')).toEqual(['transformers', 'en', 'license:apache-2.0']);
    expect(query.get('sort')).toBe('downloads');
    expect(query.get('limit')).toBe('10');
    expect(query.getAll('expand')).toEqual(expect.arrayContaining(['downloads', 'likes', 'gated', 'library_name', 'tags']));
    expect(request?.headers.authorization).toMatch(/^Bearer hf_/);
  });

  test('filters gated repos on the Hub side, sorts by trending and honours the limit', async () => {
    await using setup = await setupHub();
    const tool = createHfHubSearchTool(setup.options);
    const open = await runTool(tool, { task: 'text-generation', gated: false, sort: 'likes' });
    expect(open.output).not.toContain('Llama');
    expect(open.output).toContain('1. Qwen/Qwen2.5-7B');
    const gatedOnly = await runTool(tool, { task: 'text-generation', gated: true });
    expect(gatedOnly.output).toContain('1. meta-llama/Llama-3.2-1B — text-generation | transformers | 800,000 downloads | 900 likes | license llama3.2 | gated (manual approval)');
    expect(gatedOnly.output).not.toContain('Qwen');
    expect(requestsTo(setup.hub, /^\/api\/models$/).map((request) => new URL(request.url, 'http://x').searchParams.get('gated'))).toEqual(['false', 'true']);
    const trending = await runTool(tool, { task: 'text-generation', sort: 'trending', limit: 1 });
    expect(trending.output).toContain('by trending');
    expect(trending.output).toContain('1. Qwen/Qwen2.5-0.5B-Instruct');
    expect(trending.output).toContain('1 result (limit 1; raise limit for more)');
    expect(trending.output).not.toContain('2. ');
  });

  test('searches datasets and Spaces with the tags those kinds carry', async () => {
    await using setup = await setupHub();
    const tool = createHfHubSearchTool(setup.options);
    const datasets = await runTool(tool, { kind: 'dataset', task: 'text-generation', language: 'en' });
    expect(datasets.output).toContain('1. HuggingFaceH4/ultrachat_200k — text-generation | 100K<n<1M | 70,000 downloads | 500 likes | license mit');
    expect(datasets.output).toContain('— A filtered UltraChat with 200k dialogues.');
    expect(datasets.output).not.toContain('french-chat');
    expect(new URL(requestsTo(setup.hub, /^\/api\/datasets$/)[0]?.url ?? '', 'http://x').searchParams.getAll('filter')).toEqual(['task_categories:text-generation', 'language:en']);
    const spaces = await runTool(tool, { kind: 'space', library: 'gradio' });
    expect(spaces.output).toContain('by likes (Spaces have no download counts)');
    expect(spaces.output).toContain('1. someone/chat-arena — gradio | 40 likes');
    expect(spaces.output).toContain(`${setup.hub.hubUrl}/spaces/someone/chat-arena — Chat arena: Compare chat models side by side`);
    const refused = await runTool(tool, { kind: 'space', task: 'text-generation' });
    expect(refused.isError).toBe(true);
    expect(refused.output).toContain('Spaces have none of them');
    const none = await runTool(tool, { query: 'no-such-model-anywhere' });
    expect(none.isError).toBe(false);
    expect(none.output).toContain('No models found. Loosen the filters');
  });

  test('rejects filter values that are not tags before any request', async () => {
    await using setup = await setupHub();
    const result = await runTool(createHfHubSearchTool(setup.options), { library: 'transformers&author=x' });
    expect(result.isError).toBe(true);
    expect(setup.hub.requests).toHaveLength(0);
  });
});

describe('hf_hub_search details', () => {
  test('shows card summary, base model, datasets, license, files with sizes and downloads', async () => {
    await using setup = await setupHub();
    const result = await runTool(createHfHubSearchTool(setup.options), { operation: 'details', repo_id: 'tester/qwen-lora' });
    expect(result.isError).toBe(false);
    const output = result.output;
    expect(output).toContain(`# model tester/qwen-lora\n${setup.hub.hubUrl}/tester/qwen-lora`);
    expect(output).toContain('library: peft | license: apache-2.0 | access: public');
    expect(output).toContain('downloads (last 30 days): 12 | likes: 1');
    expect(output).toContain('Base model: Qwen/Qwen2.5-0.5B-Instruct (adapter)');
    expect(output).toContain('Datasets: HuggingFaceH4/ultrachat_200k');
    expect(output).toContain('Languages: en');
    expect(output).toContain('## Files (3, ');
    expect(output.indexOf('- adapter_model.safetensors  5.0 KB')).toBeLessThan(output.indexOf('- adapter_config.json'));
    expect(output).toContain('## Card\n# qwen-lora\n\nA LoRA adapter trained with TRL SFT on UltraChat.\n\n## Usage');
    expect(output).not.toContain('generated');
  });

  test('a gated model: details without its files, and the advice to accept its terms', async () => {
    await using setup = await setupHub();
    const result = await runTool(createHfHubSearchTool(setup.options), { operation: 'details', repo_id: 'meta-llama/Llama-3.2-1B' });
    expect(result.isError).toBe(false);
    expect(result.output).toContain('license: llama3.2 | access: public, gated (manual approval): accept the terms on the page before downloading');
    expect(result.output).toContain('## Files\nNot available: model repo "meta-llama/Llama-3.2-1B" is gated');
  });

  test('datasets and Spaces, and a missing repo', async () => {
    await using setup = await setupHub();
    const tool = createHfHubSearchTool(setup.options);
    const dataset = await runTool(tool, { operation: 'details', kind: 'dataset', repo_id: 'HuggingFaceH4/ultrachat_200k' });
    expect(dataset.output).toContain('# dataset HuggingFaceH4/ultrachat_200k');
    expect(dataset.output).toContain('license: mit');
    expect(dataset.output).toContain('Task categories: text-generation');
    expect(dataset.output).toContain('Size category: 100K<n<1M');
    expect(dataset.output).toContain('A filtered UltraChat with 200k dialogues.');
    expect(dataset.output).toContain('hf_inspect_dataset (dataset "HuggingFaceH4/ultrachat_200k")');
    const space = await runTool(tool, { operation: 'details', kind: 'space', repo_id: 'someone/chat-arena' });
    expect(space.output).toContain('sdk: gradio');
    expect(space.output).toContain('- app.py');
    expect(space.output).toContain('## Card\nNo README.md.');
    const missing = await runTool(tool, { operation: 'details', repo_id: 'nobody/nothing' });
    expect(missing.isError).toBe(true);
    expect(missing.output).toContain('not found: model repo "nobody/nothing"');
    const noId = await runTool(tool, { operation: 'details' });
    expect(noId.output).toContain('details needs repo_id');
  });

  test('parses base model tags and card text', () => {
    expect(baseModels(['base_model:finetune:a/b', 'base_model:a/b', 'base_model:c/d'], { base_model: 'a/b' })).toEqual(['a/b (finetune)', 'c/d']);
    expect(cardSummary('---\na: 1\n---\nHello\n\n\n\nWorld', 100)).toBe('Hello\n\nWorld');
    expect(cardSummary('x'.repeat(50), 10)).toHaveLength(10);
  });
});
