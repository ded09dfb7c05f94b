// Event builders shared by this package's tests (not exported from the package).
import type { AgentEvent, EventOf } from '@ml-intern/events';
import type { ResolvedDestination, ResolvedMessagingConfig } from '../messaging-config.js';

let seq = 0;

function envelope(sessionId = 's-1') {
  seq += 1;
  return { session_id: sessionId, seq, ts: '2026-11-26T10:00:00.000Z' };
}

const zeroUsage = { input_tokens: 0, cached_input_tokens: 0, cache_creation_tokens: 0, output_tokens: 0, reasoning_tokens: 0 };

export function sessionStarted(model = 'anthropic/claude-opus-4-6'): EventOf<'session_started'> {
  return { type: 'session_started', ...envelope(), model, cwd: '/work', runtime: 'local', resumed: false, config: {} };
}

export function approvalRequired(): EventOf<'approval_required'> {
  return {
    type: 'approval_required',
    ...envelope(),
    tools: [
      {
        tool_call_id: 'call_1',
        tool: 'hf_jobs',
        arguments: { operation: 'run', script: 'train.py', secrets: { HF_TOKEN: 'hf_secret_value' } },
        summary: 'run train.py on a10g-small',
        reason: 'HF Jobs cost money',
        estimated_cost_usd: 1.5,
        always_scope: 'hf_jobs run on a10g-small',
      },
    ],
  };
}

export function agentError(message = 'The model provider failed: overloaded'): EventOf<'error'> {
  return { type: 'error', ...envelope(), code: 'provider_error', message, recoverable: true };
}

export function turnComplete(finalText = 'Trained the model. **Accuracy 0.91**, see [the repo](https://hf.co/me/model).'): EventOf<'turn_complete'> {
  return { type: 'turn_complete', ...envelope(), final_text: finalText, reason: 'done', iterations: 3, usage: zeroUsage, cost_usd: 0.42, unpriced: false };
}

export function toolCall(): AgentEvent {
  return { type: 'tool_call', ...envelope(), tool_call_id: 'call_2', tool: 'bash', arguments: { command: 'ls' }, summary: 'ls' };
}

export function slackDestination(overrides: Partial<Extract<ResolvedDestination, { provider: 'slack' }>> = {}): ResolvedDestination {
  return { name: 'slack.default', provider: 'slack', token: 'xoxb-good', channel: 'C0TEST', allowAgentTool: true, allowAutoEvents: true, source: 'environment', ...overrides };
}

export function messaging(destinations: ResolvedDestination[], autoEventTypes: ResolvedMessagingConfig['autoEventTypes'] = ['approval_required', 'error', 'turn_complete']): ResolvedMessagingConfig {
  return { enabled: true, autoEventTypes, destinations };
}
