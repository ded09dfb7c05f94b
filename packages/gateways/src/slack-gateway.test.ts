import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { agentError, approvalRequired, messaging, sessionStarted, slackDestination, toolCall, turnComplete } from './__fixtures__/events.js';
import { closeFakes, fakeSlack, gatewayFor, harness, sections } from './__fixtures__/slack-harness.js';
import { createGateways } from './create-gateways.js';

afterEach(closeFakes);

describe('Slack auto notifications through @slack/web-api', () => {
  it('posts approval_required with a warning title, the call summary and the metadata, never the arguments', async () => {
    const fake = await fakeSlack();
    const { options } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(sessionStarted('anthropic/claude-opus-4-6'));
    gateway.handle(approvalRequired());
    await gateway.flush(2_000);

    expect(fake.calls.map((call) => [call.method, call.contentType, call.token])).toEqual([['chat.postMessage', 'form', 'xoxb-g…[redacted]']]);
    const [message] = fake.messages;
    expect(message?.channel).toBe('C0TEST');
    const [title, body, context] = sections(message ?? {});
    expect(title).toBe(':warning: *[WARNING] Approval required for 1 tool call*');
    expect(body).toContain('• `hf_jobs`: run train.py on a10g-small — HF Jobs cost money (estimated $1.50)');
    expect(context).toBe('session_id: `s-1`  ·  model: `anthropic/claude-opus-4-6`  ·  event_type: `approval_required`');
    expect(JSON.stringify(fake.requests)).not.toContain('hf_secret_value');
  });

  it('posts error events tagged as errors', async () => {
    const fake = await fakeSlack();
    const gateway = gatewayFor(messaging([slackDestination()]), harness(fake).options);
    gateway.handle(agentError('Provider failed: <overloaded> & retried'));
    await gateway.flush(2_000);
    const [title, body] = sections(fake.messages[0] ?? {});
    expect(title).toBe(':x: *[ERROR] Agent error*');
    expect(body).toContain('Provider failed: &lt;overloaded&gt; &amp; retried');
    expect(body).toContain('_Code `provider_error`. The session continues._');
  });

  it('posts turn_complete with the final answer converted to mrkdwn', async () => {
    const fake = await fakeSlack();
    const gateway = gatewayFor(messaging([slackDestination()]), harness(fake).options);
    gateway.handle(turnComplete());
    await gateway.flush(2_000);
    const message: Record<string, unknown> = fake.messages[0] ?? {};
    const [title, body] = sections(message);
    expect(title).toBe(':white_check_mark: *[SUCCESS] Turn complete*');
    expect(body).toBe('Trained the model. *Accuracy 0.91*, see <https://hf.co/me/model|the repo>.\n\n_3 model calls, cost $0.42_');
    expect(message.text).toContain('*Accuracy 0.91*');
    expect(message.unfurl_links).toBe('false');
  });

  it('keeps a 200,000-character final answer within the limits Slack enforces', async () => {
    const fake = await fakeSlack();
    const { options, reports } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(turnComplete(`# Report\n\n${'All metrics improved. '.repeat(10_000)}`));
    await gateway.flush(2_000);
    expect(reports).toEqual([]);
    expect(fake.calls.map((call) => call.outcome)).toEqual(['ok']);
    expect(String(fake.messages[0]?.text)).toMatch(/more characters not shown/);
  });

  it('ignores events that are not auto events, and those left out of auto_event_types', async () => {
    const fake = await fakeSlack();
    const gateway = gatewayFor(messaging([slackDestination()], ['error']), harness(fake).options);
    gateway.handle(toolCall());
    gateway.handle(turnComplete());
    gateway.handle(approvalRequired());
    gateway.handle(agentError());
    await gateway.flush(2_000);
    expect(fake.messages.map((message) => sections(message)[0])).toEqual([':x: *[ERROR] Agent error*']);
  });

  it('sends no auto event to a destination whose allow_auto_events is false', async () => {
    const fake = await fakeSlack();
    const gateway = gatewayFor(messaging([slackDestination({ allowAutoEvents: false })]), harness(fake).options);
    gateway.handle(turnComplete());
    gateway.handle(agentError());
    await gateway.flush(2_000);
    expect(fake.calls).toEqual([]);
  });

  it('creates no gateway when messaging is disabled', () => {
    expect(createGateways({ enabled: false, autoEventTypes: ['error'], destinations: [slackDestination()] }, { report: () => {} })).toEqual([]);
  });
});

