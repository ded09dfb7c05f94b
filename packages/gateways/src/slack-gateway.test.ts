import { type FakeSlack, startFakeSlack } from '@ml-intern/testing';
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { agentError, approvalRequired, messaging, sessionStarted, slackDestination, toolCall, turnComplete } from './__fixtures__/events.js';
import { type CreateGatewaysOptions, createGateways } from './create-gateways.js';
import type { GatewayReport } from './destination-gateway.js';
import type { ResolvedMessagingConfig } from './messaging-config.js';

interface Harness {
  reports: { message: string; details: GatewayReport }[];
  waits: number[];
  options: CreateGatewaysOptions;
}

const fakes: FakeSlack[] = [];

async function fakeSlack(options: Parameters<typeof startFakeSlack>[0] = { tokens: ['xoxb-good'], channels: ['C0TEST', 'C0OUT'], notInChannels: ['C0OUT'] }) {
  const fake = await startFakeSlack(options);
  fakes.push(fake);
  return fake;
}

/** Options whose `sleep` records each wait and returns at once, so retries are observable without waiting. */
function harness(fake: FakeSlack, extra: Partial<CreateGatewaysOptions> = {}): Harness {
  const reports: Harness['reports'] = [];
  const waits: number[] = [];
  const options: CreateGatewaysOptions = {
    report: (message, details) => reports.push({ message, details }),
    slackApiUrl: fake.slackApiUrl,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  };
  return { reports, waits, options };
}

function gatewayFor(config: ResolvedMessagingConfig, options: CreateGatewaysOptions) {
  const [gateway] = createGateways(config, options);
  if (!gateway) throw new Error('no gateway created');
  return gateway;
}

function sections(message: Record<string, unknown>): string[] {
  return (message.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[]).map((block) => block.text?.text ?? block.elements?.[0]?.text ?? '');
}

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

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

describe('Slack outages never reach the agent', () => {
  it('returns from handle at once while Slack refuses connections, and flush resolves after reporting once', async () => {
    const fake = await fakeSlack();
    fake.setDown('refused');
    const { options, reports, waits } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    for (let index = 0; index < 3; index += 1) expect(gateway.handle(agentError())).toBeUndefined();
    expect(gateway.stats().pending).toBe(3);
    await gateway.flush(5_000);
    expect(gateway.stats()).toEqual({ pending: 0, sent: 0, failed: 3, dropped: 0 });
    expect(waits).toHaveLength(9);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.details.code).toBe('unreachable');
    expect(reports[0]?.message).toMatch(/Could not reach the Slack API at http:\/\/127\.0\.0\.1:\d+\/api\/ \(ECONNREFUSED\)\. Gave up after 4 attempts\./);
  });

  it('retries through HTTP 500s and delivers once Slack is back', async () => {
    const fake = await fakeSlack();
    fake.setDown('error');
    const { options, reports, waits } = harness(fake, {
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 2) fake.setDown(false);
      },
    });
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(turnComplete());
    await gateway.flush(2_000);
    expect(fake.calls.map((call) => call.outcome)).toEqual(['http_500', 'http_500', 'ok']);
    expect(reports).toEqual([]);
  });

  it('flush gives up within its bound on a Slack that never answers, and says how much was lost', async () => {
    const fake = await fakeSlack();
    fake.setDown('hang');
    const { options, reports } = harness(fake);
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(agentError());
    gateway.handle(turnComplete());
    await gateway.flush(200);
    expect(reports.map((report) => report.details.code)).toEqual(['shutdown']);
    expect(reports[0]?.message).toBe('2 notifications to "slack.default" not delivered: gave up after waiting 200 ms at shutdown.');
    await expect.poll(() => gateway.stats()).toEqual({ pending: 0, sent: 0, failed: 1, dropped: 1 });
    expect(fake.calls).toHaveLength(1);
  });

  it('drops the oldest pending notification when the queue is full, with a counted warning', async () => {
    const fake = await fakeSlack();
    fake.setDown('hang');
    const { options, reports } = harness(fake, { queueSize: 2 });
    const gateway = gatewayFor(messaging([slackDestination()]), options);
    gateway.handle(agentError('error 0'));
    await expect.poll(() => fake.calls.length).toBe(1);
    for (let index = 1; index < 6; index += 1) gateway.handle(agentError(`error ${index}`));
    expect(gateway.stats()).toMatchObject({ pending: 3, dropped: 3 });
    expect(reports.map((report) => report.message)).toEqual([
      'Notifications to "slack.default" are backing up: at most 2 can wait, so the oldest was dropped (1 dropped so far).',
    ]);
    await gateway.flush(50);
  });

  it('delivers everything pending on flush, in order', async () => {
    const fake = await fakeSlack();
    const gateway = gatewayFor(messaging([slackDestination()]), harness(fake).options);
    for (let index = 0; index < 5; index += 1) gateway.handle(agentError(`error ${index}`));
    await gateway.flush(5_000);
    expect(fake.messages.map((message) => /error \d/.exec(String(message.text))?.[0])).toEqual(['error 0', 'error 1', 'error 2', 'error 3', 'error 4']);
  });
});
