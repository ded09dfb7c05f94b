import type { Message, SessionStore, TokenCounter } from '@ml-intern/context';
import type { ApprovalPolicy } from './approval-policy.js';
import type { CompactionOptions } from './compactor.js';
import type { LoopGuardOptions } from './doom-loop.js';
import type { Gateway } from './gateway.js';
import type { LanguageModel, ReasoningEffort } from './model.js';
import type { RetryOptions } from './retry.js';
import type { AnyTool } from './tool.js';
import type { UsageMeter } from './usage-meter.js';

export interface SessionOptions {
  model: LanguageModel;
  tools?: readonly AnyTool[];
  /** The system prompt, or a function of the tool list (rendered once per session id). */
  systemPrompt?: string | ((tools: readonly AnyTool[]) => string);
  id?: string;
  cwd?: string;
  /** Spill files and scratch output (default: `<tmp>/ml-intern/<session id>`). */
  dataDir?: string;
  /** LLM calls per user turn (default 300; -1 = unlimited). */
  maxIterations?: number;
  policy?: ApprovalPolicy;
  /** Session USD cap: LLM spend plus estimated HF Jobs cost. */
  budgetUsd?: number;
  /**
   * Where spend is counted. A sub-agent passes its parent's (`ctx.session.meter`), so its calls
   * count toward the parent's budget and totals. Default: a meter of its own.
   */
  meter?: UsageMeter;
  reasoningEffort?: ReasoningEffort;
  retry?: RetryOptions;
  compaction?: CompactionOptions;
  loopGuard?: LoopGuardOptions;
  /** Interactive sessions ask the user on a repeated loop; unattended ones stop. */
  interactive?: boolean;
  toolTimeoutMs?: number;
  maxOutputChars?: number;
  /** Persists the session log; `history` seeds a resumed session. */
  store?: SessionStore;
  history?: readonly Message[];
  resumed?: boolean;
  configDigest?: string;
  /** Extra facts for `session_started` (runtime, config summary). */
  runtime?: string;
  configSummary?: Record<string, unknown>;
  gateways?: readonly Gateway[];
  /** Secret redaction applied to tool output, events and the session log. */
  redact?: (text: string) => string;
  counter?: TokenCounter;
  /** Add the built-in `plan_tool` (default true). */
  planTool?: boolean;
}