describe('Slack API URL', () => {
  it('uses the destination api_url (trailing slash added) over the SLACK_API_URL option', async () => {
    const fake = await fakeSlack();
    const { options } = harness(fake, { slackApiUrl: 'http://127.0.0.1:9/api/' });
    const gateway = gatewayFor(messaging([slackDestination({ apiUrl: `${fake.url}/api` })]), options);
    gateway.handle(agentError());
    await gateway.flush(2_000);
    expect(fake.requests.map((request) => request.path)).toEqual(['/api/chat.postMessage']);
  });

  it('sends through the injected fetch', async () => {
    const fake = await fakeSlack();
    const urls: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    const gateway = gatewayFor(messaging([slackDestination()]), harness(fake, { fetch: countingFetch }).options);
    gateway.handle(agentError());
    await gateway.flush(2_000);
    expect(urls).toEqual([`${fake.slackApiUrl}chat.postMessage`]);
  });

  it('rejects a SLACK_API_URL that is not a URL', () => {
    expect(() => createGateways(messaging([slackDestination()]), { report: () => {}, slackApiUrl: 'slack-gov' })).toThrow(/SLACK_API_URL/);
  });
});

describe('Slack rate limits and retries', () => {
  it('the SDK, as configured here, surfaces a 429 at once with its Retry-After', async () => {
    const fake = await fakeSlack();
    fake.rateLimitNext(7);
    const client = new WebClient('xoxb-good', { slackApiUrl: fake.slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    await expect(client.chat.postMessage({ channel: 'C0TEST', text: 'hi' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(fake.calls).toHaveLength(1);
  });

  it('waits exactly Retry-After after an HTTP 429, then delivers', async () => {
    const fake = await fakeSlack();
    fake.rateLimitNext(7);
    const { options, waits, reports } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(turnComplete());
    await gateway.flush(2_000);
    expect(waits).toEqual([7_000]);
    expect(fake.calls.map((call) => call.outcome)).toEqual(['ratelimited', 'ok']);
    expect(reports).toEqual([]);
    expect(gateway.stats()).toEqual({ pending: 0, sent: 1, failed: 0, dropped: 0 });
  });

  it("retries Slack's ok:false ratelimited and transient errors with backoff", async () => {
    const fake = await fakeSlack();
    fake.failNext('ratelimited');
    fake.failNext('internal_error');
    const { options, waits } = harness(fake, { retry: { baseDelayMs: 100 } });
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(agentError());
    await gateway.flush(2_000);
    expect(fake.calls.map((call) => call.outcome)).toEqual(['ratelimited', 'internal_error', 'ok']);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(200);
  });

  it('gives up on a Retry-After longer than maxDelayMs and reports it', async () => {
    const fake = await fakeSlack();
    fake.rateLimitNext(3_600);
    const { options, waits, reports } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(agentError());
    await gateway.flush(2_000);
    expect(waits).toEqual([]);
    expect(reports.map((report) => report.details.code)).toEqual(['ratelimited']);
    expect(reports[0]?.message).toMatch(/Asked to wait 3600 s, longer than the 60 s limit/);
  });
});

describe('Slack errors are reported once, with a fix', () => {
  it('reports invalid_auth once per destination however many notifications fail', async () => {
    const fake = await fakeSlack();
    const { options, reports, waits } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination({ token: 'xoxb-revoked-secret' })]), options);
    gateway.handle(agentError());
    gateway.handle(turnComplete());
    gateway.handle(approvalRequired());
    await gateway.flush(2_000);
    expect(fake.calls.map((call) => call.outcome)).toEqual(['invalid_auth', 'invalid_auth', 'invalid_auth']);
    expect(waits).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.details).toEqual({ destination: 'slack.default', code: 'invalid_auth', level: 'error' });
    expect(reports[0]?.message).toMatch(/slack destination "slack.default" failed: Slack rejected the bot token \(invalid_auth\)\. Check SLACK_BOT_TOKEN/);
    expect(reports[0]?.message).not.toContain('xoxb-revoked-secret');
    expect(gateway.stats()).toMatchObject({ sent: 0, failed: 3 });
  });

  it.each([
    ['channel_not_found', { channel: 'general', source: 'config' as const }, /Set messaging\.destinations\.slack\.default\.channel to the channel ID/],
    ['not_in_channel', { channel: 'C0OUT' }, /Invite it by typing \/invite @<your bot> in that channel/],
  ])('explains %s', async (code, destination, hint) => {
    const fake = await fakeSlack();
    const { options, reports } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination(destination)]), options);
    gateway.handle(agentError());
    await gateway.flush(2_000);
    expect(fake.calls.map((call) => call.outcome)).toEqual([code]);
    expect(reports.map((report) => report.details.code)).toEqual([code]);
    expect(reports[0]?.message).toMatch(hint);
  });
});
