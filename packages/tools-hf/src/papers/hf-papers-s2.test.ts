import { runTool, startFakeAr5iv, startFakeSemanticScholar, startHttpFake } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfPapersTool, type HfPapersToolOptions } from './hf-papers-tool.js';
import { fieldsOfStudy } from './semantic-scholar.js';

const S2_KEY = 's2-secret-key-0123456789abcdef';

const LATEXML = `<!DOCTYPE html><html><body><article class="ltx_document">
<h1 class="ltx_title ltx_title_document">Preference Optimization Without Reward Models</h1>
<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6><p>A study of DPO variants.</p></div>
<section class="ltx_section"><h2 class="ltx_title ltx_title_section">1 Introduction</h2><p>DPO removes the reward model.</p></section>
<section class="ltx_section"><h2 class="ltx_title ltx_title_section">2 Training details</h2><p>We use beta 0.1 and learning rate 5e-7.</p></section>
</article></body></html>`;

async function setupAll(extra: Partial<HfPapersToolOptions> = {}, s2Options: Parameters<typeof startFakeSemanticScholar>[0] = {}) {
  const setup = await startTestHub();
  const s2 = await startFakeSemanticScholar(s2Options);
  const ar5iv = await startFakeAr5iv({ pages: { '2402.00002': LATEXML } });
  const options: HfPapersToolOptions = { ...setup.options, semanticScholarUrl: s2.url, ar5ivUrl: ar5iv.url, ...extra };
  return {
    setup,
    s2,
    ar5iv,
    tool: createHfPapersTool(options),
    async [Symbol.asyncDispose]() {
      await Promise.all([setup[Symbol.asyncDispose](), s2.close(), ar5iv.close()]);
    },
  };
}

