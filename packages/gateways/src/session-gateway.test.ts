import { createSession } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { startFakeSlack } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { createGateways } from './create-gateways.js';
import { createNotifyTool } from './notify-tool.js';
import { resolveMessagingConfig } from './resolve-messaging-config.js';

describe('gateways wired into a session', () => {
  it('a scripted session notifies through the tool, completes its turn, and Slack receives turn_complete', async () => {
    await using fake = await startFakeSlack({ tokens: ['xoxb-session'], channels: ['C0TEAM'] });
    const env = { SLACK_BOT_TOKEN: 'xoxb-session', SLACK_CHANNEL_ID: 'C0TEAM' };
    const reports: string[] = [];
    const gateways = createGateways(resolveMessagingConfig(undefined, env), { report: (message) => reports.push(message), slackApiUrl: fake.slackApiUrl });
    const model = new ScriptedModel({
      id: 'scripted/intern',
      turns: [toolTurn({ name: 'notify', arguments: { destinations: ['slack.default'], message: 'Training started', title: 'Heads up' } }), textTurn('Training **finished**.')],
    });
    const session = createSession({ model, tools: [createNotifyTool({ gateways })], gateways });

    const outcome = await session.run('train a model and tell me');
    await session.close();

    expect(outcome).toMatchObject({ status: 'completed', text: 'Training **finished**.' });
    expect(reports).toEqual([]);
    const posted = fake.messages.map((message) => (message.blocks as { text?: { text: string }; elements?: { text: string }[] }[]).map((block) => block.text?.text ?? block.elements?.[0]?.text));
    expect(posted).toEqual([
      [':information_source: *[INFO] Heads up*', 'Training started', `session_id: \`${session.id}\`  ·  model: \`scripted/intern\`  ·  event_type: \`notify\``],
      [
        ':white_check_mark: *[SUCCESS] Turn complete*',
        'Training *finished*.\n\n_2 model calls, cost unknown_',
        `session_id: \`${session.id}\`  ·  model: \`scripted/intern\`  ·  event_type: \`turn_complete\``,
      ],
    ]);
  });

  it('a session whose Slack is down completes its turns and closes; the outage is reported once', async () => {
    const fake = await startFakeSlack();
    fake.setDown('refused');
    const reports: string[] = [];
    const config = resolveMessagingConfig(undefined, { SLACK_BOT_TOKEN: 'xoxb-session', SLACK_CHANNEL_ID: 'C0TEAM' });
    const gateways = createGateways(config, { report: (message) => reports.push(message), slackApiUrl: fake.slackApiUrl, sleep: async () => {} });
    const session = createSession({ model: new ScriptedModel({ turns: [textTurn('first'), textTurn('second')] }), gateways });

    expect(await session.run('one')).toMatchObject({ status: 'completed', text: 'first' });
    expect(await session.run('two')).toMatchObject({ status: 'completed', text: 'second' });
    await session.close();

    expect(gateways[0]?.stats()).toEqual({ pending: 0, sent: 0, failed: 2, dropped: 0 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/Could not reach the Slack API/);
  });
});
