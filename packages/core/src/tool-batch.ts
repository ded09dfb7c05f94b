import type { ToolCallPart, ToolResultMessage } from '@ml-intern/context';
import type { ApprovalDecision, PendingApproval } from '@ml-intern/events';
import type { ApprovalPolicy, ApprovalRule } from './approval-policy.js';
import { describeRule } from './approval-policy.js';
import { isReadOnlyCall, type ToolLogLevel, type ToolSessionInfo } from './tool.js';
import type { PreparedCall, ToolRouter, ToolRunResult } from './tool-router.js';
import type { LoopGuard } from './doom-loop.js';

/** What the batch needs from its session. */
export interface ToolBatchHost {
  router: ToolRouter;
  policy: ApprovalPolicy;
  loopGuard: LoopGuard;
  session: ToolSessionInfo;
  spentUsd(): number;
  addJobCost(usd: number): void;
  emitCall(call: ToolCallPart, input: unknown, summary: string): void;
  emitState(call: ToolCallPart, state: 'queued' | 'awaiting_approval' | 'running' | 'completed' | 'failed' | 'rejected' | 'cancelled' | 'abandoned'): void;
  emitOutput(call: ToolCallPart, result: ToolRunResult): void;
  emitLog(call: ToolCallPart, message: string, level: ToolLogLevel): void;
  /** Pause until the user answers; resolves `abandoned`/`interrupted` when they move on. */
  awaitApproval(pending: PendingApproval[]): Promise<ApprovalDecision[] | 'abandoned' | 'interrupted'>;
}

export interface BatchOutcome {
  results: ToolResultMessage[];
  interrupted: boolean;
}

const ABANDONED = 'Not executed: the user sent a new message instead of answering the approval request.';

function resultMessage(call: ToolCallPart, output: string, isError: boolean, spillPath?: string): ToolResultMessage {
  return { role: 'tool', toolCallId: call.id, toolName: call.name, content: output, isError, ...(spillPath ? { spillPath } : {}) };
}

/** The rule an "always allow" answer adds: the tool, narrowed by its operation or command word. */
export function alwaysRuleFor(tool: string, input: Record<string, unknown>): ApprovalRule {
  if (typeof input.operation === 'string') return { tool, args: { operation: input.operation }, action: 'allow' };
  if (typeof input.command === 'string') {
    const first = input.command.trim().split(/\s+/)[0] ?? '';
    if (first) return { tool, args: { command: [first, `${first} *`] }, action: 'allow' };
  }
  return { tool, action: 'allow' };
}

/**
 * Run the tool calls of one assistant message (SPEC section 1, steps 5–6): validate, decide
 * approval, run auto-approved calls concurrently, pause for the rest, return results in the
 * original call order.
 */
export async function runToolBatch(host: ToolBatchHost, calls: ToolCallPart[], signal: AbortSignal): Promise<BatchOutcome> {
  const results = new Map<string, ToolResultMessage>();
  const runnable: PreparedCall[] = [];
  const needsApproval: { prepared: PreparedCall; pending: PendingApproval; costUsd?: number }[] = [];

  for (const call of calls) {
    const prepared = host.router.prepare(call);
    if ('error' in prepared) {
      host.emitCall(call, safeParse(call.arguments), `${call.name} (invalid call)`);
      const output = { output: prepared.error, isError: true, truncated: false, durationMs: 0 };
      host.emitOutput(call, output);
      results.set(call.id, resultMessage(call, prepared.error, true));
      continue;
    }
    const summary = host.router.summarize(prepared);
    host.emitCall(call, prepared.input, summary);
    const hint = host.router.approvalHint(prepared);
    const outcome = host.policy.decide(
      { tool: call.name, input: prepared.input, ...(hint ? { hint } : {}), readOnly: isReadOnlyCall(prepared.tool, prepared.input) },
      { spentUsd: host.spentUsd() },
    );
    if (outcome.decision === 'deny') {
      host.emitState(call, 'rejected');
      const output = `Not executed: ${outcome.reason}`;
      host.emitOutput(call, { output, isError: true, truncated: false, durationMs: 0 });
      results.set(call.id, resultMessage(call, output, true));
    } else if (outcome.decision === 'ask') {
      host.emitState(call, 'awaiting_approval');
      const rule = alwaysRuleFor(call.name, prepared.input);
      needsApproval.push({
        prepared,
        ...(outcome.costUsd === undefined ? {} : { costUsd: outcome.costUsd }),
        pending: {
          tool_call_id: call.id,
          tool: call.name,
          arguments: prepared.input,
          summary,
          reason: outcome.reason,
          estimated_cost_usd: outcome.costUsd ?? null,
          always_scope: outcome.neverAuto ? 'not available: this operation always asks' : describeRule(rule),
        },
      });
    } else {
      if (outcome.costUsd) host.addJobCost(outcome.costUsd);
      runnable.push(prepared);
    }
  }

  const execute = async (prepared: PreparedCall, preface = '') => {
    host.emitState(prepared.call, 'running');
    const result = await host.router.run(prepared, {
      signal,
      session: host.session,
      log: (message, level = 'info') => host.emitLog(prepared.call, message, level),
    });
    host.emitState(prepared.call, signal.aborted ? 'cancelled' : result.isError ? 'failed' : 'completed');
    host.emitOutput(prepared.call, result);
    host.loopGuard.record(prepared.call.name, prepared.input, result.output);
    results.set(prepared.call.id, resultMessage(prepared.call, `${preface}${result.output}`, result.isError, result.spillPath));
  };

  const autoRuns = Promise.all(runnable.map((prepared) => execute(prepared)));
  let interrupted = false;
  if (needsApproval.length > 0) {
    const answer = await host.awaitApproval(needsApproval.map((item) => item.pending));
    if (answer === 'interrupted') {
      interrupted = true;
    } else if (answer === 'abandoned') {
      for (const { prepared } of needsApproval) {
        host.emitState(prepared.call, 'abandoned');
        results.set(prepared.call.id, resultMessage(prepared.call, ABANDONED, true));
      }
    } else {
      const approvedRuns: Promise<void>[] = [];
      for (const { prepared, costUsd } of needsApproval) {
        const decision = answer.find((item) => item.tool_call_id === prepared.call.id);
        if (!decision?.approved) {
          host.emitState(prepared.call, 'rejected');
          const output = decision?.feedback ? `The user rejected this call with feedback: ${decision.feedback}` : 'The user rejected this call.';
          host.emitOutput(prepared.call, { output, isError: true, truncated: false, durationMs: 0 });
          results.set(prepared.call.id, resultMessage(prepared.call, output, true));
          continue;
        }
        if (decision.always) host.policy.addSessionRule(alwaysRuleFor(prepared.call.name, prepared.input));
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
          cost = host.policy.decide({ tool: edited.call.name, input: edited.input, ...(hint ? { hint } : {}), readOnly: isReadOnlyCall(edited.tool, edited.input) }, { spentUsd: host.spentUsd() }).costUsd;
          // The model must know its call was changed, or it reasons about arguments that never ran.
          preface = `The user edited this call before approving it; it ran with these arguments: ${JSON.stringify(edited.input)}\n\n`;
        }
        if (cost) host.addJobCost(cost);
        approvedRuns.push(execute(target, preface));
      }
      await Promise.all(approvedRuns);
    }
  }
  await autoRuns;
  const ordered = calls.map((call) => results.get(call.id)).filter((item): item is ToolResultMessage => item !== undefined);
  return { results: ordered, interrupted: interrupted || signal.aborted };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
