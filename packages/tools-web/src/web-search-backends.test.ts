import { runTool } from '@ml-intern/core/testing';
import { type FakeSearchEngine, startFakeBrave, startFakeProxy, startFakeSearxng, startFakeTavily, startHttpFake } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseWebSearchBackend } from './web-search-select.js';
import { createWebSearchTool } from './web-search-tool.js';

const BRAVE_KEY = 'BSA-secret-brave-key-0123456789';
const TAVILY_KEY = 'tvly-secret-tavily-key-0123456789';

const engines: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});
async function track<T extends { close(): Promise<void> }>(engine: Promise<T>): Promise<T> {
  const started = await engine;
  engines.push(started);
  return started;
}

function expectNoKey(text: string) {
  expect(text).not.toContain(BRAVE_KEY);
  expect(text).not.toContain(TAVILY_KEY);
  expect(text).not.toContain('secret-brave');
  expect(text).not.toContain('secret-tavily');
}

describe('backend choice', () => {
  it('config first, then Brave, Tavily, SearXNG by the variables set, else DuckDuckGo', () => {
    expect(chooseWebSearchBackend({})).toBe('duckduckgo');
    expect(chooseWebSearchBackend({ searxngUrl: 'http://s', tavilyApiKey: 't' })).toBe('tavily');
    expect(chooseWebSearchBackend({ searxngUrl: 'http://s', tavilyApiKey: 't', braveApiKey: 'b' })).toBe('brave');
    expect(chooseWebSearchBackend({ searxngUrl: 'http://s' })).toBe('searxng');
    expect(chooseWebSearchBackend({ braveApiKey: '  ' })).toBe('duckduckgo');
    expect(chooseWebSearchBackend({ searchBackend: 'duckduckgo', braveApiKey: 'b' })).toBe('duckduckgo');
    expect(chooseWebSearchBackend({ searchBackend: 'searxng', braveApiKey: 'b', searxngUrl: 'http://s' })).toBe('searxng');
  });

  it('a configured backend without its variable fails each search naming the variable', async () => {
    const result = await runTool(createWebSearchTool({ searchBackend: 'tavily' }), { query: 'lora' });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('web.search_backend is "tavily" but TAVILY_API_KEY is not set') });
  });
});

describe('Brave Search backend', () => {
  it('sends GET /res/v1/web/search with the key in X-Subscription-Token and returns plain-text snippets', async () => {
    const brave = await track(startFakeBrave({ apiKey: BRAVE_KEY }));
    const tool = createWebSearchTool({ braveApiKey: BRAVE_KEY, braveUrl: brave.url, tavilyApiKey: TAVILY_KEY });
    const result = await runTool(tool, { query: 'lora fine-tune', limit: 3 });
    expect(result.isError).toBe(false);
    const request = brave.requests[0]!;
    expect(request).toMatchObject({ method: 'GET', path: '/res/v1/web/search' });
    const url = new URL(request.url, brave.url);
    expect(url.searchParams.get('q')).toBe('lora fine-tune');
    expect(url.searchParams.get('count')).toBe('3');
    expect(result.output).toContain('3 results from Brave Search');
    expect(result.output).toContain('https://huggingface.co/docs/peft/main/en/developer_guides/lora');
    expect(result.output).toContain('LoRA is a low-rank decomposition method');
    expect(result.output).not.toContain('<strong>');
    expectNoKey(result.output);
    expectNoKey(JSON.stringify(result));
    expect(request.url).not.toContain(BRAVE_KEY);
  });

  it('narrows the query with site: and filters domains again', async () => {
    const brave = await track(startFakeBrave({ apiKey: BRAVE_KEY }));
    const tool = createWebSearchTool({ braveApiKey: BRAVE_KEY, braveUrl: brave.url });
    const result = await runTool(tool, { query: 'lora', allowed_domains: ['github.com'], blocked_domains: ['reddit.com'] });
    expect(new URL(brave.requests[0]!.url, brave.url).searchParams.get('q')).toBe('lora site:github.com -site:reddit.com');
    expect(result.output).toContain('1 result from Brave Search');
    expect(result.output).toContain('github.com/huggingface/trl');
  });

  it('a rejected key is reported without the key, even when the server echoes it', async () => {
    const brave = await track(startFakeBrave({ apiKey: 'the-right-key-0000' }));
    const wrong = await runTool(createWebSearchTool({ braveApiKey: BRAVE_KEY, braveUrl: brave.url }), { query: 'lora' });
    expect(wrong).toMatchObject({ isError: true, output: expect.stringContaining('Brave Search rejected BRAVE_API_KEY (HTTP 401') });
    expect(wrong.output).toContain('subscription token is invalid');
    expectNoKey(wrong.output);
    brave.fail({ status: 403, body: { type: 'ErrorResponse', error: { status: 403, detail: `Token ${BRAVE_KEY} is not allowed` } } });
    const echoed = await runTool(createWebSearchTool({ braveApiKey: BRAVE_KEY, braveUrl: brave.url }), { query: 'lora' });
    expect(echoed.output).toContain('Token *** is not allowed');
    expectNoKey(echoed.output);
    expectNoKey(JSON.stringify(echoed));
  });

  it('reports rate limits and server errors with the status', async () => {
    const brave = await track(startFakeBrave({ apiKey: BRAVE_KEY }));
    brave.fail({ status: 429, headers: { 'retry-after': '2' }, body: { type: 'ErrorResponse', error: { status: 429, code: 'RATE_LIMITED', detail: 'Request rate limit exceeded for plan.' } } });
    const tool = createWebSearchTool({ braveApiKey: BRAVE_KEY, braveUrl: brave.url });
    const limited = await runTool(tool, { query: 'lora' });
    expect(limited.output).toContain('Brave Search rate-limited the search (HTTP 429); retry after 2 s: Request rate limit exceeded for plan.');
    brave.fail({ status: 502, body: '<html>bad gateway</html>' });
    const down = await runTool(tool, { query: 'lora' });
    expect(down.output).toContain('Brave Search search failed: HTTP 502 from 127.0.0.1');
  });

  it('an unreachable server is reported as such, without the key', async () => {
    const dead = await startHttpFake(() => {});
    const url = dead.url;
    await dead.close();
    const result = await runTool(createWebSearchTool({ braveApiKey: BRAVE_KEY, braveUrl: url }), { query: 'lora' });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('Brave Search search request failed: could not reach 127.0.0.1') });
    expectNoKey(result.output);
  });
});

