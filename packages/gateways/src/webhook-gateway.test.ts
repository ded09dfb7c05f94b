import { agentEventSchema } from '@ml-intern/events';
import { type HttpFake, sendJson, startHttpFake } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { messaging, turnComplete } from './__fixtures__/events.js';
import { createGateways } from './create-gateways.js';
import type { ResolvedWebhookDestination } from './messaging-config.js';
import { createNotifyTool } from './notify-tool.js';
import { runTool } from '@ml-intern/core/testing';

const servers: HttpFake[] = [];

/** A webhook receiver answering each request with the next status in `statuses` (then 204). */
async function receiver(statuses: { status: number; headers?: Record<string, string> }[] = []) {
  const server = await startHttpFake((_request, response) => {
    const next = statuses.shift() ?? { status: 204 };
    if (next.status === 204) {
      response.writeHead(204).end();
      return;
    }
    sendJson(response, next.status, { error: 'nope' }, next.headers);
  });
  servers.push(server);
  return server;
}

function webhook(url: string, overrides: Partial<ResolvedWebhookDestination> = {}): ResolvedWebhookDestination {
  return { name: 'ops-hook', provider: 'webhook', url, headers: { authorization: 'Bearer hook-secret' }, allowAgentTool: true, allowAutoEvents: true, source: 'config', ...overrides };
}

function setup(destination: ResolvedWebhookDestination) {
  const reports: { message: string; code: string }[] = [];
  const waits: number[] = [];
  const [gateway] = createGateways(messaging([destination]), {
    report: (message, details) => reports.push({ message, code: details.code }),
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  if (!gateway) throw new Error('no gateway');
  return { gateway, reports, waits };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('webhook destination', () => {
  it('POSTs the notification with the event, as the event contract, and the configured headers', async () => {
    const server = await receiver();
    const { gateway } = setup(webhook(`${server.url}/hooks/abc`));
    const event = turnComplete('Done: **0.91**');
    gateway.handle(event);
    await gateway.flush(2_000);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/hooks/abc');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer hook-s…[redacted]');
    const body = request?.json as Record<string, unknown>;
    expect(body).toMatchObject({
      destination: 'ops-hook',
      severity: 'success',
      title: 'Turn complete',
      message: 'Done: **0.91**\n\n_3 model calls, cost $0.42_',
      metadata: { session_id: 's-1', event_type: 'turn_complete' },
    });
    expect(agentEventSchema.parse(body.event)).toEqual(event);
  });

  it('sends notify tool messages with a null event', async () => {
    const server = await receiver();
    const { gateway } = setup(webhook(server.url));
    const result = await runTool(createNotifyTool({ gateways: [gateway] }), { destinations: ['ops-hook'], message: 'ping' });
    expect(result.output).toBe('Sent to 1 of 1 destination.\n- ops-hook: sent');
    expect(server.requests[0]?.json).toMatchObject({ message: 'ping', severity: 'info', title: null, event: null });
  });

  it('honours Retry-After on 429 and 503, then delivers', async () => {
    const server = await receiver([
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 503, headers: { 'retry-after': '1' } },
    ]);
    const { gateway, waits, reports } = setup(webhook(server.url));
    gateway.handle(turnComplete());
    await gateway.flush(2_000);
    expect(waits).toEqual([3_000, 1_000]);
    expect(server.requests).toHaveLength(3);
    expect(gateway.stats()).toMatchObject({ sent: 1, failed: 0 });
    expect(reports).toEqual([]);
  });

  it('reports a 404 once without retrying, showing only the origin of the secret URL', async () => {
    const server = await receiver([{ status: 404 }, { status: 404 }]);
    const { gateway, waits, reports } = setup(webhook(`${server.url}/services/T000/B000/secret-path-token`));
    gateway.handle(turnComplete());
    gateway.handle(turnComplete());
    await gateway.flush(2_000);
    expect(server.requests).toHaveLength(2);
    expect(waits).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.code).toBe('http_404');
    expect(reports[0]?.message).toContain(`The webhook at ${server.url} answered HTTP 404. Check messaging.destinations.ops-hook.url.`);
    expect(reports[0]?.message).not.toContain('secret-path-token');
    expect(reports[0]?.message).not.toContain('hook-secret');
  });

  it('retries an unreachable receiver, then reports once', async () => {
    const server = await receiver();
    await server.close();
    const { gateway, waits, reports } = setup(webhook(server.url));
    gateway.handle(turnComplete());
    await gateway.flush(2_000);
    expect(waits).toHaveLength(3);
    expect(reports.map((report) => report.code)).toEqual(['unreachable']);
    expect(reports[0]?.message).toMatch(/Could not reach the webhook at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Gave up after 4 attempts\./);
  });
});
