import type { ToolContext } from '@ml-intern/core';
import type { HfConfig } from '../hf-config.js';
import { createHubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';

/** When a finished job ran, as the Hub reports it. */
export interface JobTimes {
  createdAt?: string | Date | null;
  startedAt?: string | Date | null;
  finishedAt?: string | Date | null;
}

/** Billed seconds of a finished job (start → finish), or undefined when the Hub did not say. */
export function billedSeconds(job: JobTimes): number | undefined {
  const start = job.startedAt ?? job.createdAt;
  if (!start || !job.finishedAt) return undefined;
  const seconds = (new Date(job.finishedAt).getTime() - new Date(start).getTime()) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/**
 * Jobs started by this tool that are still running: cancelled when their session is interrupted,
 * and their reserved cost reconciled to runtime × price when they end.
 */
export interface JobTracker {
  /** `hourlyUsd`: the price the reservation was estimated with. */
  track(ctx: ToolContext, namespace: string, jobId: string, hourlyUsd?: number): void;
  /** The job reached a final state: stop watching it and reconcile its cost (`job` carries its times). */
  settle(jobId: string, job?: JobTimes): void;
  /** Ids of the jobs currently watched. */
  running(): string[];
}

export function createJobTracker(config: HfConfig): JobTracker {
  const watched = new Map<string, () => void>();
  const costs = new Map<string, { reservation: NonNullable<ToolContext['reservation']>; hourlyUsd: number | undefined }>();
  return {
    track(ctx, namespace, jobId, hourlyUsd) {
      if (ctx.reservation) {
        ctx.reservation.hold({ kind: 'hf_job', id: jobId, namespace, ...(hourlyUsd === undefined ? {} : { hourly_usd: hourlyUsd }) });
        costs.set(jobId, { reservation: ctx.reservation, hourlyUsd });
      }
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
    settle(jobId, job) {
      watched.get(jobId)?.();
      watched.delete(jobId);
      const cost = costs.get(jobId);
      const seconds = job ? billedSeconds(job) : undefined;
      if (cost && seconds !== undefined && cost.hourlyUsd !== undefined) {
        costs.delete(jobId);
        cost.reservation.settle(Math.round(cost.hourlyUsd * (seconds / 3600) * 100) / 100);
      }
    },
    running() {
      return [...watched.keys()];
    },
  };
}
