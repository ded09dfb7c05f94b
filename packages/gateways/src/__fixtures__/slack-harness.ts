// Fake Slack + gateway harness shared by this package's Slack tests.
import { type FakeSlack, startFakeSlack } from '@ml-intern/testing';
import { type CreateGatewaysOptions, createGateways } from '../create-gateways.js';
import type { GatewayReport } from '../destination-gateway.js';
import type { ResolvedMessagingConfig } from '../messaging-config.js';

export interface Harness {
  reports: { message: string; details: GatewayReport }[];
  waits: number[];
  options: CreateGatewaysOptions;
}

const fakes: FakeSlack[] = [];

export async function fakeSlack(options: Parameters<typeof startFakeSlack>[0] = { tokens: ['xoxb-good'], channels: ['C0TEST', 'C0OUT'], notInChannels: ['C0OUT'] }) {
  const fake = await startFakeSlack(options);
  fakes.push(fake);
  return fake;
}

/** Options whose `sleep` records each wait and returns at once, so retries are observable without waiting. */
export function harness(fake: FakeSlack, extra: Partial<CreateGatewaysOptions> = {}): Harness {
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

export function gatewayFor(config: ResolvedMessagingConfig, options: CreateGatewaysOptions) {
  const [gateway] = createGateways(config, options);
  if (!gateway) throw new Error('no gateway created');
  return gateway;
}

export function sections(message: Record<string, unknown>): string[] {
  return (message.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[]).map((block) => block.text?.text ?? block.elements?.[0]?.text ?? '');
}

/** Close every fake started through `fakeSlack`; call from `afterEach`. */
export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}
