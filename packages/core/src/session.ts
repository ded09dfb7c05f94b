import { randomUUID } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { History, SessionLockedError, redactValue, type ImagePart, type Message } from '@ml-intern/context';
import {
  EventQueue,
  parseOperation,
  type AgentEvent,
  type ApprovalDecision,
  type EventPayload,
  type PendingApproval,
  type Operation,
  type PlanItem,
} from '@ml-intern/events';
import type { SessionOptions } from './session-options.js';
import { runAgentTurn, type CompactionTrigger, type CompactionResult, type LoopHost } from './agent-loop.js';
import { createApprovalPolicy, type ApprovalPolicy } from './approval-policy.js';
import { Compactor } from './compactor.js';
import { LoopGuard } from './doom-loop.js';
import { isAbortError, MlInternError } from './errors.js';
import type { LanguageModel, ModelUsage, ReasoningEffort, ToolSpec } from './model.js';
import { ApprovalGate } from './approval-gate.js';
import { UsageMeter, usageTotals, type CostReservation } from './usage-meter.js';
import { createPlanTool } from './plan-tool.js';
import type { SessionWriter } from '@ml-intern/context';
import type { AnyTool, ToolLogLevel, ToolSessionInfo } from './tool.js';
import type { OpenReservation } from './open-reservations.js';
import { ToolRouter } from './tool-router.js';
import { SessionCheckpoints } from './session-checkpoints.js';
import type { CheckpointLocation, TurnRecord } from './workspace-checkpoints.js';
import type { TurnOutcome } from './turn-outcome.js';

/**
 * One agent session: operations in (`submit`), events out (`subscribe` / `for await`).
 * Owns the history, tool router, approvals, budget, plan and session log (SPEC section 1).
 */
