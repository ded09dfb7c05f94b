import type { ImagePart, Message, SessionStore, TokenCounter } from '@ml-intern/context';
import type { PlanItem } from '@ml-intern/events';
import type { ApprovalPolicy } from './approval-policy.js';
import type { CompactionOptions } from './compactor.js';
import type { LoopGuardOptions } from './doom-loop.js';
import type { Gateway } from './gateway.js';
import type { ImageInputLimits, LanguageModel, ReasoningEffort } from './model.js';
import type { WorkspaceCheckpoints } from './workspace-checkpoints.js';
import type { RetryOptions } from './retry.js';
import type { AnyTool } from './tool.js';
import type { OpenReservation } from './open-reservations.js';
import type { UsageMeter } from './usage-meter.js';

export interface SessionOptions {
  model: LanguageModel;
  tools?: readonly AnyTool[];
  /** The system prompt, or a function of the tool list (rendered once per session id). */
  systemPrompt?: string | ((tools: readonly AnyTool[]) => string);
  id?: string;
  cwd?: string;
  /**
   * Spill files and scratch output, the same folder for every id this session takes (the caller
   * cleans it). Default: `<dataRoot>/<session id>`, whose scratch is removed when the session ends
   * (spill files stay while the session's log exists, for a resume).
   */
  dataDir?: string;
  /** Where per-session data folders go when `dataDir` is not given (default `<tmp>/ml-intern`). */
  dataRoot?: string;
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
  /**
   * Reservations an earlier run of this session left open (`openReservations(records)` of its
   * log): restored into the meter at start, and handed to their tools' `reconcile`.
   */
  openReservations?: readonly OpenReservation[];
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
  /**
   * The id of the session this one continues as a fork (SPEC section 8): written to the new log's
   * header and `session_started`, and announced. Without it, a given `id` whose log another live
   * run holds is forked anyway (announced); with a free log, the log is continued in place.
   */
  forkedFrom?: string;
  /**
   * The seq of the first event (default 0). A session continued from its log starts after the
   * last seq there, so a front end's `Last-Event-ID` stays meaningful across close and resume.
   */
  firstSeq?: number;
  /** The plan to start from (a resumed session's last `plan_update`). */
  plan?: readonly PlanItem[];
  configDigest?: string;
  /** Extra facts for `session_started` (runtime, config summary). */
  runtime?: string;
  configSummary?: Record<string, unknown>;
  gateways?: readonly Gateway[];
  /** Secret redaction applied to tool output, events and the session log. */
  redact?: (text: string) => string;
  counter?: TokenCounter;
  /**
   * Workspace snapshots before approved changes (`checkpoint` events, `rewind`). Injected by the
   * app (the sandbox package's `createGitCheckpoints`); without it nothing is snapshotted.
   */
  checkpoints?: WorkspaceCheckpoints;
  /**
   * Downscale an image to a model's limits before it enters the history (tool results, user
   * attachments). Injected by the app (the sandbox package's `fitImage`); without it images go as they are.
   */
  fitImage?: (image: ImagePart, limits: ImageInputLimits) => Promise<ImagePart>;
  /** Add the built-in `plan_tool` (default true). */
  planTool?: boolean;
}
