import { createHttpFetch, httpFetch } from '@ml-intern/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI } from './fake-openai.js';
import { startFakeProxy } from './fake-proxy.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("core's httpFetch through a proxy", () => {
  it('sends http requests to HTTP_PROXY in absolute form; names only the proxy can reach work', async () => {
    await using upstream = await startFakeOpenAI({ models: ['through-the-proxy'] });
    const port = Number(new URL(upstream.url).port);
    await using proxy = await startFakeProxy({ route: (host) => (host === 'models.example.test' ? { host: '127.0.0.1', port } : undefined) });
    const fetch = createHttpFetch({ proxyEnv: { HTTP_PROXY: proxy.url } });
    const response = await fetch('http://models.example.test/v1/models');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { id: string }[] }).data[0]?.id).toBe('through-the-proxy');
    expect(proxy.requests).toEqual([{ method: 'GET', target: 'http://models.example.test/v1/models' }]);
  });

  it('tunnels https requests with CONNECT, sending the proxy credentials from the proxy URL', async () => {
    await using proxy = await startFakeProxy({ authorization: `Basic ${Buffer.from('user:secret').toString('base64')}`, route: () => ({ host: '127.0.0.1', port: 9 }) });
    const url = new URL(proxy.url);
    const fetch = createHttpFetch({ proxyEnv: { HTTPS_PROXY: `http://user:secret@${url.host}` } });
    // The tunnel's far end is closed: what matters is that the request went to the proxy, as a tunnel.
    await expect(fetch('https://api.example.test/v1/models')).rejects.toThrow();
    expect(proxy.requests[0]).toMatchObject({ method: 'CONNECT', target: 'api.example.test:443', authorization: `Basic ${Buffer.from('user:secret').toString('base64')}` });
  });

  it('the shared httpFetch reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment at each request', async () => {
    await using upstream = await startFakeOpenAI();
    const port = Number(new URL(upstream.url).port);
    await using proxy = await startFakeProxy({ route: () => ({ host: '127.0.0.1', port }) });
    vi.stubEnv('HTTP_PROXY', proxy.url);
    vi.stubEnv('NO_PROXY', 'direct.example.test');
    expect((await httpFetch('http://via.example.test/v1/models')).status).toBe(200);
    await expect(httpFetch('http://direct.example.test/v1/models')).rejects.toThrow(/fetch failed/);
    // Loopback is always reached directly.
    expect((await httpFetch(`${upstream.url}/v1/models`)).status).toBe(200);
    expect(proxy.requests.map((request) => request.target)).toEqual(['http://via.example.test/v1/models']);
  });
});
