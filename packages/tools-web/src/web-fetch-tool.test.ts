import { gzipSync } from 'node:zlib';
import { runTool } from '@ml-intern/core/testing';
import { type HttpFake, startHttpFake } from '@ml-intern/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HostResolver } from './guarded-fetch.js';
import { createWebFetchTool } from './web-fetch-tool.js';

const ARTICLE = `<!doctype html><html><head><title>Training guide</title><style>.x{}</style></head><body>
<nav><a href="/">Home</a> | <a href="/blog">Blog</a></nav>
<article>
  <h1>Fine-tuning with LoRA</h1>
  <p>LoRA adds small trainable matrices to a frozen model. ${'It keeps memory use low and training fast. '.repeat(12)}</p>
  <p>See the <a href="/docs/peft">PEFT docs</a> for details.</p>
  <table><thead><tr><th>rank</th><th>params</th></tr></thead><tbody><tr><td>8</td><td>4M</td></tr></tbody></table>
  <pre><code class="language-python">from peft import LoraConfig
config = LoraConfig(r=8)</code></pre>
</article>
<script>document.write("tracking")</script>
</body></html>`;

const LONG_TEXT = Array.from({ length: 3000 }, (_, index) => `line ${index} of a long plain text file`).join('\n');

let server: HttpFake;
let base: string;

beforeAll(async () => {
  server = await startHttpFake((request, response) => {
    const port = server.port;
    switch (request.path) {
      case '/article':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'session=abc' });
        response.end(ARTICLE);
        return;
      case '/gzip':
        response.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        response.end(gzipSync(ARTICLE));
        return;
      case '/long.txt':
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(LONG_TEXT);
        return;
      case '/data.json':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"model":"gpt2","downloads":42}');
        return;
      case '/image.png':
        response.writeHead(200, { 'content-type': 'image/png' });
        response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
        return;
      case '/missing':
        response.writeHead(404, { 'content-type': 'text/html' });
        response.end('<html><body><p>No such page</p></body></html>');
        return;
      case '/to-article':
        response.writeHead(302, { location: '/article' });
        response.end();
        return;
      case '/to-private':
        response.writeHead(302, { location: `http://127.0.0.2:${port}/article` });
        response.end();
        return;
      case '/to-metadata':
        response.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' });
        response.end();
        return;
      case '/with-credentials':
        response.writeHead(307, { location: `http://admin:hunter2@127.0.0.1:${port}/article` });
        response.end();
        return;
      case '/slow':
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('first bytes, then nothing');
        return;
      case '/loop':
        response.writeHead(302, { location: '/loop' });
        response.end();
        return;
      default:
        response.writeHead(500);
        response.end();
    }
  });
  base = server.url;
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
});

const allowLoopback = { allowedPrivateHosts: ['127.0.0.1'] };

describe('web_fetch content', () => {
  it('turns an HTML page into readable markdown with absolute links', async () => {
    const result = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/article` });
    expect(result.isError).toBe(false);
    expect(result.output).toMatch(/^# Training guide\nURL: http:\/\/127\.0\.0\.1:\d+\/article/);
    expect(result.output).toContain('LoRA adds small trainable matrices');
    expect(result.output).toContain(`[PEFT docs](${base}/docs/peft)`);
    expect(result.output).toContain('| rank | params |');
    expect(result.output).toContain('```python\nfrom peft import LoraConfig');
    expect(result.output).not.toContain('tracking');
    expect(result.output).not.toContain('Blog');
  });

  it('decompresses gzip bodies', async () => {
    const result = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/gzip` });
    expect(result.output).toContain('LoRA adds small trainable matrices');
  });

  it('returns plain text and JSON as they are', async () => {
    const json = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/data.json` });
    expect(json.output).toContain('{"model":"gpt2","downloads":42}');
    const text = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/long.txt`, max_length: 1000 });
    expect(text.output).toContain('line 0 of a long plain text file\nline 1 of');
  });

  it('refuses binary content with a message', async () => {
    const result = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/image.png` });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('binary content (image/png') });
  });

  it('reports HTTP errors with the status', async () => {
    const result = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/missing` });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('HTTP 404') });
    expect(result.output).toContain('No such page');
  });

  it('caps long pages with a pointer and continues from the offset without downloading again', async () => {
    const tool = createWebFetchTool(allowLoopback);
    const first = await runTool(tool, { url: `${base}/long.txt`, max_length: 5000 });
    const total = LONG_TEXT.length;
    expect(first.output).toContain(`[Showing characters 0–5000 of ${total}. Call web_fetch with the same url and offset=5000 to read more.]`);
    expect(first.output).not.toContain('line 2999 of');
    const second = await runTool(tool, { url: `${base}/long.txt`, max_length: 5000, offset: 5000 });
    expect(second.output).toContain('(continuing at character 5000)');
    expect(second.output).toContain(LONG_TEXT.slice(5000, 5100));
    const last = await runTool(tool, { url: `${base}/long.txt`, max_length: 100_000, offset: 10_000 });
    expect(last.output).toContain('line 2999 of a long plain text file');
    expect(last.output).not.toContain('[Showing characters');
    expect(server.requests).toHaveLength(1);
  });

  it('stops reading at the byte limit and says so', async () => {
    const tool = createWebFetchTool({ ...allowLoopback, maxResponseBytes: 2000 });
    const result = await runTool(tool, { url: `${base}/long.txt`, max_length: 100_000 });
    expect(result.output).toContain('line 0 of');
    expect(result.output).not.toContain('line 2999');
    expect(result.output).toContain('larger than the download limit');
  });

  it('follows redirects within the policy and reports where it landed', async () => {
    const result = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/to-article` });
    expect(result.output).toContain(`URL: ${base}/article`);
    expect(result.output).toContain(`Redirected from: ${base}/to-article`);
    expect(server.requests.map((request) => request.path)).toEqual(['/to-article', '/article']);
  });

  it('gives up on a server that stops sending', async () => {
    const result = await runTool(createWebFetchTool({ ...allowLoopback, timeoutMs: 300 }), { url: `${base}/slow` });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('took longer than 0.3 s') });
  });

  it('gives up after too many redirects', async () => {
    const result = await runTool(createWebFetchTool({ ...allowLoopback, maxRedirects: 3 }), { url: `${base}/loop` });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('Too many redirects') });
    expect(server.requests).toHaveLength(4);
  });
});

