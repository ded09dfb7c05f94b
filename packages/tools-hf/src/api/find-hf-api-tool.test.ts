import { runTool } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createFindHfApiTool } from './find-hf-api-tool.js';

describe('find_hf_api', () => {
  test('finds endpoints by keywords with parameters and a curl example that never embeds the token', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createFindHfApiTool(setup.options), { query: 'stream space logs' });
    expect(result.isError).toBe(false);
    expect(result.output).toMatch(/## 1\. GET \/api\/spaces\/\{namespace\}\/\{repo\}\/logs\/run/);
    expect(result.output).toContain('`namespace` (path, string, required): Owner of the repo');
    expect(result.output).toContain(`curl -X GET "${setup.hub.hubUrl}/api/spaces/<namespace>/<repo>/logs/run"`);
    expect(result.output).toContain('Bearer $HF_TOKEN');
    expect(result.output).not.toContain(setup.hub.token);
  });

  test('browses a tag, shows request bodies, and falls back to the tag when the query misses', async () => {
    await using setup = await startTestHub();
    const tool = createFindHfApiTool(setup.options);
    const webhooks = await runTool(tool, { tag: 'webhooks' });
    expect(webhooks.output).toContain('POST /api/settings/webhooks');
    expect(webhooks.output).toContain('GET /api/settings/webhooks');
    expect(webhooks.output).toContain('Body: application/json: { url: string, domains?: string[], secret?: string }');
    const fallback = await runTool(tool, { query: 'quantum teleportation', tag: 'orgs' });
    expect(fallback.output).toContain('no match for "quantum teleportation"; showing the orgs endpoints');
    expect(fallback.output).toContain('/api/organizations/{name}/members');
  });

  test('rejects an unknown tag by listing the real ones, and a call without query or tag', async () => {
    await using setup = await startTestHub();
    const tool = createFindHfApiTool(setup.options);
    const unknown = await runTool(tool, { tag: 'billing' });
    expect(unknown.isError).toBe(true);
    expect(unknown.output).toContain('unknown tag "billing". Tags: collections, orgs, repos, spaces, webhooks.');
    const empty = await runTool(tool, {});
    expect(empty.isError).toBe(true);
    expect(empty.output).toContain('pass a query');
  });

  test('fetches the spec once and caches it on disk for other tool instances until the TTL expires', async () => {
    await using setup = await startTestHub();
    await runTool(createFindHfApiTool(setup.options), { query: 'webhook' });
    await runTool(createFindHfApiTool(setup.options), { query: 'collection' });
    expect(requestsTo(setup.hub, /openapi\.json$/)).toHaveLength(1);
    await runTool(createFindHfApiTool({ ...setup.options, cacheTtlMs: 0 }), { query: 'collection' });
    expect(requestsTo(setup.hub, /openapi\.json$/)).toHaveLength(2);
  });

  test('serves a stale copy when refreshing fails, and explains a failure without any copy', async () => {
    await using setup = await startTestHub();
    await runTool(createFindHfApiTool(setup.options), { query: 'webhook' });
    setup.hub.fail({ path: '/.well-known/openapi.json', status: 500, times: 10 });
    const stale = await runTool(createFindHfApiTool({ ...setup.options, cacheTtlMs: 0 }), { query: 'webhook' });
    expect(stale.isError).toBe(false);
    expect(stale.output).toContain('Using a cached copy of the spec');
    const nothing = await runTool(createFindHfApiTool({ ...setup.options, cacheDir: `${setup.cacheDir}/empty` }), { query: 'webhook' });
    expect(nothing.isError).toBe(true);
    expect(nothing.output).toContain('had a server error (HTTP 500) for the Hub OpenAPI spec');
  });
});
