import type { TurnReason } from '@ml-intern/events';
import { describe, expect, it } from 'vitest';
import { agentError, approvalRequired, toolCall, turnComplete } from './__fixtures__/events.js';
import { MAX_AUTO_MESSAGE_CHARS, notificationForEvent } from './event-notification.js';

describe('notificationForEvent', () => {
  it.each<[TurnReason, string, string]>([
    ['done', 'success', 'Turn complete'],
    ['max_iterations', 'warning', 'Turn stopped: iteration limit reached'],
    ['budget_exceeded', 'warning', 'Turn stopped: budget exceeded'],
    ['loop_detected', 'warning', 'Turn stopped: repeated tool calls detected'],
    ['truncated', 'warning', 'Turn complete (answer truncated)'],
    ['refusal', 'warning', 'Turn ended: the model refused'],
  ])('titles a turn that ended with %s', (reason, severity, title) => {
    expect(notificationForEvent({ ...turnComplete(), reason })).toMatchObject({ severity, title });
  });

  it.each([
    [{ unpriced: false, cost_usd: 0.004 }, 'cost $0.0040'],
    [{ unpriced: true, cost_usd: 0 }, 'cost unknown'],
    [{ unpriced: true, cost_usd: 1.234 }, 'cost at least $1.23'],
  ])('states the cost of %o', (cost, text) => {
    expect(notificationForEvent({ ...turnComplete('ok'), ...cost })?.message).toContain(text);
  });

  it('says so when a turn ends without text', () => {
    expect(notificationForEvent(turnComplete('  '))?.message).toMatch(/^_\(no final answer\)_/);
  });

  it('caps a huge final answer, keeping its head and the footer', () => {
    const message = notificationForEvent(turnComplete(`start ${'z'.repeat(100_000)}`))?.message ?? '';
    expect(message.length).toBeLessThanOrEqual(MAX_AUTO_MESSAGE_CHARS);
    expect(message).toMatch(/^start z+/);
    expect(message).toMatch(/more characters not shown\)\n\n_3 model calls, cost \$0\.42_$/);
  });

  it('lists approvals by summary and marks an error recoverable or not', () => {
    expect(notificationForEvent(approvalRequired())?.message).toBe(
      '- `hf_jobs`: run train.py on a10g-small — HF Jobs cost money (estimated $1.50)\n\nThe agent is paused until you answer in the session.',
    );
    expect(notificationForEvent({ ...agentError('boom'), recoverable: false })?.message).toBe('boom\n\n_Code `provider_error`. The turn stopped._');
  });

  it('puts the session, the model when known, and the event type in the metadata', () => {
    expect(notificationForEvent(agentError(), 'openai/gpt-5.5')?.metadata).toEqual({ session_id: 's-1', model: 'openai/gpt-5.5', event_type: 'error' });
    expect(notificationForEvent(agentError())?.metadata).toEqual({ session_id: 's-1', event_type: 'error' });
  });

  it('has nothing to say about other events', () => {
    expect(notificationForEvent(toolCall())).toBeUndefined();
  });
});
