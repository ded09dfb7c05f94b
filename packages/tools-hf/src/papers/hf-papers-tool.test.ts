import { runTool } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { findSection, normalizeArxivId, parseArxivHtml } from './arxiv-paper.js';
import { createHfPapersTool } from './hf-papers-tool.js';

describe('hf_papers', () => {
  test('lists trending papers, by date and filtered by keyword', async () => {
    await using setup = await startTestHub();
    const tool = createHfPapersTool(setup.options);
    const today = await runTool(tool, { operation: 'trending', limit: 2 });
    expect(today.output).toContain('## 1. Tiny Models, Big Gains');
    expect(today.output).toContain('arxiv_id: 2401.00001 | upvotes: 42');
    expect(today.output).not.toContain('Vision Transformers');
    const dated = await runTool(tool, { operation: 'trending', date: '2024-03-04', query: 'preference' });
    expect(dated.output).toContain('Preference Optimization Without Reward Models');
    expect(dated.output).not.toContain('Vision');
    expect(requestsTo(setup.hub, /daily_papers/).at(-1)?.url).toContain('date=2024-03-04');
    const none = await runTool(tool, { operation: 'trending', date: '2020-01-01' });
    expect(none.output).toBe('No trending papers on 2020-01-01.');
  });

  test('searches and shows details; validates arXiv ids before calling anything', async () => {
    await using setup = await startTestHub();
    const tool = createHfPapersTool(setup.options);
    const search = await runTool(tool, { operation: 'search', query: 'direct preference optimization' });
    expect(search.output).toMatch(/## 1\. Preference Optimization Without Reward Models/);
    const details = await runTool(tool, { operation: 'paper_details', arxiv_id: 'https://arxiv.org/abs/2401.00001v2' });
    expect(details.output).toContain('Authors: Ada Lovelace, Alan Turing');
    expect(details.output).toContain('GitHub: https://github.com/example/tiny-sft (321 stars)');
    expect(details.output).toContain('## AI summary');
    const before = setup.hub.requests.length;
    const invalid = await runTool(tool, { operation: 'paper_details', arxiv_id: '../../etc' });
    expect(invalid.isError).toBe(true);
    expect(invalid.output).toContain('is not an arXiv id');
    const missingId = await runTool(tool, { operation: 'find_models' });
    expect(missingId.output).toContain('find_models needs arxiv_id');
    expect(setup.hub.requests.length).toBe(before);
    const unknown = await runTool(tool, { operation: 'paper_details', arxiv_id: '2999.99999' });
    expect(unknown.output).toContain('not found: paper 2999.99999');
  });

  test('reads a paper: table of contents, a section by number or title, long sections in windows', async () => {
    await using setup = await startTestHub();
    const tool = createHfPapersTool(setup.options);
    const toc = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001' });
    expect(toc.output).toContain('## Abstract\nWe study supervised fine-tuning of small language models.');
    expect(toc.output).toContain('- 1 Introduction: Fine-tuning small models is cheap. The loss is $\\mathcal{L}=-\\log p(y|x)$.');
    expect(toc.output).toContain('  - 2.2 Hyperparameters:');
    const method = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001', section: '2' });
    expect(method.output).toContain('### 2.1 Data selection');
    expect(method.output).toContain('| lr | epochs |\n| --- | --- |\n| 2e-4 | 3 |');
    expect(method.output).not.toContain('Experiment line');
    const byTitle = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001', section: 'hyperparameters' });
    expect(byTitle.output).toMatch(/^# 2\.2 Hyperparameters/);
    const appendix = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001', section: 'A' });
    expect(appendix.output).toContain('The system prompt we used.');
    const long = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001', section: 'Experiments' });
    const offset = long.output.match(/offset (\d+)\./)?.[1];
    expect(Number(offset)).toBeGreaterThan(10_000);
    const rest = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001', section: '3', offset: Number(offset) });
    expect(rest.output).toContain('Experiment line 260');
    const missing = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001', section: 'Results' });
    expect(missing.isError).toBe(true);
    expect(missing.output).toContain('Sections: 1 Introduction; 2 Method; 2.1 Data selection');
    const arxivRequests = requestsTo(setup.hub, /^\/arxiv\//);
    expect(arxivRequests).toHaveLength(1);
    for (const request of arxivRequests) expect(request.headers.authorization).toBeUndefined();
  });

  test('falls back to the abstract when arXiv has no HTML', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createHfPapersTool(setup.options), { operation: 'read_paper', arxiv_id: '2402.00002' });
    expect(result.output).toContain('A study of direct preference optimization variants');
    expect(result.output).toContain(`PDF: ${setup.hub.arxivUrl}/pdf/2402.00002`);
  });

  test('finds the models, datasets and collections linked to a paper', async () => {
    await using setup = await startTestHub();
    const tool = createHfPapersTool(setup.options);
    const models = await runTool(tool, { operation: 'find_models', arxiv_id: '2401.00001' });
    expect(models.output.indexOf('ml-org/sft-baseline')).toBeLessThan(models.output.indexOf('tester/tiny-model'));
    expect(models.output).toContain('98,000 downloads, 120 likes (text-generation, peft)');
    expect(requestsTo(setup.hub, /^\/api\/models$/)[0]?.url).toContain('filter=arxiv%3A2401.00001');
    const all = await runTool(tool, { operation: 'find_all_resources', arxiv_id: '2401.00001' });
    expect(all.output).toContain('## Datasets citing 2401.00001 (1)');
    expect(all.output).toContain('hf_inspect_dataset({ dataset: "tester/chat-demo" })');
    expect(all.output).toContain('SFT recipes by tester');
    const lonely = await runTool(tool, { operation: 'find_collections', arxiv_id: '2403.00003' });
    expect(lonely.output).toContain('No public collection contains 2403.00003.');
  });

  test('reports rate limits with the retry time', async () => {
    await using setup = await startTestHub();
    setup.hub.fail({ path: '/api/papers/search', status: 429, headers: { 'retry-after': '30' } });
    const result = await runTool(createHfPapersTool(setup.options), { operation: 'search', query: 'lora' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('rate limited by 127.0.0.1');
    expect(result.output).toContain('retry after 30 s');
  });
});

describe('arXiv parsing', () => {
  test('normalises ids and URLs', () => {
    expect(normalizeArxivId('arxiv:2401.00001')).toBe('2401.00001');
    expect(normalizeArxivId('https://huggingface.co/papers/2401.00001')).toBe('2401.00001');
    expect(normalizeArxivId('https://arxiv.org/pdf/2401.00001v3.pdf')).toBe('2401.00001v3');
    expect(normalizeArxivId('hep-th/9901001')).toBe('hep-th/9901001');
    expect(normalizeArxivId('2401.1')).toBeUndefined();
  });

  test('splits headings into sections and finds them by number or title', async () => {
    const paper = await parseArxivHtml('<article><h1 class="ltx_title ltx_title_document">T</h1><h2>1 Intro</h2><p>a</p><h2>Related Work</h2><p>b</p></article>');
    expect(paper.title).toBe('T');
    expect(paper.sections.map((section) => [section.number, section.title, section.text])).toEqual([
      ['1', '1 Intro', 'a'],
      ['', 'Related Work', 'b'],
    ]);
    expect(findSection(paper.sections, 'section 1')?.title).toBe('1 Intro');
    expect(findSection(paper.sections, 'related')?.title).toBe('Related Work');
  });
});
