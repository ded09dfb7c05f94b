import type { ImagePart, Message } from '@ml-intern/context';
import { runAgentTurn } from './agent-loop.js';
import { isAbortError, MlInternError } from './errors.js';
import { createLoopHost, fitSessionImages, type SessionInternals } from './session-loop-host.js';
import type { TurnOutcome } from './turn-outcome.js';

/** One user turn: the message goes into the history, the agent loop runs, and its end is announced. */
export async function runSessionTurn(session: SessionInternals, text: string, images?: ImagePart[]): Promise<Omit<TurnOutcome, 'events'>> {
  const controller = new AbortController();
  session.setTurnController(controller);
  session.emit({ type: 'processing', input: text });
  const fitted = images?.length ? await fitSessionImages(session, images) : images;
  const message: Message = { role: 'user', content: text, ...(fitted?.length ? { images: fitted } : {}) };
  session.appendMessage(message);
  session.checkpoints.beginTurn(message);
  const host = createLoopHost(session);
  const interrupted = { status: 'interrupted', text: '', iterations: 0 } as const;
  try {
    const end = await runAgentTurn(host, controller.signal).finally(() => session.checkpoints.endTurn());
    if (end.kind === 'interrupted') {
      await finishInterrupted(session);
      return { ...interrupted, iterations: end.iterations };
    }
    if (end.kind === 'terminated') {
      const event = session.out.turnEvents?.findLast((item) => item.type === 'session_terminated');
      const error = event?.type === 'session_terminated' ? { code: event.reason, message: event.message } : { code: 'terminated', message: 'the session was terminated' };
      return { status: 'terminated', text: error.message, iterations: end.iterations, error };
    }
    const totals = session.meter().totals;
    session.emit({ type: 'turn_complete', final_text: end.text, reason: end.reason, iterations: end.iterations, usage: totals.usage, cost_usd: totals.costUsd, unpriced: totals.unpriced });
    return { status: 'completed', reason: end.reason, text: end.text, iterations: end.iterations };
  } catch (error) {
    if (controller.signal.aborted || isAbortError(error)) {
      await finishInterrupted(session);
      return interrupted;
    }
    session.history.repairDanglingToolCalls();
    const code = MlInternError.isInstance(error) ? error.code : 'internal';
    const message = (error as Error).message ?? String(error);
    session.emit({ type: 'error', code, message, recoverable: true });
    return { status: 'error', text: '', iterations: 0, error: { code, message } };
  } finally {
    session.setTurnController(undefined);
  }
}

async function finishInterrupted(session: SessionInternals): Promise<void> {
  const { history } = session;
  const cancelled = history.danglingToolCalls().length;
  const before = history.length;
  history.repairDanglingToolCalls();
  if (history.length !== before) session.out.log({ kind: 'replace', messages: [...history.messages] });
  session.appendMessage({ role: 'notice', kind: 'interrupted', content: 'The user interrupted the previous turn.' });
  const handlers = [...session.interruptHandlers];
  await Promise.allSettled(handlers.map((handler) => Promise.resolve().then(handler)));
  session.emit({ type: 'interrupted', cancelled_tool_calls: cancelled });
}
