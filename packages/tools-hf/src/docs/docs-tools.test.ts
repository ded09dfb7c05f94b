import { runTool, sendJson, startHttpFake } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createExploreHfDocsTool } from './explore-hf-docs-tool.js';
import { createFetchHfDocsTool, resolveDocsUrl } from './fetch-hf-docs-tool.js';

describe('explore_hf_docs', () => {
  test('lists the pages of a docs set from its navigation, without other versions or languages', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createExploreHfDocsTool(setup.options), { endpoint: 'trl', max_results: 3 });
    expect(result.isError).toBe(false);
    expect(result.output).toContain('# trl documentation (5 pages)');
    expect(result.output).toContain(`1. TRL - Transformer Reinforcement Learning — ${setup.hub.hubUrl}/docs/trl/index`);
    expect(result.output).toContain('2 more pages');
    expect(result.output).not.toMatch(/v0\.1\.0|\/ko\//);
    expect(requestsTo(setup.hub, /\.md$/)).toHaveLength(0);
  });

  test('searches page contents, indexes once and reuses the disk cache in a new tool', async () => {
    await using setup = await startTestHub();
    const tool = createExploreHfDocsTool(setup.options);
    const first = await runTool(tool, { endpoint: 'trl', query: 'packing short examples' });
    expect(first.output).toMatch(/1\. \*\*SFT Trainer\*\*/);
    expect(first.output).toContain('Set `packing=True`');
    expect(first.output).toContain('(1 page could not be fetched and was searched by title only.)');
    expect(first.logs[0]?.message).toContain('Indexing 5 pages of the trl docs');
    const fetched = setup.hub.requests.length;

    const again = await runTool(tool, { endpoint: 'trl', query: 'preference beta' });
    expect(again.output).toMatch(/1\. \*\*DPO Trainer\*\*/);
    const fresh = await runTool(createExploreHfDocsTool(setup.options), { endpoint: 'trl', query: 'reward functions' });
    expect(fresh.output).toMatch(/1\. \*\*GRPO Trainer\*\*/);
    expect(setup.hub.requests.length).toBe(fetched);
  });

  test('covers every section of a composite set and falls back to titles when nothing matches', async () => {
    await using setup = await startTestHub();
    const tool = createExploreHfDocsTool(setup.options);
    const listing = await runTool(tool, { endpoint: 'optimum' });
    expect(listing.output).toContain('/docs/optimum/index');
    expect(listing.output).toContain('/docs/optimum-intel/index');
    expect(listing.output).toContain('(4 of 6 sections of optimum are unavailable.)');
    const nothing = await runTool(tool, { endpoint: 'optimum', query: 'zzzqqq' });
    expect(nothing.output).toContain('No page matched');
  });

  test('explains a docs set the Hub does not have and rejects unknown names before any request', async () => {
    await using setup = await startTestHub();
    const missing = await runTool(createExploreHfDocsTool(setup.options), { endpoint: 'peft' });
    expect(missing.isError).toBe(true);
    expect(missing.output).toBe('explore_hf_docs failed: not found: the peft documentation; check the id.');
    const requests = setup.hub.requests.length;
    const unknown = await runTool(createExploreHfDocsTool(setup.options), { endpoint: 'not-a-library' });
    expect(unknown.isError).toBe(true);
    expect(unknown.output).toContain('Invalid arguments');
    expect(setup.hub.requests.length).toBe(requests);
  });
});

describe('fetch_hf_docs', () => {
  test('returns markdown in windows with a pointer to the rest', async () => {
    await using setup = await startTestHub();
    const tool = createFetchHfDocsTool(setup.options);
    const first = await runTool(tool, { url: `${setup.hub.hubUrl}/docs/trl/sft_trainer`, max_chars: 5000 });
    expect(first.isError).toBe(false);
    expect(first.output).toContain('# SFT Trainer');
    const pointer = first.output.match(/offset (\d+) to continue/);
    expect(pointer).not.toBeNull();
    const second = await runTool(tool, { url: '/docs/trl/sft_trainer', offset: Number(pointer?.[1]), max_chars: 5000 });
    expect(second.output).toContain(`characters ${pointer?.[1]}–`);
    expect(second.output).not.toContain('# SFT Trainer');
    expect(requestsTo(setup.hub, /sft_trainer\.md$/)[0]?.headers.authorization).toMatch(/^Bearer hf_/);
    expect(first.output).not.toContain(setup.hub.token);
  });

  test('refuses hosts other than the configured Hub without making a request', async () => {
    await using setup = await startTestHub();
    await using other = await startHttpFake((_request, response) => sendJson(response, 200, {}));
    const tool = createFetchHfDocsTool(setup.options);
    for (const url of [`${other.url}/docs/trl/index`, 'https://evil.example.com/docs/x', 'file:///etc/passwd']) {
      const result = await runTool(tool, { url });
      expect(result.isError).toBe(true);
      expect(result.output).toMatch(/not a Hugging Face docs host|only http\(s\)/);
    }
    expect(other.requests).toHaveLength(0);
    expect(setup.hub.requests).toHaveLength(0);
  });

  test('reads an extra docs origin when configured, and follows redirects without leaking the token', async () => {
    await using setup = await startTestHub();
    await using mirror = await startHttpFake((request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<html><body><nav>menu</nav><h1>Mirror</h1><p>served ${request.path}</p><script>x()</script></body></html>`);
    });
    const mirrored = await runTool(createFetchHfDocsTool({ ...setup.options, docsOrigins: [mirror.url] }), { url: `${mirror.url}/docs/page` });
    expect(mirrored.output).toContain('# Mirror');
    expect(mirrored.output).toContain('served /docs/page.md');
    expect(mirrored.output).not.toMatch(/menu|x\(\)/);
    expect(mirror.requests[0]?.headers.authorization).toMatch(/^Bearer hf_/);

    setup.hub.fail({ path: '/docs/trl/moved.md', status: 302, headers: { location: `${mirror.url}/landing` } });
    const redirected = await runTool(createFetchHfDocsTool(setup.options), { url: '/docs/trl/moved' });
    expect(redirected.output).toContain('served /landing');
    expect(mirror.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  test('reads the HTML page when there is no markdown rendering', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createFetchHfDocsTool(setup.options), { url: '/docs/hub/html-only' });
    expect(result.output).toContain(`Documentation from ${setup.hub.hubUrl}/docs/hub/html-only (characters`);
    expect(result.output).toContain('# Spaces overview\n\nSpaces host **apps**.');
    expect(result.output).not.toContain('sidebar');
  });

  test('turns a missing page into a not-found message', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createFetchHfDocsTool(setup.options), { url: '/docs/trl/nope' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain(`not found: docs page ${setup.hub.hubUrl}/docs/trl/nope.md; check the id.`);
  });

  test('resolves paths against the Hub and targets the markdown rendering', () => {
    expect(resolveDocsUrl('docs/trl/index', 'https://huggingface.co').href).toBe('https://huggingface.co/docs/trl/index.md');
    expect(resolveDocsUrl('https://huggingface.co/docs/hub/llms.txt', 'https://huggingface.co').href).toBe('https://huggingface.co/docs/hub/llms.txt');
    expect(resolveDocsUrl('https://hf.co/docs/trl/sft_trainer#packing', 'https://huggingface.co').href).toBe('https://hf.co/docs/trl/sft_trainer.md');
  });
});
