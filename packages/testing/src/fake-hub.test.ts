import { describe, expect, test } from 'vitest';
import { FAKE_HUB_TOKEN, startFakeHub } from './fake-hub.js';

const auth = { authorization: `Bearer ${FAKE_HUB_TOKEN}` };

describe('startFakeHub', () => {
  test('serves files with Range, ETag and Content-Range like the Hub resolve endpoint', async () => {
    await using hub = await startFakeHub();
    const probe = await fetch(`${hub.url}/tester/tiny-model/resolve/main/config.json`, { headers: { range: 'bytes=0-0' } });
    expect(probe.status).toBe(206);
    expect(probe.headers.get('content-range')).toMatch(/^bytes 0-0\/49$/);
    expect(probe.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect(await probe.text()).toBe('{');
    const missing = await fetch(`${hub.url}/tester/tiny-model/resolve/main/nope.txt`);
    expect([missing.status, missing.headers.get('x-error-code')]).toEqual([404, 'EntryNotFound']);
    const gated = await fetch(`${hub.url}/datasets/gated-org/medical-notes/resolve/main/notes.jsonl`, { headers: auth });
    expect([gated.status, gated.headers.get('x-error-code')]).toEqual([403, 'GatedRepo']);
    const hidden = await fetch(`${hub.url}/api/datasets/tester/private-set`);
    expect([hidden.status, hidden.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound']);
  });

  test('applies NDJSON commits after a preupload and records requests with the token redacted', async () => {
    await using hub = await startFakeHub();
    const preupload = await fetch(`${hub.url}/api/models/tester/tiny-model/preupload/main`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ files: [{ path: 'a.txt', size: 1, sample: 'YQ==' }] }) });
    expect(await preupload.json()).toEqual({ files: [{ path: 'a.txt', uploadMode: 'regular', shouldIgnore: false }] });
    const body = [
      { key: 'header', value: { summary: 'add a' } },
      { key: 'file', value: { path: 'a.txt', content: Buffer.from('a').toString('base64'), encoding: 'base64' } },
      { key: 'deletedFile', value: { path: 'train.py' } },
    ].map((line) => JSON.stringify(line)).join('\n');
    const commit = await fetch(`${hub.url}/api/models/tester/tiny-model/commit/main`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body });
    expect((await commit.json()).commitUrl).toMatch(/\/tester\/tiny-model\/commit\/[0-9a-f]{40}$/);
    expect(hub.readFile('model', 'tester/tiny-model', 'a.txt')).toBe('a');
    expect(hub.readFile('model', 'tester/tiny-model', 'train.py')).toBeUndefined();
    expect(hub.requests.at(-1)?.headers.authorization).toBe('Bearer hf_fak…[redacted]');
    const foreign = await fetch(`${hub.url}/api/datasets/gated-org/medical-notes/commit/main`, { method: 'POST', headers: auth, body });
    expect(foreign.status).toBe(403);
  });

  test('streams job logs over SSE and completes the job once every chunk is out', async () => {
    await using hub = await startFakeHub({ jobScript: { chunks: [['one', 'two']], finalStage: 'ERROR' } });
    const created = await (await fetch(`${hub.url}/api/jobs/tester`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ flavor: 'cpu-basic', dockerImage: 'python:3.12', command: ['true'] }) })).json();
    const logs = await fetch(`${hub.url}/api/jobs/tester/${created.id}/logs`, { headers: auth });
    expect(logs.headers.get('content-type')).toBe('text/event-stream');
    const frames = (await logs.text()).trim().split('\n\n').map((frame) => JSON.parse(frame.replace(/^data: /, '')).data);
    expect(frames).toEqual(['one', 'two']);
    expect(hub.jobs.get(created.id)?.stage).toBe('ERROR');
    const other = await fetch(`${hub.url}/api/jobs/someone-else`, { headers: auth });
    expect(other.status).toBe(403);
  });

  test('injects failures per path and rejects tokens outside validTokens', async () => {
    await using hub = await startFakeHub({ validTokens: ['hf_onlyThisOne'] });
    hub.fail({ path: /^\/api\/papers\//, status: 429, headers: { 'retry-after': '9' }, times: 2 });
    for (let attempt = 0; attempt < 2; attempt += 1) expect((await fetch(`${hub.url}/api/papers/2401.00001`)).status).toBe(429);
    expect((await fetch(`${hub.url}/api/papers/2401.00001`)).status).toBe(200);
    expect((await fetch(`${hub.url}/api/whoami-v2`, { headers: auth })).status).toBe(401);
    expect((await fetch(`${hub.url}/api/whoami-v2`, { headers: { authorization: 'Bearer hf_onlyThisOne' } })).status).toBe(200);
    expect(await (await fetch(`${hub.url}/api/nowhere`)).json()).toEqual({ error: 'fake hub: no route for GET /api/nowhere' });
  });
  test('lists repos with the Hub listing parameters: filters, gated, sort, expand and Link pagination', async () => {
    const models = ['a', 'b', 'c'].map((name, index) => ({ type: 'model' as const, id: `org/${name}`, downloads: index * 10, trendingScore: 3 - index, tags: ['en', `license:${index === 0 ? 'mit' : 'apache-2.0'}`], pipeline_tag: 'text-generation', ...(name === 'c' ? { gated: 'auto' as const } : {}), files: { 'README.md': '---\nlicense: mit\nbase_model: x/y\ndatasets:\n- d/one\n- d/two\n---\nhi' } }));
    await using hub = await startFakeHub({ seed: { repos: models } });
    const list = async (query: string) => {
      const response = await fetch(`${hub.url}/api/models?${query}`);
      return { link: response.headers.get('link'), ids: ((await response.json()) as { id: string }[]).map((one) => one.id) };
    };
    expect((await list('author=org&sort=downloads')).ids).toEqual(['org/c', 'org/b', 'org/a']);
    expect((await list('author=org&sort=trendingScore&filter=license:apache-2.0')).ids).toEqual(['org/b', 'org/c']);
    expect((await list('author=org&gated=false&pipeline_tag=text-generation&filter=en')).ids).toEqual(['org/a', 'org/b']);
    expect((await fetch(`${hub.url}/api/models?sort=nope`)).status).toBe(400);
    const first = await list('author=org&sort=id&limit=2');
    expect(first.ids).toEqual(['org/a', 'org/b']);
    const next = first.link?.match(/^<(.+)>; rel="next"$/)?.[1] as string;
    expect(await (await fetch(next)).json()).toMatchObject([{ id: 'org/c' }]);
    const expanded = await (await fetch(`${hub.url}/api/models/org/a?expand=cardData&expand=likes`)).json();
    expect(expanded).toEqual({ _id: expect.any(String), id: 'org/a', likes: 0, cardData: { license: 'mit', base_model: 'x/y', datasets: ['d/one', 'd/two'] } });
  });
});
