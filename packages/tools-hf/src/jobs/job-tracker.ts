import type { ToolContext } from '@ml-intern/core';
import type { HfConfig } from '../hf-config.js';
import { createHubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';

/** Jobs started by this tool that are still running, cancelled when their session is interrupted. */
export interface JobTracker {
  track(ctx: ToolContext, namespace: string, jobId: string): void;
  /** The job reached a final state: stop watching it. */
  settle(jobId: string): void;
  /** Ids of the jobs currently watched. */
  running(): string[];
}

export function createJobTracker(config: HfConfig): JobTracker {
  const watched = new Map<string, () => void>();
  return {
    track(ctx, namespace, jobId) {
      const unregister = ctx.session.onInterrupt(async () => {
        watched.delete(jobId);
        // The call's own signal is already aborted: cancel with a fresh, short deadline.
        const call = createHubCall(config, AbortSignal.timeout(10_000));
        try {
          const { cancelJob } = await loadHub();
          await cancelJob({ ...call.library, namespace, jobId });
        } catch {
          // best effort: the job may have finished meanwhile
        }
      });
      watched.set(jobId, unregister);
    },
    settle(jobId) {
      watched.get(jobId)?.();
      watched.delete(jobId);
    },
    running() {
      return [...watched.keys()];
    },
  };
}
