import { describe, expect, it } from 'vitest';
import { startFakeSlack } from './fake-slack.js';

async function call(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), json: (await response.json()) as Record<string, unknown> };
}

const json = (token: string) => ({ 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` });

describe('startFakeSlack', () => {
  it('answers auth.test and a JSON chat.postMessage, recording decoded calls without the token', async () => {
    await using slack = await startFakeSlack({ tokens: ['xoxb-valid-123'] });
    const auth = await call(`${slack.slackApiUrl}auth.test`, '', json('xoxb-valid-123'));
    expect(auth.json).toMatchObject({ ok: true, user_id: 'U0FAKE' });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const posted = await call(`${slack.slackApiUrl}chat.postMessage`, JSON.stringify({ channel: 'C1', text: 'hi', blocks }), json('xoxb-valid-123'));
    expect(posted.json).toMatchObject({ ok: true, channel: 'C1', ts: '1700000000.000001' });
    expect(slack.calls.map((recorded) => [recorded.method, recorded.contentType, recorded.token, recorded.outcome])).toEqual([
      ['auth.test', 'json', 'xoxb-v…[redacted]', 'ok'],
      ['chat.postMessage', 'json', 'xoxb-v…[redacted]', 'ok'],
    ]);
    expect(slack.messages).toEqual([{ channel: 'C1', text: 'hi', blocks, ts: '1700000000.000001' }]);
    expect(JSON.stringify(slack.calls)).not.toContain('xoxb-valid-123');
  });

  it('decodes form bodies with JSON-valued fields and a token in the body', async () => {
    await using slack = await startFakeSlack();
    const form = new URLSearchParams({ token: 'xoxb-form-secret', channel: 'C1', text: 'x', blocks: JSON.stringify([{ type: 'divider' }]) });
    const result = await call(`${slack.slackApiUrl}chat.postMessage`, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(result.json.ok).toBe(true);
    expect(slack.calls[0]?.args).toEqual({ token: 'xoxb-f…[redacted]', channel: 'C1', text: 'x', blocks: [{ type: 'divider' }] });
  });

  it.each([
    ['no token', {}, { channel: 'C1', text: 'x' }, 'not_authed'],
    ['a wrong token', { tokens: ['xoxb-right'] }, { channel: 'C1', text: 'x' }, 'invalid_auth'],
    ['an unknown channel', { channels: ['C1'] }, { channel: 'general', text: 'x' }, 'channel_not_found'],
    ['a channel the bot is not in', { notInChannels: ['C1'] }, { channel: 'C1', text: 'x' }, 'not_in_channel'],
    ['no text', {}, { channel: 'C1' }, 'no_text'],
    ['text over 40,000 characters', {}, { channel: 'C1', text: 'x'.repeat(40_001) }, 'msg_too_long'],
    ['a section over 3,000 characters', {}, { channel: 'C1', text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3_001) } }] }, 'invalid_blocks'],
    ['more than 50 blocks', {}, { channel: 'C1', text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, 'invalid_blocks'],
  ])('answers ok:false for %s', async (name, options, body, error) => {
    await using slack = await startFakeSlack(options);
    const headers = name === 'no token' ? { 'content-type': 'application/json' } : json('xoxb-other');
    const result = await call(`${slack.slackApiUrl}chat.postMessage`, JSON.stringify(body), headers);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ ok: false, error });
    expect(slack.messages).toEqual([]);
  });

  it('scripts failures, rate limits with Retry-After, and outages', async () => {
    await using slack = await startFakeSlack();
    const post = () => fetch(`${slack.slackApiUrl}chat.postMessage`, { method: 'POST', body: JSON.stringify({ channel: 'C1', text: 'x' }), headers: json('xoxb-a') });
    slack.failNext('is_archived');
    slack.rateLimitNext(12);
    expect(await (await post()).json()).toEqual({ ok: false, error: 'is_archived' });
    const limited = await post();
    expect([limited.status, limited.headers.get('retry-after'), await limited.json()]).toEqual([429, '12', { ok: false, error: 'ratelimited' }]);
    slack.setDown('error');
    expect((await post()).status).toBe(500);
    slack.setDown(false);
    expect((await post()).status).toBe(200);
    slack.setDown('refused');
    await expect(post()).rejects.toThrow();
    expect(slack.calls.map((recorded) => recorded.outcome)).toEqual(['is_archived', 'ratelimited', 'http_500', 'ok']);
  });
});