export class Session implements AsyncIterable<AgentEvent> {
  #id: string;
  #model: LanguageModel;
  #reasoningEffort: ReasoningEffort | undefined;
  readonly history: History;
  readonly router: ToolRouter;
  readonly policy: ApprovalPolicy;
  readonly cwd: string;
  readonly #options: SessionOptions;
  readonly #events = new EventQueue<AgentEvent>();
  readonly #operations: Operation[] = [];
  readonly #interruptHandlers = new Set<() => void | Promise<void>>();
  readonly #loopGuard: LoopGuard;
  readonly #compactor: Compactor;
  readonly #checkpoints: SessionCheckpoints;
  #wakeWorker: (() => void) | undefined;
  #seq: number;
  #budgetUsd: number | undefined;
  /** Events since the operation in progress began (chunks included): the part of a turn the log does not hold yet. */
  #recentEvents: AgentEvent[] = [];
  #system = '';
  #toolSpecs: ToolSpec[] = [];
  #writer: SessionWriter | undefined;
  #turnController: AbortController | undefined;
  readonly #approval = new ApprovalGate();
  #meter: UsageMeter;
  /** Resolves `run()` calls: each waits for the turn of its own `user_input`. */
  readonly #turnWaiters = new Map<Operation, (outcome: TurnOutcome) => void>();
  /** Events of the running turn, for its `run()` outcome. */
  #turnEvents: AgentEvent[] | undefined;
  #plan: PlanItem[] = [];
  #dataDir: string;
  /** The session this one was forked from (its log is left as it is). */
  #forkedFrom: string | undefined;
  /** Whether this id's log was opened: its spill files are kept for a later resume. */
  #logOpened = false;
  #closed = false;
  #restored = false;
  #finished: Promise<void>;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#id = options.id ?? randomUUID();
    this.#seq = options.firstSeq ?? 0;
    this.#budgetUsd = options.budgetUsd;
    this.#model = options.model;
    this.#reasoningEffort = options.reasoningEffort;
    this.cwd = path.resolve(options.cwd ?? process.cwd());
    this.#dataDir = this.#dataDirFor(this.#id);
    this.#forkedFrom = options.forkedFrom;
    this.#plan = [...(options.plan ?? [])];
    this.history = new History({ ...(options.counter ? { counter: options.counter } : {}) });
    this.#meter = options.meter ?? new UsageMeter();
    this.policy = options.policy ?? createApprovalPolicy({ mode: 'default', ...(options.budgetUsd === undefined ? {} : { budgetUsd: options.budgetUsd }) });
    const planTool = createPlanTool((plan) => {
      this.#plan = plan;
      this.#emit({ type: 'plan_update', plan });
    });
    const tools = [...(options.tools ?? [])];
    if (options.planTool !== false && !tools.some((tool) => tool.name === planTool.name)) tools.push(planTool);
    this.router = new ToolRouter(tools, {
      ...(options.toolTimeoutMs === undefined ? {} : { defaultTimeoutMs: options.toolTimeoutMs }),
      ...(options.maxOutputChars === undefined ? {} : { maxOutputChars: options.maxOutputChars }),
      ...(options.redact ? { redact: options.redact } : {}),
    });
    this.#loopGuard = new LoopGuard(options.loopGuard);
    this.#compactor = new Compactor(this.model, this.history, { ...options.compaction, ...(options.retry ? { retry: options.retry } : {}) });
    this.#renderSystem();
    for (const message of options.history ?? []) this.history.append(message);
    this.history.repairDanglingToolCalls();
    this.#checkpoints = new SessionCheckpoints({ checkpoints: options.checkpoints, location: () => this.checkpointLocation, emit: (payload) => this.#emit(payload) }, this.history.messages);
    this.#finished = new Promise((resolve) => {
      queueMicrotask(() => {
        this.#start(options.resumed === true);
        void this.#work().finally(resolve);
      });
    });
  }

  get id(): string {
    return this.#id;
  }

  get model(): LanguageModel {
    return this.#model;
  }

  /** Switch the model for the next turns (`/model`). The history is kept. */
  setModel(model: LanguageModel): void {
    this.#model = model;
    this.#compactor.setModel(model);
  }

  get reasoningEffort(): ReasoningEffort | undefined {
    return this.#reasoningEffort;
  }

  /** Change the reasoning effort for the next calls (`/effort`); undefined = provider default. */
  setReasoningEffort(effort: ReasoningEffort | undefined): void {
    this.#reasoningEffort = effort;
  }

  /**
   * Render the system prompt (and tool specs) again, from the next model call on: a
   * `systemPrompt` function that reads files (project instructions, `/memory`) picks up edits.
   */
  refreshSystemPrompt(): void {
    this.#renderSystem();
  }

  /** The session this one continues as a fork (resume), if it does. */
  get forkedFrom(): string | undefined {
    return this.#forkedFrom;
  }

  get plan(): readonly PlanItem[] {
    return this.#plan;
  }

  /** Session totals so far. */
  get usage(): UsageMeter['totals'] {
    return this.#meter.totals;
  }

  /** Estimated input tokens of the next call (history, system prompt and tool specs) and the compaction limit. */
  get context(): { tokens: number; limit: number; window: number } {
    const fixed = this.#compactor.fixedTokens(this.#system, this.#toolSpecs);
    return { tokens: this.history.estimatedTokens + fixed, limit: this.#compactor.limit(), window: this.#options.compaction?.contextWindow ?? this.#model.info.contextWindow };
  }

  get logLocation(): string | undefined {
    return this.#writer?.location;
  }

  get busy(): boolean {
    return this.#turnController !== undefined;
  }

  /** The seq the next event will carry. */
  get nextSeq(): number {
    return this.#seq;
  }

  /** The session USD cap in force (undefined: none). */
  get budgetUsd(): number | undefined {
    return this.#budgetUsd;
  }

  /**
   * Events of the operation in progress (or the last one, until the next begins) with a seq after
   * `after`, streamed chunks included: what a front end that reconnects mid-turn needs on top of
   * the log, which keeps only the coalesced `assistant_message`.
   */
  recentEvents(after = -1): AgentEvent[] {
    return this.#recentEvents.filter((event) => event.seq > after);
  }

  /** The turns of this session id: what each changed (checkpoints) and its effects outside the workspace (`/rewind`). */
  turns(): TurnRecord[] {
    return this.#checkpoints.turns(this.history.messages);
  }

  /** The workspace and the data folder the session's checkpoints are kept in. */
  get checkpointLocation(): CheckpointLocation {
    return { cwd: this.cwd, dataDir: this.#dataDir };
  }

  subscribe(listener: (event: AgentEvent) => void): () => void {
    return this.#events.subscribe(listener);
  }

  [Symbol.asyncIterator](): AsyncIterator<AgentEvent> {
    return this.#events[Symbol.asyncIterator]();
  }

  /** Submit an operation. Malformed input becomes an `error` event; the session keeps running. */
  submit(input: Operation | unknown): void {
    const parsed = parseOperation(input);
    if (!parsed.ok) {
      this.#emit({ type: 'error', code: 'invalid_operation', message: parsed.error, recoverable: true });
      return;
    }
    const operation = parsed.value;
    if (this.#closed) {
      this.#emit({ type: 'error', code: 'session_closed', message: `session ${this.#id} is shut down; start a new one`, recoverable: false });
      return;
    }
    if (operation.type === 'interrupt') return this.#interrupt();
    if (operation.type === 'set_approval_mode') return this.#setApprovalMode(operation.mode, operation.budget_usd);
    if (operation.type === 'exec_approval') {
      const problem = this.#approval.answer(operation.decisions);
      if (problem) this.#emit({ type: 'error', ...problem, recoverable: true });
      return;
    }
    if (this.#approval.waiting) this.#approval.settle('abandoned');
    if (operation.type === 'shutdown') this.#interrupt();
    this.#operations.push(operation);
    this.#wakeWorker?.();
  }

  /**
   * Send one user message and wait until its own turn ends (events of other turns, and errors
   * about other operations, do not end it). Rejects once the session is closed. `images` are
   * attached to the message (the provider puts a note in their place for a text-only model).
   */
  async run(text: string, options: { images?: ImagePart[] } = {}): Promise<TurnOutcome> {
    if (this.#closed) throw new MlInternError('session_closed', `session ${this.#id} is shut down; start a new one`);
    const operation: Operation = { type: 'user_input', text, ...(options.images?.length ? { images: options.images } : {}) };
    const outcome = new Promise<TurnOutcome>((resolve) => this.#turnWaiters.set(operation, resolve));
    if (this.#approval.waiting) this.#approval.settle('abandoned');
    this.#operations.push(operation);
    this.#wakeWorker?.();
    return outcome;
  }

  /** Shut down: stop any turn, flush gateways and the log, emit `shutdown`. */
  async close(): Promise<void> {
    if (!this.#closed) this.submit({ type: 'shutdown' });
    await this.#finished;
  }

  #renderSystem(): void {
    const tools = this.router.list();
    const prompt = this.#options.systemPrompt;
    this.#system = typeof prompt === 'function' ? prompt(tools) : (prompt ?? '');
    this.#toolSpecs = this.router.specs();
  }

  /** Spill files and scratch of session `id`: the given `dataDir`, else `<dataRoot>/<id>`. */
  #dataDirFor(id: string): string {
    return this.#options.dataDir ?? path.join(this.#options.dataRoot ?? path.join(tmpdir(), 'ml-intern'), id);
  }

  #start(resumed: boolean): void {
    const lockNotice = this.#openLog();
    this.#dataDir = this.#dataDirFor(this.#id);
    mkdirSync(this.#dataDir, { recursive: true });
    if (this.#forkedFrom !== undefined) this.#adoptSpillFiles(this.#forkedFrom);
    if (this.history.length > 0) this.#log({ kind: 'replace', messages: [...this.history.messages] });
    const open = this.#options.openReservations;
    if (open && open.length > 0 && !this.#restored) {
      this.#restored = true;
      // After session_started, so the new log carries the restored reservations too.
      queueMicrotask(() => this.#restoreReservations(open));
    }
    this.#emit({
      type: 'session_started',
      model: this.model.id,
      cwd: this.cwd,
      runtime: this.#options.runtime ?? 'local',
      resumed,
      ...(this.#forkedFrom === undefined ? {} : { forked_from: this.#forkedFrom }),
      config: this.#options.configSummary ?? {},
    });
    if (lockNotice) this.#emit({ type: 'tool_log', level: 'warn', message: lockNotice });
    else if (this.#forkedFrom !== undefined) {
      this.#emit({ type: 'tool_log', level: 'info', message: `Resumed session ${this.#forkedFrom} as new session ${this.#id} (a fork: the log of ${this.#forkedFrom} is left as it was).` });
    }
    if (this.#plan.length > 0) this.#emit({ type: 'plan_update', plan: this.#plan });
    this.#emit({ type: 'ready' });
  }

  /**
   * Open this id's log. When another live run is writing it, fork: a new id whose header names the
   * old one in `forked_from`, and a notice to announce (returned). The old log is never touched.
   */
  #openLog(): string | undefined {
    const store = this.#options.store;
    this.#logOpened = false;
    if (!store) return undefined;
    let notice: string | undefined;
    for (;;) {
      try {
        this.#writer = store.create({
          id: this.#id,
          model: this.model.id,
          cwd: this.cwd,
          started_at: new Date().toISOString(),
          config_digest: this.#options.configDigest ?? '',
          ...(this.#forkedFrom === undefined ? {} : { forked_from: this.#forkedFrom }),
        });
        this.#logOpened = true;
        return notice;
      } catch (error) {
        if (SessionLockedError.isInstance(error) && notice === undefined) {
          const previous = this.#id;
          this.#id = randomUUID();
          this.#forkedFrom = previous;
          notice = `${(error as Error).message}, so this run continues as a new session ${this.#id} forked from it (the log of ${previous} is left to that run).`;
          continue;
        }
        this.#writer = undefined;
        queueMicrotask(() =>
          this.#emit({ type: 'tool_log', level: 'error', message: `cannot write the session log: ${(error as Error).message}; continuing without saving` }),
        );
        return notice;
      }
    }
  }

  /**
   * A fork's history points at spill files in the parent's data folder, which this session's
   * file tools may not read: link (or copy) them into this session's own and point there.
   */
  #adoptSpillFiles(parentId: string): void {
    if (this.#options.dataDir !== undefined) return; // One folder for every id: nothing to move.
    const from = path.join(this.#dataDirFor(parentId), 'spill') + path.sep;
    const to = path.join(this.#dataDir, 'spill') + path.sep;
    if (from === to) return;
    // A path ends at white space, a quote, a bracket or sentence punctuation.
    const pattern = new RegExp(`${escapeRegExp(from)}[^\\s'"\`)\\];,]*[^\\s'"\`)\\];,.:]`, 'g');
    const moved = new Map<string, string | undefined>();
    const move = (source: string): string | undefined => {
      if (moved.has(source)) return moved.get(source);
      const target = to + source.slice(from.length);
      let result: string | undefined = target;
      try {
        mkdirSync(path.dirname(target), { recursive: true });
        try {
          linkSync(source, target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') copyFileSync(source, target);
        }
      } catch {
        result = undefined; // Gone (a cleaned temp folder): the old path stays as it was.
      }
      moved.set(source, result);
      return result;
    };
    let changed = false;
    const messages = this.history.messages.map((message) => {
      if (message.role !== 'tool' || (!message.content.includes(from) && !message.spillPath?.startsWith(from))) return message;
      const content = message.content.replace(pattern, (source) => move(source) ?? source);
      const spillPath = message.spillPath?.startsWith(from) ? (move(message.spillPath) ?? message.spillPath) : message.spillPath;
      if (content === message.content && spillPath === message.spillPath) return message;
      changed = true;
      return { ...message, content, ...(spillPath === undefined ? {} : { spillPath }) };
    });
    if (changed) this.history.replaceAll(messages);
  }

  /**
   * A session ended (or rotated away): its scratch goes. Spill files stay while its log exists
   * (a resume may need them); without a log the whole folder goes. A `dataDir` given by the
   * caller is the caller's to clean.
   */
  #cleanScratch(): void {
    if (this.#options.dataDir !== undefined) return;
    const dir = this.#dataDir;
    try {
      if (!this.#logOpened) {
        rmSync(dir, { recursive: true, force: true });
        return;
      }
      // Checkpoints stay with the log too (`sessions show --diff`).
      for (const name of readdirSync(dir)) if (name !== 'spill' && name !== 'checkpoints') rmSync(path.join(dir, name), { recursive: true, force: true });
      if (readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      // Already gone, or busy: nothing to report at shutdown.
    }
  }

  #log(record: Parameters<SessionWriter['append']>[0]): void {
    if (!this.#writer) return;
    try {
      this.#writer.append(this.#options.redact ? redactValue(record, this.#options.redact) : record);
    } catch (error) {
      const location = this.#writer.location;
      this.#writer = undefined;
      this.#emit({ type: 'tool_log', level: 'error', message: `writing ${location} failed: ${(error as Error).message}; the session continues unsaved` });
    }
  }

  #emit(payload: EventPayload): void {
    const raw = { ...payload, session_id: this.#id, seq: this.#seq++, ts: new Date().toISOString() } as AgentEvent;
    const event = this.#options.redact ? redactValue(raw, this.#options.redact) : raw;
    // Stream deltas are coalesced: the log keeps the final assistant_message, not one line per token.
    if (event.type !== 'assistant_chunk') this.#log({ kind: 'event', event });
    this.#turnEvents?.push(event);
    this.#recentEvents.push(event);
    this.#events.push(event);
    for (const gateway of this.#options.gateways ?? []) {
      try {
        gateway.handle(event);
      } catch {
        // Gateways must not throw; if one does, the agent carries on regardless.
      }
    }
  }

  #appendMessage(message: Message): void {
    this.history.append(message);
    this.#log({ kind: 'message', message });
  }

  async #work(): Promise<void> {
    while (!this.#closed) {
      const operation = this.#operations.shift();
      if (!operation) {
        await new Promise<void>((resolve) => {
          this.#wakeWorker = resolve;
        });
        this.#wakeWorker = undefined;
        continue;
      }
      // The events before this operation are in the log now (a chunk's text is in its assistant_message).
      this.#recentEvents = [];
      try {
        await this.#handle(operation);
      } catch (error) {
        this.#emit({ type: 'error', code: MlInternError.isInstance(error) ? error.code : 'internal', message: (error as Error).message ?? String(error), recoverable: true });
      }
    }
    // Turns that never started: their run() calls end as interrupted.
    for (const operation of this.#operations.splice(0)) this.#settleTurn(operation, { status: 'interrupted', text: '', iterations: 0, events: [] });
    for (const [operation] of this.#turnWaiters) this.#settleTurn(operation, { status: 'interrupted', text: '', iterations: 0, events: [] });
  }

  #settleTurn(operation: Operation, outcome: TurnOutcome): void {
    const resolve = this.#turnWaiters.get(operation);
    this.#turnWaiters.delete(operation);
    resolve?.(outcome);
  }

  async #handle(operation: Operation): Promise<void> {
    switch (operation.type) {
      case 'user_input': {
        this.#turnEvents = [];
        try {
          const outcome = await this.#runTurn(operation.text, operation.images);
          this.#settleTurn(operation, { ...outcome, events: this.#turnEvents });
        } finally {
          this.#turnEvents = undefined;
          this.#settleTurn(operation, { status: 'interrupted', text: '', iterations: 0, events: [] });
        }
        return;
      }
      case 'compact': {
        // Cancellable like a turn: `interrupt` (Ctrl-C) stops the summary call.
        const controller = new AbortController();
        this.#turnController = controller;
        try {
          const result = await this.#compact('manual', controller.signal);
          if (result === 'not_needed') this.#emit({ type: 'tool_log', level: 'info', message: 'Nothing to compact yet: the history is already short.' });
        } catch (error) {
          if (!controller.signal.aborted && !isAbortError(error)) throw error;
          this.#emit({ type: 'tool_log', level: 'info', message: 'Compaction cancelled; the history is unchanged.' });
          this.#emit({ type: 'interrupted', cancelled_tool_calls: 0 });
        } finally {
          this.#turnController = undefined;
        }
        return;
      }
      case 'undo': {
        const removed = this.history.undoLastUserTurn();
        if (removed > 0) this.#log({ kind: 'truncate', count: removed });
        this.#emit({ type: 'undo_complete', messages_removed: removed });
        return;
      }
      case 'rewind':
        return this.#checkpoints.rewind(operation, this.history, {
          truncate: (count) => this.#log({ kind: 'truncate', count }),
          append: (message) => this.#appendMessage(message),
        });
      case 'new': {
        // A fresh start: spend, loop memory and the system prompt (tools may have changed) too.
        const hadPlan = this.#plan.length > 0;
        this.#meter = new UsageMeter();
        this.#loopGuard.reset();
        this.#compactor.noteModelCall();
        this.#renderSystem();
        this.#rotate(randomUUID(), [], false);
        if (hadPlan) this.#emit({ type: 'plan_update', plan: [] });
        return;
      }
      case 'resume': {
        const store = this.#options.store;
        if (!store) throw new MlInternError('no_store', 'this session has no session store, so nothing can be resumed');
        const loaded = await store.load(operation.session).catch((error: Error) => {
          throw new MlInternError('resume_failed', error.message);
        });
        for (const warning of loaded.warnings) this.#emit({ type: 'tool_log', level: 'warn', message: warning });
        // Resume forks (SPEC section 8): a new id, `forked_from` in its header, the old log untouched.
        return this.#rotate(randomUUID(), loaded.messages, true, { forkedFrom: loaded.header.id, plan: loaded.plan ?? [] });
      }
      case 'shutdown':
        return this.#shutdown();
      default:
        return;
    }
  }

  #rotate(id: string, messages: readonly Message[], resumed: boolean, from: { forkedFrom?: string; plan?: readonly PlanItem[] } = {}): void {
    void this.#writer?.close();
    this.#writer = undefined;
    this.#cleanScratch();
    this.#id = id;
    this.#forkedFrom = from.forkedFrom;
    this.#plan = [...(from.plan ?? [])];
    this.history.replaceAll(messages);
    this.history.repairDanglingToolCalls();
    this.#checkpoints.reset(this.history.messages);
    this.#start(resumed);
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled((this.#options.gateways ?? []).map((gateway) => gateway.flush(5_000)));
    this.#emit({ type: 'shutdown' });
    await this.#writer?.close();
    this.#writer = undefined;
    this.#cleanScratch();
    this.#events.close();
  }

  /** `set_approval_mode`: applies at once (a turn in progress decides its next calls with it). */
  #setApprovalMode(mode: 'default' | 'yolo', budgetUsd: number | null | undefined): void {
    if (this.policy.mode === 'read-only' && mode !== 'default') {
      this.#emit({ type: 'error', code: 'read_only', message: 'the session is read-only; its approval mode cannot be changed to yolo', recoverable: true });
      return;
    }
    if (this.policy.mode !== 'read-only') this.policy.setMode(mode);
    if (budgetUsd !== undefined) {
      if (!this.policy.setBudgetUsd) {
        this.#emit({ type: 'error', code: 'budget_fixed', message: 'this session\'s approval policy cannot change its budget', recoverable: true });
      } else {
        this.#budgetUsd = budgetUsd ?? undefined;
        this.policy.setBudgetUsd(this.#budgetUsd);
      }
    }
    this.#emit({ type: 'approval_mode_changed', mode: this.policy.mode, budget_usd: this.#budgetUsd ?? null });
  }

  #interrupt(): void {
    this.#approval.settle('interrupted');
    this.#turnController?.abort(new Error('interrupted'));
  }

  #recordUsage(usage: ModelUsage, latencyMs: number, finishReason: string, estimatedTokens: number): void {
    const cost = this.#meter.recordCall(usage, this.model.info.pricing);
    if (usage.inputTokens > 0 && estimatedTokens > 0) this.history.calibrate(usage.inputTokens, estimatedTokens);
    this.#emit({ type: 'llm_call', model: this.model.id, latency_ms: latencyMs, usage: usageTotals(usage), cost_usd: cost.usd, unpriced: cost.unpriced, finish_reason: finishReason });
  }

  async #compact(trigger: CompactionTrigger, signal: AbortSignal): Promise<CompactionResult> {
    const before = [...this.history.messages];
    const outcome = await this.#compactor.run(trigger, { system: this.#system, tools: this.#toolSpecs, signal });
    if (outcome.kind === 'not_needed') return 'not_needed';
    if (outcome.kind === 'failed') {
      // A compaction that changed the history and then failed (still too large) must be in the
      // log too, or a resume would replay a history this session no longer has.
      const messages = this.history.messages;
      if (messages.length !== before.length || messages.some((message, index) => message !== before[index])) this.#log({ kind: 'replace', messages: [...messages] });
      if (trigger === 'manual') {
        this.#emit({ type: 'tool_log', level: 'warn', message: `Compaction skipped: ${outcome.message}` });
        return 'not_needed';
      }
      this.#emit({ type: 'session_terminated', reason: 'compaction_failed', message: outcome.message });
      return 'failed';
    }
    this.#log({ kind: 'replace', messages: [...this.history.messages] });
    if (outcome.usage) this.#recordUsage(outcome.usage, outcome.latencyMs, 'stop', 0);
    // The summary request itself did not fit: the oldest messages were dropped, and the user is told.
    if (outcome.notice) this.#emit({ type: 'tool_log', level: 'warn', message: outcome.notice });
    this.#emit({ type: 'compacted', ...outcome.stats, trigger });
    return 'compacted';
  }

  #sessionInfo(): ToolSessionInfo {
    return {
      id: this.#id,
      cwd: this.cwd,
      model: this.model.id,
      dataDir: this.#dataDir,
      onInterrupt: (handler) => {
        this.#interruptHandlers.add(handler);
        return () => this.#interruptHandlers.delete(handler);
      },
      meter: this.#meter,
      ...(this.#budgetUsd === undefined ? {} : { budgetUsd: this.#budgetUsd }),
      requestApproval: (pending, signal) => this.#requestApproval(pending, signal),
    };
  }

  /** Reserve a call's estimated cost; every change is a `cost_reservation` event (the log keeps open ones). */
  #reserve(usd: number, toolCallId: string, tool: string): CostReservation {
    const emit = (reservation: CostReservation, state: 'reserved' | 'running' | 'reconciled') =>
      this.#emit({
        type: 'cost_reservation',
        tool_call_id: toolCallId,
        tool,
        state,
        reserved_usd: reservation.reservedUsd,
        actual_usd: reservation.actualUsd ?? null,
        resource: reservation.resource ?? null,
      });
    const reservation = this.#meter.reserve(usd, {
      onHold: (held) => emit(held, 'running'),
      onSettle: (settled, previous) => {
        emit(settled, 'reconciled');
        this.#emit({ type: 'tool_log', tool_call_id: toolCallId, tool, level: 'info', message: `Cost of ${tool} reconciled: $${(settled.actualUsd ?? previous).toFixed(2)} (reserved $${previous.toFixed(2)}).` });
      },
    });
    emit(reservation, 'reserved');
    return reservation;
  }

  /** Reservations an earlier run left open: counted again, and their tools check on them. */
  #restoreReservations(open: readonly OpenReservation[]): void {
    for (const item of open) {
      const reservation = this.#reserve(item.reservedUsd, item.toolCallId, item.tool);
      reservation.hold(item.resource);
      const tool = this.router.get(item.tool);
      if (!tool?.reconcile) continue;
      const log = (message: string, level: ToolLogLevel = 'info') => this.#emit({ type: 'tool_log', tool_call_id: item.toolCallId, tool: item.tool, level, message });
      const signal = AbortSignal.timeout(60_000);
      void Promise.resolve()
        .then(() => tool.reconcile?.(item.resource, { signal, log, session: this.#sessionInfo(), toolCallId: item.toolCallId, reservation }))
        .catch((error: unknown) => log(`could not check ${item.resource.kind} ${item.resource.id} from the previous run: ${(error as Error).message ?? String(error)}; its reservation of $${item.reservedUsd.toFixed(2)} stays counted`, 'warn'));
    }
  }

  /** A sub-agent's calls, put to this session's user through the same gate as its own. */
  async #requestApproval(pending: PendingApproval[], signal: AbortSignal): Promise<ApprovalDecision[] | undefined> {
    if (!this.policy.interactive || this.#approval.waiting || signal.aborted) return undefined;
    const abort = () => this.#approval.settle('interrupted');
    signal.addEventListener('abort', abort, { once: true });
    try {
      const answer = await this.#approval.wait(pending, () => this.#emit({ type: 'approval_required', tools: pending }));
      return Array.isArray(answer) ? answer : undefined;
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  async #runTurn(text: string, images?: ImagePart[]): Promise<Omit<TurnOutcome, 'events'>> {
    const controller = new AbortController();
    this.#turnController = controller;
    this.#emit({ type: 'processing', input: text });
    const fitted = images?.length ? await this.#fitImages(images) : images;
    const message: Message = { role: 'user', content: text, ...(fitted?.length ? { images: fitted } : {}) };
    this.#appendMessage(message);
    this.#checkpoints.beginTurn(message);
    const host = this.#loopHost();
    const interrupted = { status: 'interrupted', text: '', iterations: 0 } as const;
    try {
      const end = await runAgentTurn(host, controller.signal).finally(() => this.#checkpoints.endTurn());
      if (end.kind === 'interrupted') {
        await this.#finishInterrupted();
        return { ...interrupted, iterations: end.iterations };
      }
      if (end.kind === 'terminated') {
        const event = this.#turnEvents?.findLast((item) => item.type === 'session_terminated');
        const error = event?.type === 'session_terminated' ? { code: event.reason, message: event.message } : { code: 'terminated', message: 'the session was terminated' };
        return { status: 'terminated', text: error.message, iterations: end.iterations, error };
      }
      const totals = this.usage;
      this.#emit({ type: 'turn_complete', final_text: end.text, reason: end.reason, iterations: end.iterations, usage: totals.usage, cost_usd: totals.costUsd, unpriced: totals.unpriced });
      return { status: 'completed', reason: end.reason, text: end.text, iterations: end.iterations };
    } catch (error) {
      if (controller.signal.aborted || isAbortError(error)) {
        await this.#finishInterrupted();
        return interrupted;
      }
      this.history.repairDanglingToolCalls();
      const code = MlInternError.isInstance(error) ? error.code : 'internal';
      const message = (error as Error).message ?? String(error);
      this.#emit({ type: 'error', code, message, recoverable: true });
      return { status: 'error', text: '', iterations: 0, error: { code, message } };
    } finally {
      this.#turnController = undefined;
    }
  }

  /** Images downscaled to the model's limits (`fitImage`); a text-only model gets them as they are (a note replaces them). */
  async #fitImages(images: ImagePart[]): Promise<ImagePart[]> {
    const fit = this.#options.fitImage;
    const limits = this.model.info.imageInput;
    if (!fit || !limits) return images;
    return Promise.all(
      images.map((image) =>
        fit(image, limits).catch((error: unknown) => {
          this.#emit({ type: 'tool_log', level: 'warn', message: `could not downscale an image (${image.mediaType}): ${(error as Error).message ?? String(error)}; it is sent as it is` });
          return image;
        }),
      ),
    );
  }

  async #finishInterrupted(): Promise<void> {
    const cancelled = this.history.danglingToolCalls().length;
    const before = this.history.length;
    this.history.repairDanglingToolCalls();
    if (this.history.length !== before) this.#log({ kind: 'replace', messages: [...this.history.messages] });
    this.#appendMessage({ role: 'notice', kind: 'interrupted', content: 'The user interrupted the previous turn.' });
    const handlers = [...this.#interruptHandlers];
    await Promise.allSettled(handlers.map((handler) => Promise.resolve().then(handler)));
    this.#emit({ type: 'interrupted', cancelled_tool_calls: cancelled });
  }

  #loopHost(): LoopHost {
    return {
      model: this.model,
      history: this.history,
      loopGuard: this.#loopGuard,
      system: this.#system,
      tools: () => this.#toolSpecs,
      maxIterations: this.#options.maxIterations ?? 300,
      interactive: this.#options.interactive ?? false,
      ...(this.#reasoningEffort ? { reasoningEffort: this.#reasoningEffort } : {}),
      retry: this.#options.retry ?? {},
      ...(this.#budgetUsd === undefined ? {} : { budgetUsd: this.#budgetUsd }),
      router: this.router,
      policy: this.policy,
      session: this.#sessionInfo(),
      spentUsd: () => this.#meter.spentUsd,
      reservedUsd: () => this.#meter.jobCostUsd,
      reserve: (usd, call) => this.#reserve(usd, call.id, call.name),
      emit: (payload) => this.#emit(payload),
      appendMessage: (message) => this.#appendMessage(message),
      recordUsage: (usage, latencyMs, finishReason) => {
        this.#compactor.noteModelCall();
        // Calibrate only once the history is tokenised (near the limit, where precision matters);
        // the history still holds exactly what the call sent.
        const estimated = this.history.fullyCounted ? this.history.rawTokens + this.#compactor.fixedTokens(this.#system, this.#toolSpecs) : 0;
        this.#recordUsage(usage, latencyMs, finishReason, estimated);
      },
      compact: (trigger, signal) => this.#compact(trigger, signal),
      emitCall: (call, input, summary) => this.#emit({ type: 'tool_call', tool_call_id: call.id, tool: call.name, arguments: input, summary }),
      emitState: (call, state, details) => this.#emit({ type: 'tool_state_change', tool_call_id: call.id, tool: call.name, state, ...details }),
      emitOutput: (call, result) =>
        this.#emit({
          type: 'tool_output',
          tool_call_id: call.id,
          tool: call.name,
          output: result.output,
          is_error: result.isError,
          truncated: result.truncated,
          ...(result.spillPath ? { spill_path: result.spillPath } : {}),
          duration_ms: result.durationMs,
        }),
      emitLog: (call, message, level) => this.#emit({ type: 'tool_log', tool_call_id: call.id, tool: call.name, level, message }),
      beforeRun: (prepared) => this.#checkpoints.beforeRun(prepared),
      afterRun: (prepared, summary, result) => this.#checkpoints.afterRun(prepared, summary, result),
      fitImages: (images) => this.#fitImages(images),
      awaitApproval: (pending) => this.#approval.wait(pending, () => this.#emit({ type: 'approval_required', tools: pending })),
    };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Create and start a session. Events begin on the next microtask, so subscribe right away. */
export function createSession(options: SessionOptions): Session {
  return new Session(options);
}
