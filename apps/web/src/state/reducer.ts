import type { AgentEvent, PendingApproval, PlanItem, ToolState, TurnReason, UsageTotals } from '@ml-intern/events';
import { emptyJob, jobFromLog, metricsFromOutput, stageFromOutput, type JobView } from './jobs.js';

/** A picture shown inline: base64 bytes and their media type. */
export interface InlineImage {
  mediaType: string;
  data: string;
}

export interface LogLine {
  seq: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** One tool call as the UI shows it: a collapsible card. */
export interface ToolCard {
  id: string;
  tool: string;
  arguments: unknown;
  summary: string;
  state: ToolState;
  logs: LogLine[];
  /** Log lines dropped from the front to keep the card small. */
  logsDropped: number;
  output?: string;
  isError: boolean;
  truncated: boolean;
  spillPath?: string;
  durationMs?: number;
  images: InlineImage[];
  /** Set for HF Jobs and anything else that reports a job page or a Trackio dashboard. */
  job?: JobView;
}

export type TimelineItem =
  | { kind: 'user'; key: string; text: string; images: InlineImage[] }
  | { kind: 'assistant'; key: string; text: string; reasoning?: string; streaming: boolean }
  | { kind: 'tool'; key: string; toolCallId: string }
  | { kind: 'notice'; key: string; level: 'info' | 'warn' | 'error'; text: string }
  | { kind: 'turn_end'; key: string; reason: TurnReason | 'interrupted'; costUsd: number; iterations: number };

/** `closed`: shut down with its log kept (a new message reopens it); `ended`: terminated, nothing more can happen. */
export type SessionStatus = 'connecting' | 'idle' | 'running' | 'awaiting_approval' | 'closed' | 'ended';

export interface ViewState {
  sessionId?: string;
  /** Highest `seq` applied; events at or below it are replays and are skipped. */
  lastSeq: number;
  model?: string;
  cwd?: string;
  runtime?: string;
  forkedFrom?: string;
  approvalMode?: string;
  budgetUsd?: number | null;
  status: SessionStatus;
  items: TimelineItem[];
  tools: Record<string, ToolCard>;
  plan: PlanItem[];
  pending: PendingApproval[];
  usage: UsageTotals;
  costUsd: number;
  unpriced: boolean;
  /** Tokens the last model call was given plus what it wrote: what the context holds now. */
  contextTokens: number;
  contextWindow?: number;
  /** Why the session ended, when it did. */
  ended?: string;
  /** The conversation a resumed session continues has been put in front of its own events. */
  historyLoaded?: boolean;
  /** Turns that ended (done, stopped or interrupted): the UI reads the session's images after each. */
  turnsEnded: number;
  /** Images this page sent with a message whose `processing` has not arrived yet, oldest first. */
  sentImages?: { text: string; images: InlineImage[] }[];
}

export const MAX_LOG_LINES = 300;

export const ZERO_USAGE: UsageTotals = { input_tokens: 0, cached_input_tokens: 0, cache_creation_tokens: 0, output_tokens: 0, reasoning_tokens: 0 };

export function initialState(sessionId?: string): ViewState {
  return {
    ...(sessionId === undefined ? {} : { sessionId }),
    lastSeq: -1,
    status: 'connecting',
    items: [],
    tools: {},
    plan: [],
    pending: [],
    usage: ZERO_USAGE,
    costUsd: 0,
    unpriced: false,
    contextTokens: 0,
    turnsEnded: 0,
  };
}

function addUsage(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    cache_creation_tokens: a.cache_creation_tokens + b.cache_creation_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
  };
}

function lastItem(state: ViewState): TimelineItem | undefined {
  return state.items[state.items.length - 1];
}

function openAssistant(state: ViewState): (TimelineItem & { kind: 'assistant' }) | undefined {
  const last = lastItem(state);
  return last?.kind === 'assistant' && last.streaming ? last : undefined;
}

function replaceLast(items: TimelineItem[], item: TimelineItem): TimelineItem[] {
  return [...items.slice(0, -1), item];
}

