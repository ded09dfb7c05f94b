import type { Session, TurnOutcome } from '@ml-intern/core';
import type { ApprovalDecision, PendingApproval } from '@ml-intern/events';
import { askForApprovals } from './approval-prompt.js';
import { editInEditor } from './open-editor.js';
import type { EventRenderer } from './event-renderer.js';
import type { LineReader } from './line-reader.js';
import { imageAttachments } from './image-attachments.js';
import type { ScreenWriter } from './screen-writer.js';
import type { TerminalStyle } from './terminal-style.js';

/** Approval requests of the running turn, handed from the event listener to the prompt. */
export class ApprovalInbox {
  readonly #items: PendingApproval[][] = [];
  #waiter: ((tools: PendingApproval[]) => void) | undefined;

  push(tools: PendingApproval[]): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter(tools);
    else this.#items.push(tools);
  }

  next(): Promise<PendingApproval[]> {
    const item = this.#items.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Forget waiting requests and the pending `next()` (the turn is over). */
  reset(): void {
    this.#items.length = 0;
    this.#waiter = undefined;
  }
}

/** What a running turn waits for: the agent, or the user's approval. */
export type TurnPhase = 'turn' | 'approval';

/** The session, terminal and signals one turn needs. */
export interface TurnRunnerOptions {
  session: Session;
  reader: LineReader;
  writer: ScreenWriter;
  style: TerminalStyle;
  renderer: EventRenderer;
  approvals: ApprovalInbox;
  /** Keys typed ahead must not answer an approval on a terminal; piped answers may. */
  terminal: boolean;
  /** Aborted when the user quits: the turn is interrupted and left. */
  quitSignal: AbortSignal;
  /** Told what the turn is doing, so Ctrl-C can act on it; approval questions get a signal. */
  onPhase(phase: TurnPhase, cancelQuestion?: AbortController): void;
  /** Where `@path` image mentions are resolved from (default: the process's working directory). */
  cwd?: string;
}

const QUIT_GRACE_MS = 3_000;

/** A promise of the signal's abort, and how to stop listening (one listener per turn, removed). */
function whenAborted(signal: AbortSignal): { promise: Promise<'quit'>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<'quit'>((resolve) => {
    if (signal.aborted) return resolve('quit');
    const onAbort = () => resolve('quit');
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  return { promise, dispose };
}

/** Aborted when either signal aborts (AbortSignal.any needs Node 20.3). */
function eitherSignal(first: AbortSignal, second: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (first.aborted || second.aborted) controller.abort();
  first.addEventListener('abort', onAbort, { once: true });
  second.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      first.removeEventListener('abort', onAbort);
      second.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Run one user turn: submit the input, answer approval requests as they come (one question per
 * pending call, then one `exec_approval` with every decision), return how the turn ended.
 */
export async function runTurn(text: string, options: TurnRunnerOptions): Promise<TurnOutcome | undefined> {
  const { session, reader, writer, style } = options;
  // `@plot.png` attaches the image to the message.
  const attachments = await imageAttachments(text, options.cwd ?? process.cwd());
  for (const line of attachments.attached) writer.line(style.dim(line));
  for (const line of attachments.problems) writer.line(style.yellow(line));
  if (attachments.images.length > 0 && !session.model.info.imageInput) {
    writer.line(style.yellow(`${session.model.id} does not accept images: it gets a note in their place.`));
  }
  const outcome = session.run(text, attachments.images.length > 0 ? { images: attachments.images } : {});
  const finished = outcome.then((result) => ({ kind: 'done' as const, result }));
  const quit = whenAborted(options.quitSignal);
  options.onPhase('turn');
  try {
    for (;;) {
      const next = await Promise.race([finished, quit.promise, options.approvals.next().then((tools) => ({ kind: 'approval' as const, tools }))]);
      if (next === 'quit') {
        session.submit({ type: 'interrupt' });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), QUIT_GRACE_MS);
        });
        const result = await Promise.race([outcome, grace]);
        clearTimeout(timer);
        return result;
      }
      if (next.kind === 'done') return next.result;
      options.renderer.breakSection();
      if (options.terminal) {
        const discarded = reader.discardQueued();
        if (discarded > 0) writer.line(style.dim(`(ignored ${discarded} line${discarded === 1 ? '' : 's'} typed while the agent was working)`));
      }
      const cancel = new AbortController();
      const stop = eitherSignal(cancel.signal, options.quitSignal);
      options.onPhase('approval', cancel);
      const decisions = await askForApprovals(next.tools, {
        writer,
        style,
        ask: (prompt) => reader.read(prompt, { signal: stop.signal, remember: false }),
        // An editor needs a terminal; piped input has none to hand over.
        ...(options.terminal ? { edit: (pending: PendingApproval) => reader.suspend(() => editInEditor(pending)) } : {}),
      });
      stop.dispose();
      options.renderer.breakSection();
      options.onPhase('turn');
      if (decisions) session.submit({ type: 'exec_approval', decisions });
      else if (!stop.signal.aborted) session.submit({ type: 'exec_approval', decisions: rejectAll(next.tools, 'No answer: the input ended before the user decided.') });
      // Cancelled by Ctrl-C: the interrupt already submitted settles the pending calls.
    }
  } finally {
    quit.dispose();
    options.approvals.reset();
    options.renderer.finishStream();
  }
}

function rejectAll(tools: readonly PendingApproval[], feedback: string): ApprovalDecision[] {
  return tools.map((tool) => ({ tool_call_id: tool.tool_call_id, approved: false, feedback }));
}
