import { runTool } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { startTestHub } from './__fixtures__/test-hub.js';
import { createHfPapersTool } from './papers/hf-papers-tool.js';
import { describeHubFailure, HubHttpError } from './hub-error.js';
import { HubNetworkError } from './hub-fetch.js';

const hubUrl = 'https://hub.example';
const subject = { label: 'model repo "a/b"', pageUrl: `${hubUrl}/a/b`, kind: 'repo' as const };
const describe401 = (hasToken: boolean, errorCode?: string) =>
  describeHubFailure(new HubHttpError({ status: 401, url: `${hubUrl}/api/models/a/b`, ...(errorCode ? { errorCode } : {}) }), { subject, hasToken, hubUrl });

describe('describeHubFailure', () => {
  test('says what to do for each kind of refusal', () => {
    expect(describe401(false)).toBe(`model repo "a/b" requires authentication: no HF token is configured; set HF_TOKEN (create one at ${hubUrl}/settings/tokens).`);
    expect(describe401(true)).toContain('the configured HF token was rejected (expired, revoked or without the needed scope)');
    expect(describe401(false, 'RepoNotFound')).toContain('not found: model repo "a/b"; check the repo id and repo_type (if it is private, no HF token is configured');
    const http = (status: number, extra: Partial<ConstructorParameters<typeof HubHttpError>[0]> = {}) =>
      describeHubFailure(new HubHttpError({ status, url: `${hubUrl}/x`, ...extra }), { subject, hasToken: true, hubUrl });
    expect(http(403, { errorCode: 'GatedRepo' })).toBe(`model repo "a/b" is gated: accept its terms at ${hubUrl}/a/b with the account of your HF token, then retry.`);
    expect(http(403)).toContain('permission denied for model repo "a/b": the HF token lacks the needed permission');
    expect(http(404, { errorCode: 'EntryNotFound' })).toBe('file not found in model repo "a/b"; check the path and revision (list the files first).');
    expect(http(404, { errorCode: 'RevisionNotFound' })).toContain('revision not found');
    expect(http(404)).toContain('not found: model repo "a/b"; check the repo id ("owner/name") and repo_type');
    expect(http(409, { serverMessage: 'exists' })).toBe('conflict on model repo "a/b": it already exists or was changed concurrently. Server said: exists');
    expect(http(429)).toBe('rate limited by hub.example while accessing model repo "a/b": retry after a minute.');
    expect(http(503)).toBe('hub.example had a server error (HTTP 503) for model repo "a/b"; try again later.');
    expect(http(422, { serverMessage: 'bad flavor' })).toBe('hub.example rejected the request for model repo "a/b" (HTTP 422). Server said: bad flavor');
    expect(describeHubFailure(new HubNetworkError('hub.example', 'ECONNRESET', 3, new Error('x')), { hasToken: true, hubUrl })).toBe(
      'could not reach hub.example (ECONNRESET) after 3 attempts; check the network connection or the configured URL, then retry.',
    );
  });

  test('recognises the Hub library\'s errors by their status code and URL', () => {
    const libraryError = Object.assign(new Error('Not Found. URL: https://hub.example/api/models/a/b'), { statusCode: 404, url: `${hubUrl}/api/models/a/b`, data: { error: 'Repository not found' } });
    expect(describeHubFailure(libraryError, { subject, hasToken: true, hubUrl })).toBe(
      'not found: model repo "a/b"; check the repo id ("owner/name") and repo_type (private repos also need a token with access). Server said: Repository not found',
    );
    expect(describeHubFailure(Object.assign(new Error('boom'), { statusCode: 404 }), { subject, hasToken: true, hubUrl })).toBe('boom');
  });

  test('never lets the token through, even when a server echoes it', async () => {
    await using setup = await startTestHub();
    setup.hub.fail({ path: '/api/papers/search', status: 400, body: { error: `token ${setup.hub.token} is not allowed here` } });
    const result = await runTool(createHfPapersTool(setup.options), { operation: 'search', query: 'lora' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('Server said: token hf_*** is not allowed here');
    expect(result.output).not.toContain(setup.hub.token);
  });
});