/** A streamed answer that never got its final message (an interrupt, a dropped stream) is closed as it stands. */
function closeStreaming(state: ViewState): ViewState {
  const open = openAssistant(state);
  if (!open) return state;
  return { ...state, items: open.text ? replaceLast(state.items, { ...open, streaming: false }) : state.items.slice(0, -1) };
}

function updateTool(state: ViewState, id: string, update: (card: ToolCard) => ToolCard): ViewState {
  const card = state.tools[id];
  if (!card) return state;
  return { ...state, tools: { ...state.tools, [id]: update(card) } };
}

function newCard(id: string, tool: string, args: unknown, summary: string, state: ToolState): ToolCard {
  return { id, tool, arguments: args, summary, state, logs: [], logsDropped: 0, isError: false, truncated: false, images: [] };
}

/** Adds the card (and its timeline entry) when the call is first seen, e.g. from an approval request. */
function ensureTool(state: ViewState, id: string, tool: string, args: unknown, summary: string, toolState: ToolState): ViewState {
  if (state.tools[id]) return state;
  const closed = closeStreaming(state);
  return {
    ...closed,
    tools: { ...closed.tools, [id]: newCard(id, tool, args, summary, toolState) },
    items: [...closed.items, { kind: 'tool', key: `tool-${id}`, toolCallId: id }],
  };
}

function notice(state: ViewState, seq: number, level: 'info' | 'warn' | 'error', text: string): ViewState {
  return { ...state, items: [...state.items, { kind: 'notice', key: `n-${seq}`, level, text }] };
}

/** A job tool's result: the stage it ended in, and its latest metrics sample. */
function jobAfterOutput(job: JobView, output: string, t: number): JobView {
  const point = metricsFromOutput(output, t);
  const last = job.metrics[job.metrics.length - 1];
  return { ...job, stage: stageFromOutput(output) ?? job.stage, ...(point && (!last || last.t < t) ? { metrics: [...job.metrics, point] } : {}) };
}

const TERMINAL_TOOL_STATES: ReadonlySet<ToolState> = new Set(['completed', 'failed', 'rejected', 'cancelled', 'abandoned']);

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function rewindNotice(event: Extract<AgentEvent, { type: 'rewind_complete' }>): string {
  const restored = [
    ...(event.code ? [`${event.files_restored.length} file${event.files_restored.length === 1 ? '' : 's'} restored${event.files_restored.length ? ` (${event.files_restored.slice(0, 5).join(', ')}${event.files_restored.length > 5 ? ', …' : ''})` : ''}`] : []),
    ...(event.conversation ? [`${event.messages_removed} message${event.messages_removed === 1 ? '' : 's'} removed`] : []),
  ];
  const remote = event.remote_effects.map((effect) => `turn ${effect.turn} ${effect.tool}: ${effect.summary}`);
  return `Rewound to before turn ${event.turn}: ${restored.join('; ') || 'nothing to restore'}.${remote.length ? ` Not undone (outside the workspace): ${remote.join('; ')}.` : ''}`;
}

/** Apply one event. Pure: the same events in the same order always give the same view. */
export function applyEvent(state: ViewState, event: AgentEvent): ViewState {
  if (event.seq <= state.lastSeq) return state;
  const next = reduce({ ...state, lastSeq: event.seq, sessionId: state.sessionId ?? event.session_id }, event);
  return next;
}

export function applyEvents(state: ViewState, events: readonly AgentEvent[]): ViewState {
  return events.reduce(applyEvent, state);
}

