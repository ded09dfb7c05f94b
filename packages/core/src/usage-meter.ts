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

/** Session spend: tokens by class, LLM cost, estimated HF Jobs cost, and whether any call was unpriced. */
export class UsageMeter {
  #usage = emptyUsage();
  #llmCostUsd = 0;
  #jobCostUsd = 0;
  #unpriced = false;

  /** Add one model call; returns its cost. */
  recordCall(usage: ModelUsage, pricing: ModelPricing | undefined): { usd: number; unpriced: boolean } {
    this.#usage = addUsage(this.#usage, usage);
    const cost = computeCost(usage, pricing);
    this.#llmCostUsd += cost.usd;
    this.#unpriced ||= cost.unpriced;
    return cost;
  }

  addJobCost(usd: number): void {
    this.#jobCostUsd += usd;
  }

  get spentUsd(): number {
    return this.#llmCostUsd + this.#jobCostUsd;
  }

  get totals(): { usage: UsageTotals; costUsd: number; llmCostUsd: number; jobCostUsd: number; unpriced: boolean } {
    return { usage: usageTotals(this.#usage), costUsd: this.spentUsd, llmCostUsd: this.#llmCostUsd, jobCostUsd: this.#jobCostUsd, unpriced: this.#unpriced };
  }
}
