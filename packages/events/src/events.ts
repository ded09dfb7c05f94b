import { z } from 'zod';

/** Token usage by class, as reported by a provider or summed over a session. */
export const usageSchema = z.object({
  input_tokens: z.number().int().nonnegative(),
  cached_input_tokens: z.number().int().nonnegative(),
  cache_creation_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  reasoning_tokens: z.number().int().nonnegative(),
});
export type UsageTotals = z.infer<typeof usageSchema>;

export const planItemSchema = z.object({
  id: z.string(),
  content: z.string(),
  status: z.enum(['pending', 'in_progress', 'completed']),
});
export type PlanItem = z.infer<typeof planItemSchema>;

const base = {
  session_id: z.string(),
  seq: z.number().int().nonnegative(),
  ts: z.string(),
};

function event<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), ...base, ...shape });
}

/** `superseded`: the user sent a new message while approvals were pending; the next turn starts with it. */
export const turnReasonSchema = z.enum(['done', 'max_iterations', 'truncated', 'budget_exceeded', 'loop_detected', 'refusal', 'superseded']);
export type TurnReason = z.infer<typeof turnReasonSchema>;

export const toolStateSchema = z.enum(['queued', 'awaiting_approval', 'running', 'completed', 'failed', 'rejected', 'cancelled', 'abandoned']);
export type ToolState = z.infer<typeof toolStateSchema>;

export const pendingApprovalSchema = z.object({
  tool_call_id: z.string(),
  tool: z.string(),
  arguments: z.unknown(),
  summary: z.string(),
  reason: z.string(),
  estimated_cost_usd: z.number().nullable(),
  /** The rule an "always allow" answer would add, shown to the user before they choose it. */
  always_scope: z.string(),
});
export type PendingApproval = z.infer<typeof pendingApprovalSchema>;