function reduce(state: ViewState, event: AgentEvent): ViewState {
  switch (event.type) {
    case 'session_started': {
      const config = event.config as Record<string, unknown>;
      const budget = config.budget_usd;
      return {
        ...state,
        model: event.model,
        cwd: event.cwd,
        runtime: event.runtime,
        ...(event.forked_from ? { forkedFrom: event.forked_from } : {}),
        ...(typeof config.approval_mode === 'string' ? { approvalMode: config.approval_mode } : {}),
        ...(typeof budget === 'number' || budget === null ? { budgetUsd: budget } : {}),
        ...(numberOrUndefined(config.context_window) ? { contextWindow: numberOrUndefined(config.context_window) } : {}),
        status: state.status === 'connecting' || state.status === 'closed' ? 'idle' : state.status,
      };
    }
    case 'ready':
      return state.status === 'connecting' || state.status === 'closed' ? { ...state, status: 'idle' } : state;
    case 'processing': {
      // The images sent with it come with the conversation only after the turn: show this page's own now.
      const [sent, ...laterSent] = state.sentImages ?? [];
      const own = sent?.text === event.input ? sent.images : [];
      return {
        ...closeStreaming(state),
        status: 'running',
        items: [...closeStreaming(state).items, { kind: 'user', key: `u-${event.seq}`, text: event.input, images: own }],
        ...(own.length > 0 ? { sentImages: laterSent } : {}),
      };
    }
    case 'assistant_chunk': {
      const open = openAssistant(state);
      if (open) return { ...state, items: replaceLast(state.items, { ...open, text: open.text + event.text }) };
      return { ...state, items: [...state.items, { kind: 'assistant', key: `a-${event.seq}`, text: event.text, streaming: true }] };
    }
    case 'assistant_stream_end':
      return state;
    case 'assistant_message': {
      const open = openAssistant(state);
      const reasoning = event.reasoning ? { reasoning: event.reasoning } : {};
      if (open) {
        const text = event.text || open.text;
        if (!text && !event.reasoning) return { ...state, items: state.items.slice(0, -1) };
        return { ...state, items: replaceLast(state.items, { ...open, text, ...reasoning, streaming: false }) };
      }
      if (!event.text && !event.reasoning) return state;
      return { ...state, items: [...state.items, { kind: 'assistant', key: `a-${event.seq}`, text: event.text, ...reasoning, streaming: false }] };
    }
    case 'tool_call': {
      const withCard = ensureTool(state, event.tool_call_id, event.tool, event.arguments, event.summary, 'queued');
      return updateTool(withCard, event.tool_call_id, (card) => ({ ...card, arguments: event.arguments, summary: event.summary }));
    }
    case 'tool_state_change': {
      const withCard = ensureTool(state, event.tool_call_id, event.tool, undefined, event.tool, event.state);
      const reported = event.jobUrl || event.trackioSpaceId;
      let next = updateTool(withCard, event.tool_call_id, (card) => ({
        ...card,
        state: event.state,
        // The user edited the call at approval: these are the arguments that ran.
        ...(event.arguments ? { arguments: event.arguments } : {}),
        ...(reported
          ? {
              job: {
                ...(card.job ?? emptyJob()),
                ...(event.jobUrl ? { url: event.jobUrl } : {}),
                ...(event.trackioSpaceId ? { trackio: { spaceId: event.trackioSpaceId, ...(event.trackioProject ? { project: event.trackioProject } : {}) } } : {}),
              },
            }
          : {}),
      }));
      if (event.state !== 'awaiting_approval') next = { ...next, pending: next.pending.filter((item) => item.tool_call_id !== event.tool_call_id) };
      if (next.status === 'awaiting_approval' && next.pending.length === 0) next = { ...next, status: 'running' };
      return next;
    }
    case 'tool_log': {
      if (event.tool_call_id && state.tools[event.tool_call_id]) {
        return updateTool(state, event.tool_call_id, (card) => {
          const logs = [...card.logs, { seq: event.seq, level: event.level, message: event.message }];
          const drop = Math.max(0, logs.length - MAX_LOG_LINES);
          const job = jobFromLog(card.tool, card.job, event.message, Date.parse(event.ts) || event.seq);
          return { ...card, logs: drop ? logs.slice(drop) : logs, logsDropped: card.logsDropped + drop, ...(job ? { job } : {}) };
        });
      }
      return notice(state, event.seq, event.level, event.message);
    }
    case 'tool_output':
      return updateTool(state, event.tool_call_id, (card) => ({
        ...card,
        output: event.output,
        isError: event.is_error,
        truncated: event.truncated,
        durationMs: event.duration_ms,
        ...(event.spill_path ? { spillPath: event.spill_path } : {}),
        ...(TERMINAL_TOOL_STATES.has(card.state) ? {} : { state: event.is_error ? 'failed' : 'completed' }),
        ...(card.job ? { job: jobAfterOutput(card.job, event.output, Date.parse(event.ts) || event.seq) } : {}),
      }));
    case 'approval_required': {
      let next = state;
      for (const tool of event.tools) {
        next = ensureTool(next, tool.tool_call_id, tool.tool, tool.arguments, tool.summary, 'awaiting_approval');
        next = updateTool(next, tool.tool_call_id, (card) => ({ ...card, state: 'awaiting_approval' }));
      }
      const ids = new Set(event.tools.map((tool) => tool.tool_call_id));
      return { ...next, status: 'awaiting_approval', pending: [...next.pending.filter((item) => !ids.has(item.tool_call_id)), ...event.tools] };
    }
    case 'turn_complete': {
      const closed = closeStreaming(state);
      const items: TimelineItem[] = event.reason === 'done' || event.reason === 'superseded' ? closed.items : [...closed.items, { kind: 'turn_end', key: `t-${event.seq}`, reason: event.reason, costUsd: event.cost_usd, iterations: event.iterations }];
      // A final text that never streamed (a budget stop) is shown as the answer.
      const last = items[items.length - 1];
      const shown = closed.items.some((item) => item.kind === 'assistant' && item.text === event.final_text);
      const withFinal: TimelineItem[] = event.final_text && !shown && last?.kind === 'turn_end' ? [...items.slice(0, -1), { kind: 'notice', key: `f-${event.seq}`, level: 'warn', text: event.final_text }, last] : items;
      return { ...closed, items: withFinal, status: 'idle', pending: [], usage: event.usage, costUsd: event.cost_usd, unpriced: event.unpriced, turnsEnded: closed.turnsEnded + 1 };
    }
    case 'llm_call':
      return {
        ...state,
        usage: addUsage(state.usage, event.usage),
        costUsd: state.costUsd + event.cost_usd,
        unpriced: state.unpriced || event.unpriced,
        contextTokens: event.usage.input_tokens + event.usage.cached_input_tokens + event.usage.cache_creation_tokens + event.usage.output_tokens,
      };
    case 'error':
      return notice(closeStreaming(state), event.seq, 'error', `${event.message}${event.recoverable ? '' : ' (the turn stopped)'}`);
    case 'interrupted': {
      const closed = closeStreaming(state);
      const tools = Object.fromEntries(Object.entries(closed.tools).map(([id, card]) => [id, TERMINAL_TOOL_STATES.has(card.state) ? card : { ...card, state: 'cancelled' as const }]));
      return { ...closed, tools, status: 'idle', pending: [], turnsEnded: closed.turnsEnded + 1, items: [...closed.items, { kind: 'turn_end', key: `t-${event.seq}`, reason: 'interrupted', costUsd: closed.costUsd, iterations: 0 }] };
    }
    case 'compacted':
      return {
        ...notice(state, event.seq, 'info', `Context compacted (${event.trigger}): ${event.tokens_before.toLocaleString('en-US')} → ${event.tokens_after.toLocaleString('en-US')} tokens.`),
        contextTokens: event.tokens_after,
      };
    case 'undo_complete':
      return notice(state, event.seq, 'info', `Undid the last turn (${event.messages_removed} messages removed).`);
    case 'rewind_complete':
      return notice(state, event.seq, event.remote_effects.length > 0 ? 'warn' : 'info', rewindNotice(event));
    case 'shutdown':
      return state.status === 'ended' ? state : { ...closeStreaming(state), status: 'closed', pending: [] };
    case 'plan_update':
      return { ...state, plan: event.plan };
    case 'session_terminated':
      return { ...notice(closeStreaming(state), event.seq, 'error', event.message), status: 'ended', ended: event.message, pending: [] };
    case 'loop_detected':
      return notice(state, event.seq, 'warn', `Loop detected: ${event.tools.join(' → ')} repeated ${event.repetitions}× (${event.action}).`);
    case 'approval_mode_changed':
      return { ...state, approvalMode: event.mode, budgetUsd: event.budget_usd };
    case 'cost_reservation':
      return state;
    default:
      return state;
  }
}