describe('web_fetch network policy', () => {
  it('refuses loopback by default without connecting', async () => {
    const result = await runTool(createWebFetchTool(), { url: `${base}/article` });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('loopback') });
    expect(server.requests).toHaveLength(0);
  });

  it.each(['http://2130706433:PORT/article', 'http://0x7f.1:PORT/article', 'http://0177.0.0.1:PORT/article', 'http://[::ffff:127.0.0.1]:PORT/article'])(
    'refuses the disguised loopback URL %s',
    async (template) => {
      const result = await runTool(createWebFetchTool(), { url: template.replace('PORT', String(server.port)) });
      expect(result).toMatchObject({ isError: true, output: expect.stringContaining('loopback') });
      expect(server.requests).toHaveLength(0);
    },
  );

  it('refuses a redirect from an allowed host to a private address that is not allowed', async () => {
    const result = await runTool(createWebFetchTool(allowLoopback), { url: `${base}/to-private` });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('127.0.0.2 is a loopback address') });
    expect(server.requests.map((request) => request.path)).toEqual(['/to-private']);
  });

  it('refuses a redirect to the metadata endpoint even with allowPrivateNetwork', async () => {
    const result = await runTool(createWebFetchTool({ allowPrivateNetwork: true }), { url: `${base}/to-metadata` });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('cloud instance-metadata') });
  });

  it('allowPrivateNetwork reaches local pages', async () => {
    const result = await runTool(createWebFetchTool({ allowPrivateNetwork: true }), { url: `${base}/article` });
    expect(result.output).toContain('LoRA adds small trainable matrices');
  });

  it('checks resolved addresses of host names', async () => {
    const resolveHost: HostResolver = async (hostname) =>
      hostname === 'mixed.test'
        ? [
            { address: '93.184.215.14', family: 4 },
            { address: '10.0.0.7', family: 4 },
          ]
        : [{ address: 'fd00:ec2::254', family: 6 }];
    const tool = createWebFetchTool({ resolveHost });
    const mixed = await runTool(tool, { url: 'http://mixed.test/' });
    expect(mixed.output).toContain('10.0.0.7 is a private network address (RFC 1918) (mixed.test resolves to it)');
    const metadata = await runTool(tool, { url: 'http://metadata.test/' });
    expect(metadata.output).toContain('cloud instance-metadata');
  });

  it('connects to the address it checked, resolving each hop once', async () => {
    const lookups: string[] = [];
    // A rebinding resolver: the first answer is the allowed loopback page, later answers point elsewhere.
    const resolveHost: HostResolver = async (hostname) => {
      lookups.push(hostname);
      return lookups.length === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '192.0.2.1', family: 4 }];
    };
    const tool = createWebFetchTool({ resolveHost, allowedPrivateHosts: ['docs.test'] });
    const result = await runTool(tool, { url: `http://docs.test:${server.port}/article` });
    expect(result.output).toContain('LoRA adds small trainable matrices');
    expect(lookups).toEqual(['docs.test']);
    expect(server.requests[0]?.headers.host).toBe(`docs.test:${server.port}`);
  });

  it('never sends credentials, not even ones in the URL or in a redirect target', async () => {
    const result = await runTool(createWebFetchTool(allowLoopback), { url: `http://user:secret@127.0.0.1:${server.port}/with-credentials` });
    expect(result.output).toContain('LoRA adds small trainable matrices');
    expect(result.output).not.toContain('hunter2');
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(Object.keys(request.headers).sort()).toEqual(['accept', 'accept-encoding', 'connection', 'host', 'user-agent']);
    }
  });

  it('refuses non-http schemes', async () => {
    const result = await runTool(createWebFetchTool(), { url: 'file:///etc/passwd' });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('Only http and https') });
  });
});
