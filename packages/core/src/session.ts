import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { History, type ImagePart, type Message } from '@ml-intern/context';
import {
  parseOperation,
  type AgentEvent,
  type EventPayload,
  type Operation,
  type PlanItem,
} from '@ml-intern/events';
import type { SessionOptions } from './session-options.js';
import { createApprovalPolicy, type ApprovalPolicy } from './approval-policy.js';
import { Compactor } from './compactor.js';
import { LoopGuard } from './doom-loop.js';
import { isAbortError, MlInternError } from './errors.js';
import type { LanguageModel, ReasoningEffort, ToolSpec } from './model.js';
import { ApprovalGate } from './approval-gate.js';
import { UsageMeter } from './usage-meter.js';
import { createPlanTool } from './plan-tool.js';
import { ToolRouter } from './tool-router.js';
import { SessionCheckpoints } from './session-checkpoints.js';
import { adoptSpillFiles, cleanSessionScratch, sessionDataDir } from './session-data-dir.js';
import { SessionEventLog, type SessionLogRecord } from './session-event-log.js';
import { compactSession, createToolSessionInfo, type SessionInternals } from './session-loop-host.js';
import { restoreReservations } from './session-reservations.js';
import { runSessionTurn } from './session-turn.js';
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
  readonly #out: SessionEventLog;
  readonly #operations: Operation[] = [];
  readonly #interruptHandlers = new Set<() => void | Promise<void>>();
  readonly #loopGuard: LoopGuard;
  readonly #compactor: Compactor;
  readonly #checkpoints: SessionCheckpoints;
  readonly #internals: SessionInternals;
  #wakeWorker: (() => void) | undefined;
  #budgetUsd: number | undefined;
  #system = '';
  #toolSpecs: ToolSpec[] = [];
  #turnController: AbortController | undefined;
  readonly #approval = new ApprovalGate();
  #meter: UsageMeter;
  /** Resolves `run()` calls: each waits for the turn of its own `user_input`. */
  readonly #turnWaiters = new Map<Operation, (outcome: TurnOutcome) => void>();
  #plan: PlanItem[] = [];
  #dataDir: string;
  /** The session this one was forked from (its log is left as it is). */
  #forkedFrom: string | undefined;
  #closed = false;
  #restored = false;
  #finished: Promise<void>;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#id = options.id ?? randomUUID();
    this.#out = new SessionEventLog(() => this.#id, options);
    this.#budgetUsd = options.budgetUsd;
    this.#model = options.model;
    this.#reasoningEffort = options.reasoningEffort;
    this.cwd = path.resolve(options.cwd ?? process.cwd());
    this.#dataDir = sessionDataDir(options, this.#id);
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
    this.#internals = this.#createInternals();
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
    return this.#out.location;
  }

  get busy(): boolean {
    return this.#turnController !== undefined;
  }

  /** The seq the next event will carry. */
  get nextSeq(): number {
    return this.#out.nextSeq;
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
    return this.#out.recentEvents(after);
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
    return this.#out.events.subscribe(listener);
  }

  [Symbol.asyncIterator](): AsyncIterator<AgentEvent> {
    return this.#out.events[Symbol.asyncIterator]();
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

  #start(resumed: boolean): void {
    const opened = this.#out.open(this.#options.store, { id: this.#id, model: this.model.id, cwd: this.cwd, configDigest: this.#options.configDigest ?? '', forkedFrom: this.#forkedFrom });
    this.#id = opened.id;
    this.#forkedFrom = opened.forkedFrom;
    const lockNotice = opened.notice;
    this.#dataDir = sessionDataDir(this.#options, this.#id);
    mkdirSync(this.#dataDir, { recursive: true });
    // One folder for every id (a given `dataDir`): nothing to move.
    if (this.#forkedFrom !== undefined && this.#options.dataDir === undefined) adoptSpillFiles(this.history, sessionDataDir(this.#options, this.#forkedFrom), this.#dataDir);
    if (this.history.length > 0) this.#log({ kind: 'replace', messages: [...this.history.messages] });
    const open = this.#options.openReservations;
    if (open && open.length > 0 && !this.#restored) {
      this.#restored = true;
      // After session_started, so the new log carries the restored reservations too.
      queueMicrotask(() => restoreReservations({ ...this.#internals, sessionInfo: () => createToolSessionInfo(this.#internals) }, open));
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

  #log(record: SessionLogRecord): void {
    this.#out.log(record);
  }

  #emit(payload: EventPayload): void {
    this.#out.emit(payload);
  }

  /** A session ended (or rotated away): its scratch goes. A `dataDir` given by the caller is the caller's to clean. */
  #cleanScratch(): void {
    if (this.#options.dataDir === undefined) cleanSessionScratch(this.#dataDir, this.#out.opened);
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
      this.#out.beginOperation();
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
        const events: AgentEvent[] = [];
        this.#out.turnEvents = events;
        try {
          const outcome = await runSessionTurn(this.#internals, operation.text, operation.images);
          this.#settleTurn(operation, { ...outcome, events });
        } finally {
          this.#out.turnEvents = undefined;
          this.#settleTurn(operation, { status: 'interrupted', text: '', iterations: 0, events: [] });
        }
        return;
      }
      case 'compact': {
        // Cancellable like a turn: `interrupt` (Ctrl-C) stops the summary call.
        const controller = new AbortController();
        this.#turnController = controller;
        try {
          const result = await compactSession(this.#internals, 'manual', controller.signal);
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
    this.#out.detach();
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
    await this.#out.close();
    this.#cleanScratch();
    this.#out.events.close();
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

  #createInternals(): SessionInternals {
    return {
      options: this.#options,
      cwd: this.cwd,
      history: this.history,
      router: this.router,
      policy: this.policy,
      loopGuard: this.#loopGuard,
      compactor: this.#compactor,
      checkpoints: this.#checkpoints,
      approval: this.#approval,
      out: this.#out,
      interruptHandlers: this.#interruptHandlers,
      id: () => this.#id,
      dataDir: () => this.#dataDir,
      model: () => this.#model,
      meter: () => this.#meter,
      reasoningEffort: () => this.#reasoningEffort,
      budgetUsd: () => this.#budgetUsd,
      system: () => this.#system,
      toolSpecs: () => this.#toolSpecs,
      emit: (payload) => this.#emit(payload),
      appendMessage: (message) => this.#appendMessage(message),
      setTurnController: (controller) => {
        this.#turnController = controller;
      },
    };
  }
}

/** Create and start a session. Events begin on the next microtask, so subscribe right away. */
export function createSession(options: SessionOptions): Session {
  return new Session(options);
}