describe('hf_papers through Semantic Scholar', () => {
  test('citations and references of an arXiv paper, with contexts and the key sent only to S2', async () => {
    await using env = await setupAll({ semanticScholarApiKey: S2_KEY }, { apiKey: S2_KEY });
    const citations = await runTool(env.tool, { operation: 'citations', arxiv_id: 'https://arxiv.org/abs/2305.18290v3' });
    expect(citations.isError).toBe(false);
    expect(env.s2.requests[0]?.path).toBe('/graph/v1/paper/arXiv:2305.18290/citations');
    expect(env.s2.requests[0]?.headers['x-api-key']).toMatch(/^s2-sec…\[redacted\]$/);
    expect(env.s2.requests[0]?.headers.authorization).toBeUndefined();
    expect(citations.output).toContain('# Papers citing 2305.18290');
    expect(citations.output).toContain('Tiny Models, Big Gains');
    expect(citations.output).toContain('arxiv_id: 2401.00001');
    expect(citations.output).toContain('Protein language models');
    expect(citations.output).toContain('[influential]');
    expect(citations.output).toContain('Context: "builds on Direct Preference Optimization');
    const references = await runTool(env.tool, { operation: 'references', arxiv_id: '2401.00001', limit: 5 });
    expect(references.output).toContain('# References of 2401.00001');
    expect(references.output).toContain('LoRA: Low-Rank Adaptation of Large Language Models');
    expect(references.output).toContain('9,000 citations');
    for (const text of [citations.output, references.output, JSON.stringify(citations), JSON.stringify(references)]) expect(text).not.toContain(S2_KEY);
    expect(requestsTo(env.setup.hub, /graph|recommendations/)).toHaveLength(0);
  });

  test('recommendations for one paper and for positive/negative lists', async () => {
    await using env = await setupAll();
    const one = await runTool(env.tool, { operation: 'recommendations', arxiv_id: '2401.00001', limit: 2 });
    expect(env.s2.requests[0]?.path).toBe('/recommendations/v1/papers/forpaper/arXiv:2401.00001');
    expect(one.output).toContain('# Papers like 2401.00001');
    expect(one.output).toMatch(/1\. LoRA: Low-Rank Adaptation[\s\S]*2\. Direct Preference Optimization/);
    expect(env.s2.requests[0]?.headers['x-api-key']).toBeUndefined();
    const lists = await runTool(env.tool, { operation: 'recommendations', positive_ids: ['2402.00002', 'CorpusId:1003'], negative_ids: ['2305.18290'] });
    const post = env.s2.requests[1];
    expect(post).toMatchObject({ method: 'POST', path: '/recommendations/v1/papers' });
    expect(post?.json).toEqual({ positivePaperIds: ['arXiv:2402.00002', 'CorpusId:1003'], negativePaperIds: ['arXiv:2305.18290'] });
    expect(lists.output).toContain('Tiny Models, Big Gains');
    expect(lists.output).not.toContain('Direct Preference Optimization: Your');
    const missing = await runTool(env.tool, { operation: 'recommendations' });
    expect(missing.output).toContain('recommendations needs arxiv_id or positive_ids');
  });

  test('snippet_search returns passages with their section and paper', async () => {
    await using env = await setupAll();
    const result = await runTool(env.tool, { operation: 'snippet_search', query: 'learning rate for DPO beta', date_from: '2024' });
    const url = new URL(env.s2.requests[0]!.url, env.s2.url);
    expect(url.pathname).toBe('/graph/v1/snippet/search');
    expect(url.searchParams.get('query')).toBe('learning rate for DPO beta');
    expect(url.searchParams.get('publicationDateOrYear')).toBe('2024:');
    expect(result.output).toContain('Preference Optimization Without Reward Models — Grace Hopper');
    expect(result.output).toContain('Section: Experiments');
    expect(result.output).toContain('"DPO with beta 0.1 outperforms PPO');
    const none = await runTool(env.tool, { operation: 'snippet_search', query: 'zzzz qqqq' });
    expect(none.output).toContain('No passages found');
  });

  test('filtered search: dates, arXiv categories, citations and sort go to S2; plain search stays on the Hub', async () => {
    await using env = await setupAll();
    const plain = await runTool(env.tool, { operation: 'search', query: 'preference optimization' });
    expect(plain.output).toContain('Preference Optimization Without Reward Models');
    expect(env.s2.requests).toHaveLength(0);
    const filtered = await runTool(env.tool, { operation: 'search', query: 'preference optimization', date_from: '2024-01', date_to: '2024-12-31', categories: ['cs.CL'] });
    const url = new URL(env.s2.requests[0]!.url, env.s2.url);
    expect(url.pathname).toBe('/graph/v1/paper/search');
    expect(url.searchParams.get('publicationDateOrYear')).toBe('2024-01:2024-12-31');
    expect(url.searchParams.get('fieldsOfStudy')).toBe('Computer Science');
    expect(filtered.output).toContain('Filters: published 2024-01 to 2024-12-31; fields of study: Computer Science (arXiv categories matched by field: cs.CL → Computer Science)');
    expect(filtered.output).toContain('Preference Optimization Without Reward Models');
    expect(filtered.output).not.toContain('Direct Preference Optimization: Your');
    expect(filtered.output).not.toContain('Protein');
    const cited = await runTool(env.tool, { operation: 'search', query: 'preference optimization', min_citations: 100, sort_by: 'citations' });
    const bulk = new URL(env.s2.requests[1]!.url, env.s2.url);
    expect(bulk.pathname).toBe('/graph/v1/paper/search/bulk');
    expect(bulk.searchParams.get('sort')).toBe('citationCount:desc');
    expect(cited.output).toMatch(/1\. Direct Preference Optimization: Your[\s\S]*2\. Preference Optimization Without Reward Models/);
    const biology = await runTool(env.tool, { operation: 'search', query: 'preference optimization', categories: ['q-bio.BM'] });
    expect(biology.output).toContain('Protein language models');
    const bad = await runTool(env.tool, { operation: 'search', query: 'x y', categories: ['astrology'] });
    expect(bad.output).toContain('Unknown category "astrology"');
    const reversed = await runTool(env.tool, { operation: 'search', query: 'dpo', date_from: '2025', date_to: '2024' });
    expect(reversed.output).toContain('date_from 2025 is after date_to 2024');
  });

  test('429: waits Retry-After and retries once, then says so clearly', async () => {
    await using env = await setupAll();
    env.s2.fail({ path: /citations$/, status: 429, headers: { 'retry-after': '0' } });
    const retried = await runTool(env.tool, { operation: 'citations', arxiv_id: '2401.00001' });
    expect(retried.isError).toBe(false);
    expect(env.s2.requests).toHaveLength(2);
    env.s2.fail({ path: /citations$/, status: 429, headers: { 'retry-after': '0' }, times: 2 });
    const limited = await runTool(env.tool, { operation: 'citations', arxiv_id: '2401.00001' });
    expect(limited.isError).toBe(true);
    expect(limited.output).toContain('Semantic Scholar rate limit (HTTP 429) again after one retry');
    expect(limited.output).toContain('set S2_API_KEY');
    expect(env.s2.requests).toHaveLength(4);
    env.s2.fail({ path: /citations$/, status: 429, headers: { 'retry-after': '3600' } });
    const long = await runTool(env.tool, { operation: 'citations', arxiv_id: '2401.00001' });
    expect(long.output).toContain('Semantic Scholar rate limit (HTTP 429); retry after 3600 s');
    expect(env.s2.requests).toHaveLength(5);
  });

  test('unknown papers, rejected keys and server errors are reported without the key', async () => {
    await using env = await setupAll({ semanticScholarApiKey: S2_KEY }, { apiKey: 'another-key' });
    const forbidden = await runTool(env.tool, { operation: 'references', arxiv_id: '2401.00001' });
    expect(forbidden.output).toContain('Semantic Scholar refused the request (HTTP 403): check S2_API_KEY');
    expect(JSON.stringify(forbidden)).not.toContain(S2_KEY);
    await using open = await setupAll();
    const unknown = await runTool(open.tool, { operation: 'citations', arxiv_id: '2999.99999' });
    expect(unknown.output).toContain('Semantic Scholar has no record of arXiv:2999.99999');
    open.s2.fail({ status: 500, body: { message: `internal error for key ${S2_KEY}` }, times: 3 });
    const broken = await runTool(createHfPapersTool({ ...open.setup.options, semanticScholarUrl: open.s2.url, semanticScholarApiKey: S2_KEY }), { operation: 'references', arxiv_id: '2401.00001' });
    expect(broken.output).toContain('Semantic Scholar answered HTTP 500');
    expect(broken.output).toContain('internal error for key ***');
    expect(broken.output).not.toContain(S2_KEY);
  });
});

