import { readFileSync } from 'node:fs';
import { runTool } from '@ml-intern/core/testing';
import { type HttpFake, startHttpFake } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDuckDuckGoResults, unwrapDuckDuckGoLink } from './duckduckgo-backend.js';
import type { WebSearchBackend } from './web-search-backend.js';
import { createWebSearchTool } from './web-search-tool.js';

const resultsPage = readFileSync(new URL('./__fixtures__/duckduckgo-results.html', import.meta.url), 'utf8');

let fake: HttpFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startFakeDuckDuckGo(status = 200, body = resultsPage): Promise<HttpFake> {
  fake = await startHttpFake((_request, response) => {
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    response.end(body);
  });
  return fake;
}

describe('parseDuckDuckGoResults', () => {
  it('drops ads and unwraps /l/?uddg= redirect links', async () => {
    const results = await parseDuckDuckGoResults(resultsPage);
    expect(results.map((result) => result.url)).toEqual([
      'https://huggingface.co/docs/peft/main/en/developer_guides/lora',
      'https://www.huggingface.co/docs/peft/main/en/developer_guides/lora/#top',
      'https://github.com/huggingface/trl/blob/main/examples/scripts/sft.py',
      'https://www.reddit.com/r/LocalLLaMA/comments/abc/finetuning/',
      'https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html',
      'javascript:alert(1)',
    ]);
    expect(results[0]).toMatchObject({ title: 'LoRA - Hugging Face PEFT', snippet: expect.stringContaining('low-rank decomposition') });
  });

  it('leaves direct links alone and drops DuckDuckGo-internal links', () => {
    expect(unwrapDuckDuckGoLink('https://example.org/a?b=1')).toBe('https://example.org/a?b=1');
    expect(unwrapDuckDuckGoLink('https://duckduckgo.com/y.js?ad_domain=x')).toBeUndefined();
  });
});

describe('web_search', () => {
  it('posts the query to the configured endpoint and returns deduplicated title, URL and snippet', async () => {
    const server = await startFakeDuckDuckGo();
    const tool = createWebSearchTool({ searchUrl: `${server.url}/html/` });
    const result = await runTool(tool, { query: 'fine-tune llama lora' });
    expect(result.isError).toBe(false);
    const request = server.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: '/html/' });
    expect(new URLSearchParams(request.body).get('q')).toBe('fine-tune llama lora');
    expect(result.output).toContain('4 results from DuckDuckGo');
    expect(result.output).toContain('https://huggingface.co/docs/peft/main/en/developer_guides/lora');
    expect(result.output).toContain('low-rank decomposition method');
    expect(result.output).not.toContain('duplicate with www');
    expect(result.output).not.toContain('Cheap GPUs');
    expect(result.output).not.toContain('javascript:');
  });

  it('keeps only allowed domains, including subdomains, and narrows the query with site:', async () => {
    const server = await startFakeDuckDuckGo();
    const tool = createWebSearchTool({ searchUrl: `${server.url}/html/` });
    const result = await runTool(tool, { query: 'lora', allowed_domains: ['github.com'] });
    expect(new URLSearchParams(server.requests[0]!.body).get('q')).toBe('lora site:github.com');
    expect(result.output).toContain('1 result from DuckDuckGo');
    expect(result.output).toContain('github.com/huggingface/trl');
    expect(result.output).not.toContain('huggingface.co/docs');
  });

  it('drops blocked domains and respects the limit', async () => {
    const server = await startFakeDuckDuckGo();
    const tool = createWebSearchTool({ searchUrl: `${server.url}/html/` });
    const result = await runTool(tool, { query: 'lora', blocked_domains: ['reddit.com', 'https://huggingface.co/docs'], limit: 1 });
    expect(new URLSearchParams(server.requests[0]!.body).get('q')).toBe('lora -site:reddit.com -site:huggingface.co');
    expect(result.output).toContain('1 result from DuckDuckGo');
    expect(result.output).toContain('github.com/huggingface/trl');
  });

  it('reports a bot check instead of an empty result list', async () => {
    const server = await startFakeDuckDuckGo(202, '<html><body><div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div></body></html>');
    const result = await runTool(createWebSearchTool({ searchUrl: `${server.url}/html/` }), { query: 'lora' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('bot check');
  });

  it('reports HTTP failures of the search endpoint', async () => {
    const server = await startFakeDuckDuckGo(503, 'unavailable');
    const result = await runTool(createWebSearchTool({ searchUrl: `${server.url}/html/` }), { query: 'lora' });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('HTTP 503') });
  });

  it('uses a custom backend and still filters its results', async () => {
    const seen: string[] = [];
    const backend: WebSearchBackend = {
      name: 'Custom',
      async search(query, options) {
        seen.push(`${query}|${options.limit}`);
        return [
          { title: 'A', url: 'https://a.example/x', snippet: '' },
          { title: 'A again', url: 'http://a.example/x/', snippet: '' },
          { title: 'B', url: 'https://b.example/', snippet: 'bee' },
        ];
      },
    };
    const result = await runTool(createWebSearchTool({ backend }), { query: 'anything', limit: 5 });
    expect(seen).toEqual(['anything|5']);
    expect(result.output).toContain('2 results from Custom');
    expect(result.output).not.toContain('A again');
  });

  it('rejects a one-character query before searching', async () => {
    const result = await runTool(createWebSearchTool({ backend: { name: 'x', search: async () => [] } }), { query: 'a' });
    expect(result.isError).toBe(true);
  });
});
