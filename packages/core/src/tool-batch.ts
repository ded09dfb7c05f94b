import type { ImagePart, ToolCallPart, ToolResultMessage } from '@ml-intern/context';
import type { ApprovalDecision, PendingApproval, ToolStateDetails } from '@ml-intern/events';
import type { ApprovalPolicy, ApprovalRule } from './approval-policy.js';
import { isReadOnlyCall, type ToolLogLevel, type ToolSessionInfo } from './tool.js';
import type { PreparedCall, ToolRouter, ToolRunResult } from './tool-router.js';
import type { CostReservation } from './usage-meter.js';
import type { LoopGuard } from './doom-loop.js';

/** What the batch needs from its session. */
export interface ToolBatchHost {
  router: ToolRouter;
  policy: ApprovalPolicy;
  loopGuard: LoopGuard;
  session: ToolSessionInfo;
  spentUsd(): number;
  /** Job and sandbox costs reserved so far (the auto-approval cap counts these). */
  reservedUsd(): number;
  /** Reserve a call's estimated cost at approval; reconciled later by the tool. */
  reserve(usd: number, call: ToolCallPart): CostReservation;
  emitCall(call: ToolCallPart, input: unknown, summary: string): void;
  emitState(call: ToolCallPart, state: 'queued' | 'awaiting_approval' | 'running' | 'completed' | 'failed' | 'rejected' | 'cancelled' | 'abandoned', details?: ToolStateDetails & { arguments?: Record<string, unknown> }): void;
  emitOutput(call: ToolCallPart, result: ToolRunResult): void;
  emitLog(call: ToolCallPart, message: string, level: ToolLogLevel): void;
  /** Pause until the user answers; resolves `abandoned`/`interrupted` when they move on. */
  awaitApproval(pending: PendingApproval[]): Promise<ApprovalDecision[] | 'abandoned' | 'interrupted'>;
  /** Called before an approved call runs (a workspace checkpoint is taken here). */
  beforeRun?(prepared: PreparedCall, summary: string): Promise<void>;
  /** Called after an approved call ran (effects outside the workspace are recorded here). */
  afterRun?(prepared: PreparedCall, summary: string, result: ToolRunResult): void;
  /** Fit a result's images to the model's limits (downscaling) before they enter the history. */
  fitImages?(images: ImagePart[]): Promise<ImagePart[]>;
}

export interface BatchOutcome {
  results: ToolResultMessage[];
  interrupted: boolean;
  /** The user sent a new message instead of answering: the turn ends and the next one starts with it. */
  abandoned: boolean;
}

const ABANDONED = 'Not executed: the user sent a new message instead of answering the approval request.';

function resultMessage(call: ToolCallPart, output: string, isError: boolean, spillPath?: string, images?: ToolResultMessage['images']): ToolResultMessage {
  return { role: 'tool', toolCallId: call.id, toolName: call.name, content: output, isError, ...(images?.length ? { images } : {}), ...(spillPath ? { spillPath } : {}) };
}

/**
 * Run the tool calls of one assistant message (SPEC section 1, steps 5–6): validate, decide
 * approval, run auto-approved calls concurrently, pause for the rest, return results in the
 * original call order.
 */
