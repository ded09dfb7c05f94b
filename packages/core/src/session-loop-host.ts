import type { History, ImagePart, Message } from '@ml-intern/context';
import type { ApprovalDecision, EventPayload, PendingApproval } from '@ml-intern/events';
import type { CompactionResult, CompactionTrigger, LoopHost } from './agent-loop.js';
import type { ApprovalGate } from './approval-gate.js';
import type { ApprovalPolicy } from './approval-policy.js';
import type { Compactor } from './compactor.js';
import type { LoopGuard } from './doom-loop.js';
import type { LanguageModel, ModelUsage, ReasoningEffort, ToolSpec } from './model.js';
import type { SessionCheckpoints } from './session-checkpoints.js';
import type { SessionEventLog } from './session-event-log.js';
import type { SessionOptions } from './session-options.js';
import { reserveCost } from './session-reservations.js';
import type { ToolSessionInfo } from './tool.js';
import type { ToolRouter } from './tool-router.js';
import { usageTotals, type UsageMeter } from './usage-meter.js';

/**
 * What a session's turn machinery reads and calls: its parts, and functions for the state that
 * changes (`/model`, `/effort`, `/new`, resume, `set_approval_mode`, a refreshed system prompt).
 */
export interface SessionInternals {
  readonly options: SessionOptions;
  readonly cwd: string;
  readonly history: History;
  readonly router: ToolRouter;
  readonly policy: ApprovalPolicy;
  readonly loopGuard: LoopGuard;
  readonly compactor: Compactor;
  readonly checkpoints: SessionCheckpoints;
  readonly approval: ApprovalGate;
  readonly out: SessionEventLog;
  readonly interruptHandlers: Set<() => void | Promise<void>>;
  id(): string;
  dataDir(): string;
  model(): LanguageModel;
  meter(): UsageMeter;
  reasoningEffort(): ReasoningEffort | undefined;
  budgetUsd(): number | undefined;
  system(): string;
  toolSpecs(): ToolSpec[];
  emit(payload: EventPayload): void;
  appendMessage(message: Message): void;
  /** A turn (or `/compact`) runs with this controller; undefined: the session is idle. */
  setTurnController(controller: AbortController | undefined): void;
}

export function recordModelUsage(session: SessionInternals, usage: ModelUsage, latencyMs: number, finishReason: string, estimatedTokens: number): void {
  const model = session.model();
  const cost = session.meter().recordCall(usage, model.info.pricing);
  if (usage.inputTokens > 0 && estimatedTokens > 0) session.history.calibrate(usage.inputTokens, estimatedTokens);
  session.emit({ type: 'llm_call', model: model.id, latency_ms: latencyMs, usage: usageTotals(usage), cost_usd: cost.usd, unpriced: cost.unpriced, finish_reason: finishReason });
}

/** Compact the history (`/compact`, or the loop near the context limit); the log gets the new history. */
export async function compactSession(session: SessionInternals, trigger: CompactionTrigger, signal: AbortSignal): Promise<CompactionResult> {
  const { history } = session;
  const before = [...history.messages];
  const outcome = await session.compactor.run(trigger, { system: session.system(), tools: session.toolSpecs(), signal });
  if (outcome.kind === 'not_needed') return 'not_needed';
  if (outcome.kind === 'failed') {
    // A compaction that changed the history and then failed (still too large) must be in the
    // log too, or a resume would replay a history this session no longer has.
    const messages = history.messages;
    if (messages.length !== before.length || messages.some((message, index) => message !== before[index])) session.out.log({ kind: 'replace', messages: [...messages] });
    if (trigger === 'manual') {
      session.emit({ type: 'tool_log', level: 'warn', message: `Compaction skipped: ${outcome.message}` });
      return 'not_needed';
    }
    session.emit({ type: 'session_terminated', reason: 'compaction_failed', message: outcome.message });
    return 'failed';
  }
  session.out.log({ kind: 'replace', messages: [...history.messages] });
  if (outcome.usage) recordModelUsage(session, outcome.usage, outcome.latencyMs, 'stop', 0);
  // The summary request itself did not fit: the oldest messages were dropped, and the user is told.
  if (outcome.notice) session.emit({ type: 'tool_log', level: 'warn', message: outcome.notice });
  session.emit({ type: 'compacted', ...outcome.stats, trigger });
  return 'compacted';
}

