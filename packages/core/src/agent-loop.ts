import { type History, type NoticeKind, type ToolCallPart } from '@ml-intern/context';
import type { EventPayload, TurnReason } from '@ml-intern/events';
import { ContextOverflowError } from './errors.js';
import { loopNotice, type LoopGuard } from './doom-loop.js';
import { callModel, type ModelCallResult } from './model-call.js';
import type { LanguageModel, ModelRequest, ModelUsage, ReasoningEffort, ToolSpec } from './model.js';
import type { RetryOptions } from './retry.js';
import { runToolBatch, type ToolBatchHost } from './tool-batch.js';

export type CompactionTrigger = 'threshold' | 'overflow' | 'manual';
export type CompactionResult = 'compacted' | 'not_needed' | 'failed';

/** What one turn needs from its session. */
export interface LoopHost extends ToolBatchHost {
  model: LanguageModel;
  history: History;
  loopGuard: LoopGuard;
  system: string;
  tools(): ToolSpec[];
  maxIterations: number;
  interactive: boolean;
  reasoningEffort?: ReasoningEffort;
  retry: RetryOptions;
  budgetUsd?: number;
  emit(payload: EventPayload): void;
  appendMessage(message: Parameters<History['append']>[0]): void;
  recordUsage(usage: ModelUsage, latencyMs: number, finishReason: string): void;
  compact(trigger: CompactionTrigger, signal: AbortSignal): Promise<CompactionResult>;
}

export type TurnEnd =
  | { kind: 'complete'; reason: TurnReason; text: string; iterations: number }
  | { kind: 'interrupted'; iterations: number }
  | { kind: 'terminated'; iterations: number };

const MAX_ITERATIONS_NOTICE = (limit: number) =>
  `You have reached the limit of ${limit} model calls for this turn. Do not call tools. Summarise for the user: what was done, what is left, and how to continue.`;

function lengthNotice(dropped: ToolCallPart[]): string {
  const names = dropped.map((call) => call.name).join(', ');
  return `Your previous response hit the output token limit while writing the arguments of ${names}; ${dropped.length === 1 ? 'that call was' : 'those calls were'} dropped and not executed. Split large content into smaller pieces (write a file in several parts, or use edit for changes) and try again.`;
}

function isParsable(call: ToolCallPart): boolean {
  if (call.arguments.trim() === '') return true;
  try {
    JSON.parse(call.arguments);
    return true;
  } catch {
    return false;
  }
}

function notice(host: LoopHost, kind: NoticeKind, content: string): void {
  host.appendMessage({ role: 'notice', kind, content });
}

/** One LLM call with streaming events; a context overflow compacts and retries once. */
async function modelTurn(host: LoopHost, request: () => ModelRequest, signal: AbortSignal): Promise<ModelCallResult | 'compaction_failed'> {
  for (let attempt = 0; ; attempt += 1) {
    let streamed = false;
    try {
      const result = await callModel(
        host.model,
        request(),
        {
          onTextDelta: (text) => {
            streamed = true;
            host.emit({ type: 'assistant_chunk', text });
          },
          onReset: (reason) => host.emit({ type: 'tool_log', level: 'warn', message: `Model stream interrupted (${reason}); retrying the call from the start. Discard the partial answer above.` }),
          onRetry: (notice) =>
            host.emit({
              type: 'tool_log',
              level: 'warn',
              message: `${host.model.id}: ${notice.error.message} — trying again in ${(notice.delayMs / 1000).toFixed(1)} s (attempt ${notice.attempt} of ${notice.maxAttempts})`,
            }),
        },
        { ...host.retry, signal },
      );
      if (streamed) host.emit({ type: 'assistant_stream_end' });
      host.recordUsage(result.usage, result.latencyMs, result.finishReason);
      return result;
    } catch (error) {
      if (!ContextOverflowError.isInstance(error) || attempt > 0) throw error;
      host.emit({ type: 'tool_log', level: 'warn', message: `${host.model.id} reported the context is too long; compacting and retrying.` });
      const compacted = await host.compact('overflow', signal);
      if (compacted !== 'compacted') return 'compaction_failed';
    }
  }
}

