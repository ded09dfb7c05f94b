import { runTool } from '@ml-intern/core/testing';
import { type FakeSlack, startFakeSlack } from '@ml-intern/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messaging, slackDestination } from './__fixtures__/events.js';
import { createGateways } from './create-gateways.js';
import type { NotificationGateway } from './destination-gateway.js';
import { createNotifyTool } from './notify-tool.js';

let fake: FakeSlack;
let gateways: NotificationGateway[];
let reports: string[];

beforeEach(async () => {
  fake = await startFakeSlack({ tokens: ['xoxb-good'], channels: ['C0TEST', 'C0OPS', 'C0OUT'], notInChannels: ['C0OUT'] });
  reports = [];
  gateways = createGateways(
    messaging([
      slackDestination(),
      slackDestination({ name: 'slack.ops', channel: 'C0OPS', allowAgentTool: false, source: 'config' }),
      slackDestination({ name: 'slack.broken', channel: 'C0OUT', source: 'config' }),
    ]),
    { report: (message) => reports.push(message), slackApiUrl: fake.slackApiUrl, sleep: async () => {} },
  );
});

afterEach(async () => {
  await Promise.all(gateways.map((gateway) => gateway.flush(200)));
  await fake.close();
});

describe('notify tool', () => {
  it('lists only the destinations that allow it in its description', () => {
    expect(createNotifyTool({ gateways }).description).toMatch(/Available destinations: slack\.default, slack\.broken\./);
    expect(createNotifyTool({ gateways: [] }).description).toMatch(/No destination currently allows this tool/);
  });

  it('sends to an allowed destination with title, severity and session metadata', async () => {
    const tool = createNotifyTool({ gateways });
    const result = await runTool(tool, { destinations: ['slack.default'], title: 'Job finished', message: 'Loss **0.12** after 3 epochs', severity: 'success' });
    expect(result.isError).toBe(false);
    expect(result.output).toBe('Sent to 1 of 1 destination.\n- slack.default: sent (id 1700000000.000001)');
    expect(fake.messages).toHaveLength(1);
    const blocks = fake.messages[0]?.blocks as { text?: { text: string }; elements?: { text: string }[] }[];
    expect(blocks[0]?.text?.text).toBe(':white_check_mark: *[SUCCESS] Job finished*');
    expect(blocks[1]?.text?.text).toBe('Loss *0.12* after 3 epochs');
    expect(blocks[2]?.elements?.[0]?.text).toBe('session_id: `test-session`  ·  model: `scripted/model`  ·  event_type: `notify`');
  });

  it('refuses destinations outside the allow-list and unknown ones, sending nothing', async () => {
    const tool = createNotifyTool({ gateways });
    const result = await runTool(tool, { destinations: ['slack.ops', 'slack.nowhere'], message: 'hello' });
    expect(result.isError).toBe(true);
    expect(result.output).toBe(
      [
        'Sent to 0 of 2 destinations.',
        '- slack.ops: not sent: destination "slack.ops" does not accept messages from the agent (its allow_agent_tool setting is false)',
        '- slack.nowhere: not sent: unknown destination "slack.nowhere"',
        'Destinations that accept this tool: slack.default, slack.broken.',
      ].join('\n'),
    );
    expect(fake.calls).toEqual([]);
  });

  it('reports each destination: one sent, one failing at Slack', async () => {
    const tool = createNotifyTool({ gateways });
    const result = await runTool(tool, { destinations: ['slack.default', 'slack.broken'], message: 'done' });
    expect(result.isError).toBe(false);
    expect(result.output).toMatch(/^Sent to 1 of 2 destinations\.\n- slack\.default: sent \(id [\d.]+\)\n- slack\.broken: not sent: The Slack bot is not a member of channel "C0OUT" \(not_in_channel\)/);
    expect(reports).toHaveLength(1);
  });

  it('validates its input like a session does', async () => {
    const tool = createNotifyTool({ gateways });
    const result = await runTool(tool, { destinations: [], message: 'x' });
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/destinations/);
    expect(fake.calls).toEqual([]);
  });

  it('stops waiting for a send that is cancelled, queued or in flight, while Slack hangs', async () => {
    fake.setDown('hang');
    const [gateway] = gateways;
    const first = new AbortController();
    const second = new AbortController();
    const inFlight = gateway?.send({ message: 'first', severity: 'info', metadata: {} }, { signal: first.signal });
    const queued = gateway?.send({ message: 'second', severity: 'info', metadata: {} }, { signal: second.signal });
    await expect.poll(() => fake.calls.length).toBe(1);
    second.abort();
    first.abort();
    expect(await queued).toEqual({ destination: 'slack.default', ok: false, error: 'cancelled before sending' });
    expect(await inFlight).toEqual({ destination: 'slack.default', ok: false, error: 'cancelled while sending (it may still arrive)' });
    expect(gateway?.stats().pending).toBe(1);
  });

});
