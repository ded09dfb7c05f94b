import type { UsageTotals } from '@ml-intern/events';
import { addUsage, computeCost, emptyUsage, type ModelPricing, type ModelUsage } from './model.js';

export function usageTotals(usage: ModelUsage): UsageTotals {
  return {
    input_tokens: usage.inputTokens,
    cached_input_tokens: usage.cachedInputTokens,
    cache_creation_tokens: usage.cacheCreationTokens,
    output_tokens: usage.outputTokens,
    reasoning_tokens: usage.reasoningTokens,
  };
}

/** What a reservation pays for, so a later run can check on it (e.g. `{kind: "hf_job", id, namespace}`). */
export interface ReservationResource {
  kind: string;
  id: string;
  [key: string]: unknown;
}

/**
 * The estimated cost of one billable call (a job, a sandbox), reserved when it is approved so
 * calls approved after it see it, and reconciled to what it really cost once that is known.
 */
export interface CostReservation {
  /** The estimate reserved at approval. */
  readonly reservedUsd: number;
  /** The reconciled cost, once settled. */
  readonly actualUsd: number | undefined;
  readonly held: boolean;
  readonly resource: ReservationResource | undefined;
  /**
   * The billable resource exists (the job started): keep the reservation until it is settled.
   * With `resource`, the session log records what to check if the run ends before it does.
   */
  hold(resource?: ReservationResource): void;
  /** Replace the estimate by the real cost (runtime × price; 0 when it never started). */
  settle(actualUsd: number): void;
}

/** Hear a reservation's changes (the session turns them into `cost_reservation` events). */
export interface ReservationListener {
  onHold?(reservation: CostReservation): void;
  onSettle?(reservation: CostReservation, previousUsd: number): void;
}

/** Session spend: tokens by class, LLM cost, reserved and reconciled job costs, and whether any call was unpriced. */
export class UsageMeter {
  #usage = emptyUsage();
  #llmCostUsd = 0;
  #jobCostUsd = 0;
  #unpriced = false;

  /** Reserve an estimate; the listener hears it held and reconciled. */
  reserve(usd: number, listener: ReservationListener = {}): CostReservation {
    this.#jobCostUsd += usd;
    let current = usd;
    let held = false;
    let resource: ReservationResource | undefined;
    let actual: number | undefined;
    const reservation: CostReservation = {
      reservedUsd: usd,
      get actualUsd() {
        return actual;
      },
      get held() {
        return held;
      },
      get resource() {
        return resource;
      },
      hold(what) {
        held = true;
        if (what) resource = what;
        listener.onHold?.(reservation);
      },
      settle: (actualUsd) => {
        const value = Number.isFinite(actualUsd) && actualUsd >= 0 ? actualUsd : current;
        this.#jobCostUsd += value - current;
        const previous = current;
        current = value;
        actual = value;
        listener.onSettle?.(reservation, previous);
      },
    };
    return reservation;
  }

  /** Add one model call; returns its cost. */
  recordCall(usage: ModelUsage, pricing: ModelPricing | undefined): { usd: number; unpriced: boolean } {
    this.#usage = addUsage(this.#usage, usage);
    const cost = computeCost(usage, pricing);
    this.#llmCostUsd += cost.usd;
    this.#unpriced ||= cost.unpriced;
    return cost;
  }

  /** Add a job cost without reconciliation (prefer {@link reserve}). */
  addJobCost(usd: number): void {
    this.#jobCostUsd += usd;
  }

  /** Job and sandbox costs, reserved or reconciled (what the auto-approval cap counts). */
  get jobCostUsd(): number {
    return this.#jobCostUsd;
  }

  get spentUsd(): number {
    return this.#llmCostUsd + this.#jobCostUsd;
  }

  get totals(): { usage: UsageTotals; costUsd: number; llmCostUsd: number; jobCostUsd: number; unpriced: boolean } {
    return { usage: usageTotals(this.#usage), costUsd: this.spentUsd, llmCostUsd: this.#llmCostUsd, jobCostUsd: this.#jobCostUsd, unpriced: this.#unpriced };
  }
}
