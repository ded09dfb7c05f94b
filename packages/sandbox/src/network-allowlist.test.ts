import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { sendJson, startHttpFake } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { hasBubblewrap, scratchSandboxes } from './__fixtures__/scratch-sandboxes.js';
import { domainMatcher, startEgress } from './egress-proxy.js';

const { sandboxFor, cleanup } = scratchSandboxes('ml-intern-allowlist-');
afterEach(cleanup);

const TOKEN = 'hf_allowlistSecretToken0123456789';
const hasCurl = existsSync('/usr/bin/curl');

function filesUnder(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(full));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}

describe('domainMatcher', () => {
  it('matches exact names, label globs and subdomain wildcards, never IP literals', () => {
    const allowed = domainMatcher(['pypi.org', 'cdn-lfs*.hf.co', '*.xethub.hf.co']);
    expect(allowed('pypi.org')).toBe(true);
    expect(allowed('PyPI.org.')).toBe(true);
    expect(allowed('evil-pypi.org')).toBe(false);
    expect(allowed('pypi.org.evil.com')).toBe(false);
    expect(allowed('cdn-lfs-us-1.hf.co')).toBe(true);
    expect(allowed('cdn-lfs.hf.co')).toBe(true);
    expect(allowed('x.cdn-lfs.hf.co')).toBe(false);
    expect(allowed('cas-bridge.xethub.hf.co')).toBe(true);
    expect(allowed('xethub.hf.co')).toBe(false);
    expect(allowed('127.0.0.1')).toBe(false);
    expect(domainMatcher(['*'])('127.0.0.1')).toBe(false);
  });
});

describe('egress proxy (outside the sandbox)', () => {
  it('puts its sockets in a private directory and removes it on close', async () => {
    const egress = await startEgress({ domains: ['allowed.test'] });
    expect(statSync(egress.directory).mode & 0o777).toBe(0o700);
    expect(statSync(egress.proxySocket).isSocket()).toBe(true);
    await egress.close();
    expect(existsSync(egress.directory)).toBe(false);
  });

  it('sends Hub redirects within the Hub back through the forwarder, leaves CDN redirects alone, and CONNECTs only to port 443', async () => {
    await using hub = await startHttpFake((request, response) => {
      const location = request.path === '/internal' ? `HUB/api/next` : 'https://cdn-lfs.hf.co/signed?x=1';
      response.writeHead(302, { location: location.replace('HUB', hubUrl) });
      response.end();
    });
    const hubUrl = hub.url;
    const egress = await startEgress({ domains: ['allowed.test'], hubEndpoint: hub.url, hubToken: TOKEN });
    try {
      const get = (url: string) =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          http.get({ socketPath: egress.hubSocket, path: url }, resolve).on('error', reject);
        });
      expect((await get('/internal')).headers.location).toBe('http://127.0.0.1:3129/api/next');
      expect((await get('/cdn')).headers.location).toBe('https://cdn-lfs.hf.co/signed?x=1');
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(egress.proxySocket, () => socket.write('CONNECT allowed.test:22 HTTP/1.1\r\nhost: allowed.test:22\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 403/);
    } finally {
      await egress.close();
    }
  });
});

