import { afterEach, describe, expect, it } from 'vitest';
import { agentError, messaging, slackDestination, turnComplete } from './__fixtures__/events.js';
import { closeFakes, fakeSlack, gatewayFor, harness } from './__fixtures__/slack-harness.js';

afterEach(closeFakes);

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
