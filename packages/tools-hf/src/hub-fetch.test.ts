import { sendJson, startHttpFake } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { createHubFetch, HubNetworkError, readRetryAfterSeconds } from './hub-fetch.js';

const TOKEN = 'hf_abcdefghijklmnopqrstuvwxyz0123456789';

function hubFetch(tokenOrigin: string, extra: Partial<Parameters<typeof createHubFetch>[0]> = {}) {
  return createHubFetch({ fetch: globalThis.fetch, token: TOKEN, tokenOrigins: new Set([tokenOrigin]), attempts: 3, baseDelayMs: 1, ...extra });
}

describe('createHubFetch', () => {
  test('never sends the token to another origin, even through a redirect', async () => {
    await using elsewhere = await startHttpFake((_request, response) => sendJson(response, 200, { ok: true }));
    await using hub = await startHttpFake((request, response) => {
      if (request.path === '/moved') {
        response.writeHead(302, { location: `${elsewhere.url}/landing` });
        return void response.end();
      }
      if (request.path === '/local-move') {
        response.writeHead(307, { location: '/final' });
        return void response.end();
      }
      sendJson(response, 200, { path: request.path });
    });
    const guarded = hubFetch(hub.url);
    const headers = { authorization: `Bearer ${TOKEN}` };

    expect((await guarded(`${hub.url}/moved`, { headers })).status).toBe(200);
    expect(await (await guarded(`${hub.url}/local-move`, { headers })).json()).toEqual({ path: '/final' });
    await guarded(`${elsewhere.url}/direct`, { headers });
    await guarded(`${elsewhere.url}/storage`, { headers: { authorization: 'Bearer xet-write-token' } });

    expect(hub.requests.map((request) => [request.path, request.headers.authorization])).toEqual([
      ['/moved', 'Bearer hf_abc…[redacted]'],
      ['/local-move', 'Bearer hf_abc…[redacted]'],
      ['/final', 'Bearer hf_abc…[redacted]'],
    ]);
    expect(elsewhere.requests.map((request) => [request.path, request.headers.authorization])).toEqual([
      ['/landing', undefined],
      ['/direct', undefined],
      ['/storage', 'Bearer xet-wr…[redacted]'],
    ]);
    const anonymous = createHubFetch({ fetch: globalThis.fetch, tokenOrigins: new Set([hub.url]), attempts: 1, baseDelayMs: 1 });
    await anonymous(`${elsewhere.url}/anonymous`, { headers });
    expect(elsewhere.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  test('retries idempotent requests on 503 and connection errors, but not a POST that reached the server', async () => {
    let calls = 0;
    await using flaky = await startHttpFake((_request, response) => {
      calls += 1;
      if (calls % 2 === 1) return sendJson(response, 503, { error: 'busy' });
      sendJson(response, 200, { ok: true });
    });
    const guarded = hubFetch(flaky.url);
    expect((await guarded(`${flaky.url}/get`)).status).toBe(200);
    expect(flaky.requests).toHaveLength(2);
    expect((await guarded(`${flaky.url}/post`, { method: 'POST', body: '{}' })).status).toBe(503);
    expect(flaky.requests).toHaveLength(3);
  });

  test('gives up after the configured attempts with a network error naming the host', async () => {
    const gone = await startHttpFake((_request, response) => void response.end());
    const url = gone.url;
    await gone.close();
    const failures: unknown[] = [];
    const guarded = hubFetch(url, { onFailure: (failure) => failures.push(failure) });
    const error = await guarded(`${url}/x`, { method: 'POST' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HubNetworkError);
    expect((error as HubNetworkError).attempts).toBe(3);
    expect((error as HubNetworkError).message).toContain('127.0.0.1');
    expect((error as HubNetworkError).code).toBe('ECONNREFUSED');
  });

  test('records X-Error-Code and Retry-After of failed responses', async () => {
    await using hub = await startHttpFake((_request, response) => sendJson(response, 429, { error: 'slow down' }, { 'retry-after': '17', 'x-error-code': 'RateLimited' }));
    const failures: unknown[] = [];
    const guarded = hubFetch(hub.url, { onFailure: (failure) => failures.push(failure) });
    expect((await guarded(`${hub.url}/api/x`)).status).toBe(429);
    expect(failures).toEqual([{ url: `${hub.url}/api/x`, status: 429, errorCode: 'RateLimited', retryAfterSeconds: 17 }]);
  });

  test('stops waiting when the call is aborted', async () => {
    await using hub = await startHttpFake(() => {
      // never answers
    });
    const controller = new AbortController();
    const guarded = hubFetch(hub.url, { signal: controller.signal });
    const pending = guarded(`${hub.url}/hang`);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: expect.stringMatching(/AbortError/) });
  });

  test('reads Retry-After seconds and dates as whole seconds', () => {
    expect(readRetryAfterSeconds(new Headers({ 'retry-after': '30' }))).toBe(30);
    expect(readRetryAfterSeconds(new Headers({ 'retry-after': '0.2' }))).toBe(1);
    expect(readRetryAfterSeconds(new Headers())).toBeUndefined();
    expect(readRetryAfterSeconds(new Headers({ 'retry-after': new Date(Date.now() + 61_000).toUTCString() }))).toBeGreaterThanOrEqual(59);
    expect(readRetryAfterSeconds(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});