/** The agentic loop for one user turn (SPEC section 1). */
export async function runAgentTurn(host: LoopHost, signal: AbortSignal): Promise<TurnEnd> {
  let iterations = 0;
  let nudged = false;
  host.loopGuard.reset();
  const request = (toolChoice: 'auto' | 'none' = 'auto'): ModelRequest => ({
    system: host.system,
    messages: host.history.messages,
    tools: host.tools(),
    maxOutputTokens: host.model.info.maxOutputTokens,
    toolChoice,
    ...(host.reasoningEffort ? { reasoningEffort: host.reasoningEffort } : {}),
  });

  for (;;) {
    if (signal.aborted) return { kind: 'interrupted', iterations };
    if (host.maxIterations !== -1 && iterations >= host.maxIterations) {
      notice(host, 'max_iterations', MAX_ITERATIONS_NOTICE(host.maxIterations));
      const summary = await modelTurn(host, () => request('none'), signal);
      if (summary === 'compaction_failed') return { kind: 'terminated', iterations };
      const message = { ...summary.message, content: summary.message.content.filter((part) => part.type !== 'tool_call') };
      host.appendMessage(message);
      host.emit({ type: 'assistant_message', text: summary.text });
      return { kind: 'complete', reason: 'max_iterations', text: summary.text, iterations };
    }
    if (host.budgetUsd !== undefined && host.spentUsd() >= host.budgetUsd) {
      const text = `Stopped: the session budget of $${host.budgetUsd.toFixed(2)} is spent ($${host.spentUsd().toFixed(2)}).`;
      return { kind: 'complete', reason: 'budget_exceeded', text, iterations };
    }
    if ((await host.compact('threshold', signal)) === 'failed') return { kind: 'terminated', iterations };

    const detection = host.loopGuard.check();
    if (detection) {
      host.loopGuard.reset();
      if (!nudged) {
        nudged = true;
        host.emit({ type: 'loop_detected', pattern: detection.pattern, tools: detection.tools, repetitions: detection.repetitions, action: 'nudge' });
        notice(host, 'loop_guard', loopNotice(detection));
      } else {
        const action = host.interactive ? 'ask' : 'stop';
        host.emit({ type: 'loop_detected', pattern: detection.pattern, tools: detection.tools, repetitions: detection.repetitions, action });
        const text = `Stopped: the agent kept repeating ${detection.tools.join(' → ')} after being warned.${host.interactive ? ' Tell it how to proceed.' : ''}`;
        return { kind: 'complete', reason: 'loop_detected', text, iterations };
      }
    }

    iterations += 1;
    const result = await modelTurn(host, () => request(), signal);
    if (result === 'compaction_failed') return { kind: 'terminated', iterations };
    let calls = result.toolCalls;
    let message = result.message;
    if (result.finishReason === 'length' && calls.length > 0) {
      const dropped = calls.filter((call) => !isParsable(call));
      if (dropped.length > 0) {
        calls = calls.filter(isParsable);
        message = { ...message, content: message.content.filter((part) => part.type !== 'tool_call' || calls.includes(part)) };
        host.appendMessage(message);
        host.emit({ type: 'assistant_message', text: result.text });
        host.emit({ type: 'tool_log', level: 'warn', message: `Output limit hit while writing ${dropped.map((call) => call.name).join(', ')}; dropped the truncated call(s) and asked the model to split its output.` });
        if (calls.length === 0) {
          notice(host, 'truncation', lengthNotice(dropped));
          continue;
        }
        const outcome = await runToolBatch(host, calls, signal);
        for (const item of outcome.results) host.appendMessage(item);
        notice(host, 'truncation', lengthNotice(dropped));
        if (outcome.interrupted) return { kind: 'interrupted', iterations };
        if (outcome.abandoned) return { kind: 'complete', reason: 'superseded', text: '', iterations };
        continue;
      }
    }
    host.appendMessage(message);
    host.emit({ type: 'assistant_message', text: result.text });
    if (calls.length === 0) {
      const reason: TurnReason = result.finishReason === 'length' ? 'truncated' : result.finishReason === 'refusal' ? 'refusal' : 'done';
      return { kind: 'complete', reason, text: result.text, iterations };
    }
    const outcome = await runToolBatch(host, calls, signal);
    for (const item of outcome.results) host.appendMessage(item);
    if (outcome.interrupted) return { kind: 'interrupted', iterations };
    // A new user message abandoned the pending approvals: end here, the next turn starts with it.
    if (outcome.abandoned) return { kind: 'complete', reason: 'superseded', text: '', iterations };
  }
}