export async function runToolBatch(host: ToolBatchHost, calls: ToolCallPart[], signal: AbortSignal): Promise<BatchOutcome> {
  const results = new Map<string, ToolResultMessage>();
  const runnable: { prepared: PreparedCall; reservation?: CostReservation }[] = [];
  const needsApproval: { prepared: PreparedCall; pending: PendingApproval; costUsd?: number; always?: ApprovalRule }[] = [];

  const refuse = (call: ToolCallPart, input: unknown, output: string) => {
    host.emitOutput(call, { output, isError: true, truncated: false, durationMs: 0 });
    results.set(call.id, resultMessage(call, output, true));
    // Refused calls count toward the loop guard: a model repeating a denied call is nudged, then stopped.
    host.loopGuard.record(call.name, input, output);
  };

  for (const call of calls) {
    const prepared = host.router.prepare(call);
    if ('error' in prepared) {
      const input = safeParse(call.arguments);
      host.emitCall(call, input, `${call.name} (invalid call)`);
      refuse(call, input, prepared.error);
      continue;
    }
    const summary = host.router.summarize(prepared);
    host.emitCall(call, prepared.input, summary);
    const normalised = await host.router.ruleInput(prepared);
    if (!normalised.ok) {
      host.emitState(call, 'rejected');
      refuse(call, prepared.input, `Not executed: ${normalised.error}`);
      continue;
    }
    const ruleInput = normalised.input === prepared.input ? undefined : normalised.input;
    const hint = host.router.approvalHint(prepared);
    const outcome = await host.policy.decide(
      { tool: call.name, input: prepared.input, ...(ruleInput ? { ruleInput } : {}), ...(hint ? { hint } : {}), readOnly: isReadOnlyCall(prepared.tool, prepared.input) },
      { spentUsd: host.spentUsd(), reservedUsd: host.reservedUsd() },
    );
    if (outcome.decision === 'deny') {
      host.emitState(call, 'rejected');
      refuse(call, prepared.input, `Not executed: ${outcome.reason}`);
    } else if (outcome.decision === 'ask') {
      host.emitState(call, 'awaiting_approval');
      const always = outcome.neverAuto ? undefined : await host.policy.alwaysRule({ tool: call.name, input: prepared.input, ...(ruleInput ? { ruleInput } : {}) });
      needsApproval.push({
        prepared,
        ...(always ? { always: always.rule } : {}),
        ...(outcome.costUsd === undefined ? {} : { costUsd: outcome.costUsd }),
        pending: {
          tool_call_id: call.id,
          tool: call.name,
          arguments: prepared.input,
          summary,
          reason: outcome.reason,
          estimated_cost_usd: outcome.costUsd ?? null,
          always_scope: outcome.neverAuto ? 'not available: this operation always asks' : always ? always.description : 'not available: this call cannot be analysed safely',
        },
      });
    } else {
      // The estimate is reserved now, so calls approved after this one see it (parallel jobs cannot jointly pass a cap).
      runnable.push({ prepared, ...(outcome.costUsd ? { reservation: host.reserve(outcome.costUsd, call) } : {}) });
    }
  }

  const execute = async (prepared: PreparedCall, preface = '', reservation?: CostReservation) => {
    const summary = host.beforeRun || host.afterRun ? host.router.summarize(prepared) : '';
    await host.beforeRun?.(prepared, summary);
    // An edited call says what it really runs with, so a UI shows that rather than the model's arguments.
    host.emitState(prepared.call, 'running', preface ? { arguments: prepared.input } : undefined);
    let details: ToolStateDetails | undefined;
    const result = await host.router.run(prepared, {
      signal,
      session: host.session,
      log: (message, level = 'info') => host.emitLog(prepared.call, message, level),
      reportState: (reported) => {
        details = { ...details, ...reported };
        host.emitState(prepared.call, 'running', details);
      },
      ...(reservation ? { reservation } : {}),
    });
    // A billable call that failed before its resource existed cost nothing.
    if (reservation && result.isError && !reservation.held && reservation.actualUsd === undefined) reservation.settle(0);
    host.emitState(prepared.call, signal.aborted ? 'cancelled' : result.isError ? 'failed' : 'completed', details);
    host.emitOutput(prepared.call, result);
    host.afterRun?.(prepared, summary, result);
    host.loopGuard.record(prepared.call.name, prepared.input, result.output);
    const images = result.images?.length && host.fitImages ? await host.fitImages(result.images) : result.images;
    results.set(prepared.call.id, resultMessage(prepared.call, `${preface}${result.output}`, result.isError, result.spillPath, images));
  };

  const autoRuns = Promise.all(runnable.map(({ prepared, reservation }) => execute(prepared, '', reservation)));
  let interrupted = false;
  let abandoned = false;
  if (needsApproval.length > 0) {
    const answer = await host.awaitApproval(needsApproval.map((item) => item.pending));
    if (answer === 'interrupted') {
      interrupted = true;
    } else if (answer === 'abandoned') {
      abandoned = true;
      for (const { prepared } of needsApproval) {
        host.emitState(prepared.call, 'abandoned');
        results.set(prepared.call.id, resultMessage(prepared.call, ABANDONED, true));
      }
    } else {
      const approvedRuns: Promise<void>[] = [];
      for (const { prepared, costUsd, always } of needsApproval) {
        const decision = answer.find((item) => item.tool_call_id === prepared.call.id);
        if (!decision?.approved) {
          host.emitState(prepared.call, 'rejected');
          refuse(prepared.call, prepared.input, decision?.feedback ? `The user rejected this call with feedback: ${decision.feedback}` : 'The user rejected this call.');
          continue;
        }
        if (decision.always && always) host.policy.addSessionRule(always);
        let target: PreparedCall = prepared;
        let cost = costUsd;
        let preface = '';
        if (decision.edited_arguments) {
          const edited = host.router.prepare(prepared.call, decision.edited_arguments);
          if ('error' in edited) {
            host.emitOutput(prepared.call, { output: edited.error, isError: true, truncated: false, durationMs: 0 });
            results.set(prepared.call.id, resultMessage(prepared.call, `The user's edited arguments were invalid: ${edited.error}`, true));
            continue;
          }
          target = edited;
          // What runs is the edited call: its cost (another flavor, a longer timeout) is what counts.
          const hint = host.router.approvalHint(edited);
          cost = hint?.costUsd;
          // The model must know its call was changed, or it reasons about arguments that never ran.
          preface = `The user edited this call before approving it; it ran with these arguments: ${JSON.stringify(edited.input)}\n\n`;
        }
        approvedRuns.push(execute(target, preface, cost ? host.reserve(cost, target.call) : undefined));
      }
      await Promise.all(approvedRuns);
    }
  }
  await autoRuns;
  const ordered = calls.map((call) => results.get(call.id)).filter((item): item is ToolResultMessage => item !== undefined);
  return { results: ordered, interrupted: interrupted || signal.aborted, abandoned };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
