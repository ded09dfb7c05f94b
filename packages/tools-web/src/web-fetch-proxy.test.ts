import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { runTool } from '@ml-intern/core/testing';
import { type HttpFake, startFakeProxy, startHttpFake } from '@ml-intern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './__fixtures__/test-tls.js';
import type { HostResolver } from './guarded-fetch.js';
import { createWebFetchTool } from './web-fetch-tool.js';

// docs.example.test "resolves" to this machine; only the checked address may ever be connected to.
const resolveHost: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];

let server: HttpFake;
beforeAll(async () => {
  server = await startHttpFake((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('through the proxy');
  });
});
afterAll(async () => {
  await server.close();
});

describe('web_fetch through HTTP(S)_PROXY', () => {
  it('http: the proxy gets an absolute-form request naming the checked address, the host only in Host', async () => {
    await using proxy = await startFakeProxy();
    const tool = createWebFetchTool({ allowPrivateNetwork: true, resolveHost, proxyEnv: { HTTP_PROXY: proxy.url } });
    const result = await runTool(tool, { url: `http://docs.example.test:${server.port}/page` });
    expect(result).toMatchObject({ isError: false, output: expect.stringContaining('through the proxy') });
    expect(proxy.requests).toEqual([expect.objectContaining({ method: 'GET', target: `http://127.0.0.1:${server.port}/page` })]);
    expect(server.requests[0]?.headers.host).toBe(`docs.example.test:${server.port}`);
  });

  it('a proxy is no way around the private-network refusal: nothing reaches it', async () => {
    await using proxy = await startFakeProxy();
    const tool = createWebFetchTool({ resolveHost, proxyEnv: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url } });
    for (const url of [`http://docs.example.test:${server.port}/page`, 'https://docs.example.test/page', 'http://169.254.169.254/latest/meta-data/']) {
      const result = await runTool(tool, { url });
      expect(result, url).toMatchObject({ isError: true, output: expect.stringContaining("Refused to fetch") });
    }
    expect(proxy.requests).toEqual([]);
  });

  it('https: a CONNECT tunnel to the checked address; TLS names the host (SNI, certificate check)', async () => {
    const names: string[] = [];
    const context = tls.createSecureContext({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT });
    const secure = https.createServer(
      {
        key: TEST_TLS_KEY,
        cert: TEST_TLS_CERT,
        SNICallback: (servername, callback) => {
          names.push(servername);
          callback(null, context);
        },
      },
      (_request, response) => response.end('secret page'),
    );
    secure.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const port = (secure.address() as AddressInfo).port;
    try {
      await using proxy = await startFakeProxy();
      const tool = createWebFetchTool({ allowPrivateNetwork: true, resolveHost, proxyEnv: { HTTPS_PROXY: proxy.url } });
      const result = await runTool(tool, { url: `https://docs.example.test:${port}/page` });
      // The certificate is self-signed, so the check refuses it: it was checked, against the host name.
      expect(result).toMatchObject({ isError: true, output: expect.stringMatching(/self[- ]signed certificate/) });
      expect(proxy.requests).toEqual([expect.objectContaining({ method: 'CONNECT', target: `127.0.0.1:${port}` })]);
    } finally {
      await new Promise((resolve) => secure.close(resolve));
    }
    // The handshake that reached the server named the host (SNI), though the socket went to the address.
    expect(names).toEqual(['docs.example.test']);
  });

  it('NO_PROXY and loopback names are reached directly', async () => {
    await using proxy = await startFakeProxy();
    const tool = createWebFetchTool({ allowPrivateNetwork: true, resolveHost, proxyEnv: { HTTP_PROXY: proxy.url, NO_PROXY: 'example.test' } });
    const result = await runTool(tool, { url: `http://docs.example.test:${server.port}/page` });
    expect(result.output).toContain('through the proxy');
    expect(proxy.requests).toEqual([]);
  });
});