describe('read_paper fallbacks', () => {
  test('arXiv has no HTML (404): ar5iv is read instead, and says so', async () => {
    await using env = await setupAll();
    const toc = await runTool(env.tool, { operation: 'read_paper', arxiv_id: '2402.00002' });
    expect(toc.output).toContain('Read from ar5iv');
    expect(toc.output).toContain('arXiv has no HTML version (HTTP 404)');
    expect(toc.output).toContain('- 2 Training details');
    const section = await runTool(env.tool, { operation: 'read_paper', arxiv_id: '2402.00002', section: '2' });
    expect(section.output).toContain('learning rate 5e-7');
    expect(env.ar5iv.requests).toHaveLength(1);
    expect(env.ar5iv.requests[0]?.headers.authorization).toBeUndefined();
  });

  test('neither arXiv nor ar5iv has it: the abstract, saying it is missing (not failed)', async () => {
    await using env = await setupAll();
    const result = await runTool(env.tool, { operation: 'read_paper', arxiv_id: '2403.00003' });
    expect(result.isError).toBe(false);
    expect(result.output).toContain('No HTML version of this paper is available (arXiv has no HTML version (HTTP 404); ar5iv has no HTML version (redirected to /abs/2403.00003))');
  });

  test('arXiv failing (5xx) is not reported as a missing HTML version', async () => {
    await using env = await setupAll();
    env.setup.hub.fail({ path: '/arxiv/html/2401.00001', status: 503, times: 3 });
    // No ar5ivUrl and a non-default arxivUrl: the ar5iv fallback is off.
    const tool = createHfPapersTool({ ...env.setup.options, semanticScholarUrl: env.s2.url });
    const result = await runTool(tool, { operation: 'read_paper', arxiv_id: '2401.00001' });
    expect(result.output).toContain('Could not read the full text: arXiv answered HTTP 503');
    expect(result.output).toContain('not a missing HTML version: retry later');
    expect(result.output).not.toContain('No HTML version');
  });

  test('arXiv unreachable: said so; ar5iv still serves the paper', async () => {
    const dead = await startHttpFake(() => {});
    const deadUrl = dead.url;
    await dead.close();
    await using env = await setupAll({ arxivUrl: deadUrl });
    const result = await runTool(env.tool, { operation: 'read_paper', arxiv_id: '2402.00002' });
    expect(result.output).toContain('Read from ar5iv');
    expect(result.output).toContain('arXiv could not be reached');
    const missing = await runTool(env.tool, { operation: 'read_paper', arxiv_id: '2403.00003' });
    expect(missing.output).toContain('Could not read the full text: arXiv could not be reached');
  });
});

describe('categories', () => {
  test('arXiv categories map to S2 fields of study; S2 names pass through', () => {
    expect(fieldsOfStudy(['cs.CL', 'cs.LG', 'stat.ML', 'Medicine'])).toEqual({ fields: ['Computer Science', 'Mathematics', 'Medicine'], notes: ['cs.CL → Computer Science', 'cs.LG → Computer Science', 'stat.ML → Mathematics'] });
  });
});