export const sessionStartedEvent = event('session_started', {
  model: z.string(),
  cwd: z.string(),
  runtime: z.string(),
  resumed: z.boolean(),
  /** Set when this session continues another one as a fork (resume): the id of that session, whose log is left as it was. */
  forked_from: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
});
export const readyEvent = event('ready', {});
export const processingEvent = event('processing', { input: z.string() });
export const assistantChunkEvent = event('assistant_chunk', { text: z.string() });
export const assistantMessageEvent = event('assistant_message', { text: z.string(), reasoning: z.string().optional() });
export const assistantStreamEndEvent = event('assistant_stream_end', {});
export const toolCallEvent = event('tool_call', {
  tool_call_id: z.string(),
  tool: z.string(),
  arguments: z.unknown(),
  summary: z.string(),
});
export const toolOutputEvent = event('tool_output', {
  tool_call_id: z.string(),
  tool: z.string(),
  output: z.string(),
  is_error: z.boolean(),
  truncated: z.boolean(),
  spill_path: z.string().optional(),
  duration_ms: z.number(),
});
export const toolLogEvent = event('tool_log', {
  tool_call_id: z.string().optional(),
  tool: z.string().optional(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
/**
 * What a running tool reports about the resource it started: the HF job page, the Trackio
 * dashboard Space and project its metrics go to (UIs embed the dashboard). Names follow the
 * original ml-intern's web UI.
 */
export const toolStateDetailsSchema = z.object({
  jobUrl: z.string().optional(),
  trackioSpaceId: z.string().optional(),
  trackioProject: z.string().optional(),
});
export type ToolStateDetails = z.infer<typeof toolStateDetailsSchema>;
export const toolStateChangeEvent = event('tool_state_change', {
  tool_call_id: z.string(),
  tool: z.string(),
  state: toolStateSchema,
  ...toolStateDetailsSchema.shape,
  /** The arguments the call runs with, when the user edited them at approval (on its `running` state). */
  arguments: z.record(z.string(), z.unknown()).optional(),
});
export const approvalRequiredEvent = event('approval_required', { tools: z.array(pendingApprovalSchema) });
export const turnCompleteEvent = event('turn_complete', {
  final_text: z.string(),
  reason: turnReasonSchema,
  iterations: z.number().int(),
  usage: usageSchema,
  cost_usd: z.number(),
  unpriced: z.boolean(),
});
export const errorEvent = event('error', {
  code: z.string(),
  message: z.string(),
  recoverable: z.boolean(),
});
export const interruptedEvent = event('interrupted', { cancelled_tool_calls: z.number().int() });
export const compactedEvent = event('compacted', {
  tokens_before: z.number().int(),
  tokens_after: z.number().int(),
  messages_removed: z.number().int(),
  summary_tokens: z.number().int(),
  trigger: z.enum(['threshold', 'overflow', 'manual']),
});
export const undoCompleteEvent = event('undo_complete', { messages_removed: z.number().int() });
export const shutdownEvent = event('shutdown', {});
export const planUpdateEvent = event('plan_update', { plan: z.array(planItemSchema) });
export const sessionTerminatedEvent = event('session_terminated', {
  reason: z.enum(['compaction_failed', 'loop_detected', 'budget_exceeded', 'fatal_error']),
  message: z.string(),
});
export const llmCallEvent = event('llm_call', {
  model: z.string(),
  latency_ms: z.number(),
  usage: usageSchema,
  cost_usd: z.number(),
  unpriced: z.boolean(),
  finish_reason: z.string(),
});
/**
 * The estimated cost of a billable call (an HF Job, a sandbox): `reserved` at approval, `running`
 * once the resource exists (with what identifies it, so a later run of the session can check it),
 * `reconciled` to what it really cost. A log whose last state for a call is `running` holds an
 * open reservation; resuming it reconciles it.
 */
export const costReservationEvent = event('cost_reservation', {
  tool_call_id: z.string(),
  tool: z.string(),
  state: z.enum(['reserved', 'running', 'reconciled']),
  reserved_usd: z.number(),
  actual_usd: z.number().nullable(),
  resource: z.object({ kind: z.string(), id: z.string() }).catchall(z.unknown()).nullable(),
});
/** The approval mode or the budget changed (`set_approval_mode`): what is in force from now on. */
export const approvalModeChangedEvent = event('approval_mode_changed', {
  mode: z.string(),
  budget_usd: z.number().nullable(),
});
/**
 * The workspace was snapshotted (a shadow git repository outside it, under the session's data
 * folder): `before_change` before an approved call that may change files, `turn_end` after a turn
 * that changed any, `rewind` just before a rewind restored an older one (so it can be undone).
 */
export const checkpointEvent = event('checkpoint', {
  turn: z.number().int().positive(),
  reason: z.enum(['before_change', 'turn_end', 'rewind']),
  commit: z.string(),
  repository: z.string(),
  tool_call_id: z.string().nullable(),
  tool: z.string().nullable(),
});
/** A call of this turn changed something outside the workspace (a Hub upload, a job, a Space): a rewind cannot undo it. */
export const remoteEffectEvent = event('remote_effect', {
  turn: z.number().int().positive(),
  tool_call_id: z.string(),
  tool: z.string(),
  summary: z.string(),
  failed: z.boolean(),
});
/** A `rewind` finished: what was restored, and the effects outside the workspace that could not be undone. */
export const rewindCompleteEvent = event('rewind_complete', {
  turn: z.number().int().positive(),
  code: z.boolean(),
  conversation: z.boolean(),
  files_restored: z.array(z.string()),
  messages_removed: z.number().int().nonnegative(),
  remote_effects: z.array(z.object({ turn: z.number().int(), tool: z.string(), summary: z.string() })),
});
export const loopDetectedEvent = event('loop_detected', {
  pattern: z.enum(['repeat', 'cycle']),
  tools: z.array(z.string()),
  repetitions: z.number().int(),
  action: z.enum(['nudge', 'stop', 'ask']),
});

/** Every event a session emits: a closed union discriminated on `type` (SPEC section 7). */
export const agentEventSchema = z.discriminatedUnion('type', [
  sessionStartedEvent,
  readyEvent,
  processingEvent,
  assistantChunkEvent,
  assistantMessageEvent,
  assistantStreamEndEvent,
  toolCallEvent,
  toolOutputEvent,
  toolLogEvent,
  toolStateChangeEvent,
  approvalRequiredEvent,
  turnCompleteEvent,
  errorEvent,
  interruptedEvent,
  compactedEvent,
  undoCompleteEvent,
  shutdownEvent,
  planUpdateEvent,
  sessionTerminatedEvent,
  llmCallEvent,
  loopDetectedEvent,
  costReservationEvent,
  checkpointEvent,
  remoteEffectEvent,
  rewindCompleteEvent,
  approvalModeChangedEvent,
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;
export type AgentEventType = AgentEvent['type'];
/** The event of one type. */
export type EventOf<T extends AgentEventType> = Extract<AgentEvent, { type: T }>;
/** What a producer supplies: the envelope (`session_id`, `seq`, `ts`) is added by the session. */
export type EventPayload<T extends AgentEventType = AgentEventType> = T extends AgentEventType
  ? Omit<EventOf<T>, 'session_id' | 'seq' | 'ts'>
  : never;

export const AGENT_EVENT_TYPES: readonly AgentEventType[] = agentEventSchema.options.map((o) => o.shape.type.value);
