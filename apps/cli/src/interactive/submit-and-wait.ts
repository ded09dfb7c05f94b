import type { AgentEvent, Operation } from '@ml-intern/events';

interface OperationTarget {
  submit(operation: Operation): void;
  subscribe(listener: (event: AgentEvent) => void): () => void;
}

/**
 * Submit an operation and wait for the event that ends it (`undo_complete` for `undo`, `ready`
 * for `new`…). Subscribes before submitting so a synchronous answer is not missed. Resolves
 * undefined when `signal` aborts first.
 */
export function submitAndWait(target: OperationTarget, operation: Operation, isEnd: (event: AgentEvent) => boolean, signal?: AbortSignal): Promise<AgentEvent | undefined> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(undefined);
    const finish = (event: AgentEvent | undefined) => {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      resolve(event);
    };
    const onAbort = () => finish(undefined);
    const unsubscribe = target.subscribe((event) => {
      if (isEnd(event)) finish(event);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    target.submit(operation);
  });
}

/** The events that end each non-turn operation the slash commands submit. */
export const OPERATION_END: Record<'undo' | 'compact' | 'new' | 'resume', (event: AgentEvent) => boolean> = {
  undo: (event) => event.type === 'undo_complete' || event.type === 'error',
  // A manual compaction that has nothing to do, or is skipped, reports it as a session-level log line.
  compact: (event) =>
    event.type === 'compacted' || event.type === 'error' || event.type === 'interrupted' || event.type === 'session_terminated' || (event.type === 'tool_log' && event.tool_call_id === undefined && event.level !== 'error'),
  new: (event) => event.type === 'ready' || event.type === 'error',
  resume: (event) => event.type === 'ready' || event.type === 'error',
};