describe('Tavily backend', () => {
  it('POSTs /search as JSON with a Bearer key and the domain lists', async () => {
    const tavily = await track(startFakeTavily({ apiKey: TAVILY_KEY }));
    const tool = createWebSearchTool({ tavilyApiKey: TAVILY_KEY, tavilyUrl: tavily.url, searxngUrl: 'http://127.0.0.1:9' });
    const result = await runTool(tool, { query: 'lora', allowed_domains: ['huggingface.co'], limit: 5 });
    expect(result.isError).toBe(false);
    const request = tavily.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: '/search' });
    expect(request.json).toMatchObject({ query: 'lora', max_results: 5, include_domains: ['huggingface.co'], search_depth: 'basic' });
    expect(request.body).not.toContain(TAVILY_KEY);
    expect(result.output).toContain('2 results from Tavily');
    expect(result.output).toContain('https://huggingface.co/docs/trl/sft_trainer');
    expect(result.output).not.toContain('github.com');
    expectNoKey(result.output);
  });

  it('a rejected key and an HTML error page are reported clearly', async () => {
    const tavily = await track(startFakeTavily({ apiKey: 'tvly-other-key' }));
    const wrong = await runTool(createWebSearchTool({ tavilyApiKey: TAVILY_KEY, tavilyUrl: tavily.url }), { query: 'lora' });
    expect(wrong.output).toContain('Tavily rejected TAVILY_API_KEY (HTTP 401: Unauthorized: missing or invalid API key)');
    expectNoKey(wrong.output);
    tavily.fail({ status: 432, body: { detail: { error: 'This request exceeds your plan\'s set usage limit.' } } });
    const plan = await runTool(createWebSearchTool({ tavilyApiKey: 'tvly-other-key', tavilyUrl: tavily.url }), { query: 'lora' });
    expect(plan.output).toContain(`Tavily search failed: HTTP 432 from 127.0.0.1:${tavily.port}: This request exceeds your plan's set usage limit.`);
  });
});

describe('SearXNG backend', () => {
  let searxng: FakeSearchEngine;
  it('GETs /search?q=…&format=json and returns the results', async () => {
    searxng = await track(startFakeSearxng());
    const result = await runTool(createWebSearchTool({ searxngUrl: `${searxng.url}/` }), { query: 'pytorch tuning' });
    expect(result.isError).toBe(false);
    const url = new URL(searxng.requests[0]!.url, searxng.url);
    expect(url.pathname).toBe('/search');
    expect(url.searchParams.get('format')).toBe('json');
    expect(url.searchParams.get('q')).toBe('pytorch tuning');
    expect(result.output).toContain('from SearXNG');
    expect(result.output).toContain('https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html');
  });

  it('explains a disabled JSON format', async () => {
    searxng = await track(startFakeSearxng({ jsonDisabled: true }));
    const result = await runTool(createWebSearchTool({ searxngUrl: searxng.url }), { query: 'lora' });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('adding "json" to search.formats') });
  });

  it('goes through HTTP_PROXY (core httpFetch) when one is set', async () => {
    searxng = await track(startFakeSearxng());
    // searx.example.test does not resolve: only the proxy (routed to the fake) can reach it.
    const proxy = await track(startFakeProxy({ route: () => ({ host: '127.0.0.1', port: searxng.port }) }));
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    process.env.HTTP_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    try {
      const result = await runTool(createWebSearchTool({ searxngUrl: 'http://searx.example.test' }), { query: 'lora' });
      expect(result.isError).toBe(false);
      expect(proxy.requests.length).toBe(1);
      expect(proxy.requests[0]!.target).toBe('http://searx.example.test/search?q=lora&format=json');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('DuckDuckGo bot check', () => {
  for (const [status, body] of [
    [202, '<html><body><div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div></body></html>'],
    [403, '<html><body><form id="challenge-form"></form></body></html>'],
  ] as const) {
    it(`HTTP ${status}: reported as a bot check with the fix`, async () => {
      const ddg = await track(startHttpFake((_request, response) => {
        response.writeHead(status, { 'content-type': 'text/html' });
        response.end(body);
      }));
      const result = await runTool(createWebSearchTool({ searchUrl: `${ddg.url}/html/` }), { query: 'lora' });
      expect(result.isError).toBe(true);
      expect(result.output).toContain(`DuckDuckGo answered with a bot check (HTTP ${status})`);
      expect(result.output).toContain('set BRAVE_API_KEY');
      expect(result.output).toContain('TAVILY_API_KEY');
      expect(result.output).toContain('SEARXNG_URL');
    });
  }
});
