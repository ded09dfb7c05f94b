import { repairToolResults, type AssistantMessage, type AssistantPart, type ToolCallPart } from '@ml-intern/context';
import type { FinishReason, LanguageModel, ModelRequest, ModelUsage } from './model.js';
import { emptyUsage } from './model.js';
import { streamWithRetry, type RetryNotice, type RetryOptions } from './retry.js';

export interface ModelCallResult {
  message: AssistantMessage;
  text: string;
  toolCalls: ToolCallPart[];
  finishReason: FinishReason;
  usage: ModelUsage;
  latencyMs: number;
}

export interface ModelCallHooks {
  onTextDelta(text: string): void;
  /** The call is being retried from the start; discard what was shown. */
  onReset(reason: string): void;
  onRetry(notice: RetryNotice): void;
}

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * One LLM call: stream with retries, assemble text, reasoning and tool calls (by id, in start
 * order) into an assistant message. Deltas go to hooks as they arrive. The history sent is first
 * checked so every tool call has exactly one result right after it (see `repairToolResults`): a
 * damaged or raced log must not make every later request fail.
 */
export async function callModel(
  model: LanguageModel,
  original: ModelRequest,
  hooks: ModelCallHooks,
  options: RetryOptions & { signal: AbortSignal },
): Promise<ModelCallResult> {
  const started = performance.now();
  const repaired = repairToolResults(original.messages).messages;
  const request = repaired === original.messages ? original : { ...original, messages: repaired };
  let text = '';
  let reasoning: AssistantPart[] = [];
  let calls = new Map<string, PendingCall>();
  let usage = emptyUsage();
  let finishReason: FinishReason = 'other';
  let sawFinish = false;
  // One signal per call, linked to the turn's: whatever listeners a provider or SDK attaches die
  // with the call instead of piling up on a signal that lives for the whole turn.
  const call = new AbortController();
  const forward = () => call.abort(options.signal.reason);
  if (options.signal.aborted) call.abort(options.signal.reason);
  else options.signal.addEventListener('abort', forward, { once: true });
  try {
    for await (const part of streamWithRetry(model, request, { ...options, signal: call.signal, onRetry: hooks.onRetry })) {
      switch (part.type) {
        case 'text-delta':
          text += part.text;
          hooks.onTextDelta(part.text);
          break;
        case 'reasoning':
          reasoning.push({
            type: 'reasoning',
            text: part.text,
            ...(part.signature === undefined ? {} : { signature: part.signature }),
            ...(part.redacted === undefined ? {} : { redacted: part.redacted }),
            ...(part.provider === undefined ? {} : { provider: part.provider }),
          });
          break;
        case 'tool-call-start':
          calls.set(part.id, { id: part.id, name: part.name, arguments: '' });
          break;
        case 'tool-call-delta': {
          const call = calls.get(part.id);
          if (call) call.arguments += part.argumentsDelta;
          break;
        }
        case 'usage':
          usage = part.usage;
          break;
        case 'finish':
          finishReason = part.reason;
          sawFinish = true;
          break;
        case 'reset':
          text = '';
          reasoning = [];
          calls = new Map();
          usage = emptyUsage();
          hooks.onReset(part.reason);
          break;
        default:
          break;
      }
    }
  } finally {
    options.signal.removeEventListener('abort', forward);
  }
  const toolCalls: ToolCallPart[] = [...calls.values()].map((call) => ({ type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments }));
  if (!sawFinish) finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const content: AssistantPart[] = [...reasoning];
  if (text) content.push({ type: 'text', text });
  content.push(...toolCalls);
  return {
    message: { role: 'assistant', content },
    text,
    toolCalls,
    finishReason,
    usage,
    latencyMs: Math.round(performance.now() - started),
  };
}