describe.skipIf(!hasBubblewrap || !hasCurl)('sandbox.network "allowlist" (bubblewrap)', () => {
  it('reaches listed domains through the proxy, refuses others, and reads the Hub with a token that never enters the sandbox', async () => {
    await using allowedServer = await startHttpFake((request, response) => sendJson(response, 200, { served: request.path }));
    await using otherServer = await startHttpFake((_request, response) => sendJson(response, 200, { leaked: true }));
    const hubAuthorization: string[] = [];
    await using hub = await startHttpFake((request, response, raw) => {
      hubAuthorization.push(String(raw.headers.authorization ?? ''));
      sendJson(response, 200, { name: 'tester', path: request.path });
    });
    const port = (url: string) => Number(new URL(url).port);
    const ports: Record<string, number> = { 'allowed.test': port(allowedServer.url), 'extra.test': port(allowedServer.url), 'other.test': port(otherServer.url) };
    const sandbox = sandboxFor({
      network: 'allowlist',
      baseAllowedDomains: ['allowed.test'],
      allowedDomains: ['extra.test'],
      egressResolver: (host, requested) => ({ host: '127.0.0.1', port: ports[host] ?? requested }),
      hub: { endpoint: hub.url, token: TOKEN },
      hostEnv: { ...process.env, HF_TOKEN: TOKEN },
    });
    const description = await sandbox.describe();
    expect(description).toMatchObject({ network: false, networkMode: 'allowlist', allowedDomains: ['allowed.test', 'extra.test'] });

    // Plain HTTP through HTTP_PROXY, and a CONNECT tunnel to port 443, to listed domains.
    const plain = await sandbox.exec('curl -sS --max-time 10 http://allowed.test/plain');
    expect(plain.output).toContain('"served":"/plain"');
    const tunnel = await sandbox.exec('curl -sS --max-time 10 --proxytunnel http://extra.test:443/tunnel');
    expect(tunnel.output).toContain('"served":"/tunnel"');
    expect(allowedServer.requests.map((request) => request.path)).toEqual(['/plain', '/tunnel']);

    // A host that is not listed, an IP literal, and going around the proxy.
    const refused = await sandbox.exec(
      [
        "curl -sS --max-time 10 -o /dev/null -w 'plain %{http_code}\\n' http://other.test/",
        "curl -sS --max-time 10 -p -o /dev/null http://other.test:443/ 2>&1 | head -1; echo",
        `curl -sS --max-time 10 -o /dev/null -w 'ip %{http_code}\\n' http://127.0.0.1:${port(otherServer.url)}/ 2>&1; echo`,
        `curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${port(otherServer.url)}/ 2>&1 | head -1; echo`,
      ].join('; '),
    );
    expect(refused.output).toContain('plain 403');
    expect(refused.output).toMatch(/403|CONNECT/);
    expect(refused.output).toMatch(/Connection refused|Failed to connect/);
    expect(otherServer.requests).toHaveLength(0);

    // The Hub: reads forwarded with the user's token added outside; writes refused.
    const read = await sandbox.exec('curl -sS --max-time 10 "$HF_ENDPOINT/api/whoami-v2"');
    expect(read.output).toContain('"name":"tester"');
    expect(hubAuthorization).toEqual([`Bearer ${TOKEN}`]);
    const write = await sandbox.exec("curl -sS --max-time 10 -X POST -d '{}' -o /dev/null -w '%{http_code}' \"$HF_ENDPOINT/api/repos/create\"");
    expect(write.output).toContain('403');
    expect(hub.requests.map((request) => request.method)).toEqual(['GET']);

    // The token is nowhere inside: not in the environment, not in any file commands can read.
    const inside = await sandbox.exec(`env; cat /proc/self/environ | tr '\\0' '\\n'; grep -rl '${TOKEN.slice(3)}' /tmp /run /etc "$PWD" 2>/dev/null | head -5; echo grep-done`);
    expect(inside.output).toContain('HF_ENDPOINT=http://127.0.0.1:3129');
    expect(inside.output).toContain('grep-done');
    expect(inside.output).not.toContain(TOKEN.slice(3));
    for (const file of filesUnder(sandbox.workspace)) expect(readFileSync(file, 'utf8')).not.toContain(TOKEN);
  }, 60_000);

  it('forwards Hub writes only when hub_write is set', async () => {
    await using hub = await startHttpFake((request, response) => sendJson(response, 200, { method: request.method }));
    const sandbox = sandboxFor({ network: 'allowlist', baseAllowedDomains: [], hub: { endpoint: hub.url, token: TOKEN, write: true } });
    const write = await sandbox.exec("curl -sS --max-time 10 -X POST -d '{}' \"$HF_ENDPOINT/api/repos/create\"");
    expect(write.output).toContain('"method":"POST"');
  });

  it('keeps no network at all with network false', async () => {
    const sandbox = sandboxFor();
    expect((await sandbox.describe()).networkMode).toBe('off');
    const result = await sandbox.exec('echo "${HTTPS_PROXY:-none} ${HF_ENDPOINT:-none}"; ls /run/ml-intern-egress 2>&1 | head -1');
    expect(result.output).toContain('none none');
    expect(result.output).toMatch(/No such file/);
  });
});