/** Images downscaled to the model's limits (`fitImage`); a text-only model gets them as they are (a note replaces them). */
export async function fitSessionImages(session: SessionInternals, images: ImagePart[]): Promise<ImagePart[]> {
  const fit = session.options.fitImage;
  const limits = session.model().info.imageInput;
  if (!fit || !limits) return images;
  return Promise.all(
    images.map((image) =>
      fit(image, limits).catch((error: unknown) => {
        session.emit({ type: 'tool_log', level: 'warn', message: `could not downscale an image (${image.mediaType}): ${(error as Error).message ?? String(error)}; it is sent as it is` });
        return image;
      }),
    ),
  );
}

/** The session as its tools see it (`ctx.session`). */
export function createToolSessionInfo(session: SessionInternals): ToolSessionInfo {
  const budgetUsd = session.budgetUsd();
  return {
    id: session.id(),
    cwd: session.cwd,
    model: session.model().id,
    dataDir: session.dataDir(),
    onInterrupt: (handler) => {
      session.interruptHandlers.add(handler);
      return () => session.interruptHandlers.delete(handler);
    },
    meter: session.meter(),
    ...(budgetUsd === undefined ? {} : { budgetUsd }),
    requestApproval: (pending, signal) => requestApproval(session, pending, signal),
  };
}

/** A sub-agent's calls, put to this session's user through the same gate as its own. */
async function requestApproval(session: SessionInternals, pending: PendingApproval[], signal: AbortSignal): Promise<ApprovalDecision[] | undefined> {
  if (!session.policy.interactive || session.approval.waiting || signal.aborted) return undefined;
  const abort = () => session.approval.settle('interrupted');
  signal.addEventListener('abort', abort, { once: true });
  try {
    const answer = await session.approval.wait(pending, () => session.emit({ type: 'approval_required', tools: pending }));
    return Array.isArray(answer) ? answer : undefined;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/** The agent loop's view of the session for one turn. */
export function createLoopHost(session: SessionInternals): LoopHost {
  const { options, history, compactor, checkpoints } = session;
  const emit = (payload: EventPayload) => session.emit(payload);
  const reasoningEffort = session.reasoningEffort();
  const budgetUsd = session.budgetUsd();
  return {
    model: session.model(),
    history,
    loopGuard: session.loopGuard,
    system: session.system(),
    tools: () => session.toolSpecs(),
    maxIterations: options.maxIterations ?? 300,
    interactive: options.interactive ?? false,
    ...(reasoningEffort ? { reasoningEffort } : {}),
    retry: options.retry ?? {},
    ...(budgetUsd === undefined ? {} : { budgetUsd }),
    router: session.router,
    policy: session.policy,
    session: createToolSessionInfo(session),
    spentUsd: () => session.meter().spentUsd,
    reservedUsd: () => session.meter().jobCostUsd,
    reserve: (usd, call) => reserveCost(session, usd, call),
    emit,
    appendMessage: (message) => session.appendMessage(message),
    recordUsage: (usage, latencyMs, finishReason) => {
      compactor.noteModelCall();
      // Calibrate only once the history is tokenised (near the limit, where precision matters);
      // the history still holds exactly what the call sent.
      const estimated = history.fullyCounted ? history.rawTokens + compactor.fixedTokens(session.system(), session.toolSpecs()) : 0;
      recordModelUsage(session, usage, latencyMs, finishReason, estimated);
    },
    compact: (trigger, signal) => compactSession(session, trigger, signal),
    emitCall: (call, input, summary) => emit({ type: 'tool_call', tool_call_id: call.id, tool: call.name, arguments: input, summary }),
    emitState: (call, state, details) => emit({ type: 'tool_state_change', tool_call_id: call.id, tool: call.name, state, ...details }),
    emitOutput: (call, result) =>
      emit({
        type: 'tool_output',
        tool_call_id: call.id,
        tool: call.name,
        output: result.output,
        is_error: result.isError,
        truncated: result.truncated,
        ...(result.spillPath ? { spill_path: result.spillPath } : {}),
        duration_ms: result.durationMs,
      }),
    emitLog: (call, message, level) => emit({ type: 'tool_log', tool_call_id: call.id, tool: call.name, level, message }),
    beforeRun: (prepared) => checkpoints.beforeRun(prepared),
    afterRun: (prepared, summary, result) => checkpoints.afterRun(prepared, summary, result),
    fitImages: (images) => fitSessionImages(session, images),
    awaitApproval: (pending) => session.approval.wait(pending, () => emit({ type: 'approval_required', tools: pending })),
  };
}
