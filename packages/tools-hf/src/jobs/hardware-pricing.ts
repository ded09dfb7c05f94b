import { createCachedLoader } from '../disk-cache.js';
import { resolveHfConfig, type HfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';

/**
 * Hourly USD prices of HF Jobs hardware, used when the live catalog (`/api/jobs/hardware`) cannot
 * be read. From the Hub's Jobs pricing page; the live catalog wins whenever it has loaded.
 */
export const FALLBACK_HOURLY_PRICES: Readonly<Record<string, number>> = {
  'cpu-basic': 0.01,
  'cpu-upgrade': 0.03,
  'cpu-xl': 1.0,
  'cpu-performance': 1.9,
  't4-small': 0.4,
  't4-medium': 0.6,
  'l4x1': 0.8,
  'l4x4': 3.8,
  'l40sx1': 1.8,
  'l40sx4': 8.3,
  'l40sx8': 23.5,
  'a10g-small': 1.0,
  'a10g-large': 1.5,
  'a10g-largex2': 3.0,
  'a10g-largex4': 5.0,
  'a100-large': 2.5,
  'a100x4': 10.0,
  'a100x8': 20.0,
  'h100': 4.5,
  'h100x8': 36.0,
  'h200': 5.0,
  'h200x2': 10.0,
  'h200x4': 20.0,
  'h200x8': 40.0,
  'inf2x6': 4.5,
};

export interface HourlyPrice {
  usd: number;
  source: 'live catalog' | 'built-in table';
}

export interface CostEstimate {
  usd: number;
  hourly: HourlyPrice;
}

/** Prices for cost estimates; synchronous reads (approval hints) see the best table loaded so far. */
export interface HardwarePricing {
  hourlyPrice(flavor: string): HourlyPrice | undefined;
  /** Price × timeout, rounded to cents; undefined for an unknown flavor. */
  estimate(flavor: string, timeoutSeconds: number): CostEstimate | undefined;
  /** Load the live catalog (disk cache first); failures keep the built-in table. */
  load(): Promise<void>;
  /** Start {@link load} once in the background (from synchronous code such as approval hints). */
  warm(): void;
}

const CATALOG_TTL_MS = 6 * 60 * 60 * 1000;

function hourlyFrom(entry: { unitCostUSD?: number; unitCostMicroUSD?: number; unitLabel?: string }): number | undefined {
  const unit = entry.unitCostUSD ?? (entry.unitCostMicroUSD === undefined ? undefined : entry.unitCostMicroUSD / 1_000_000);
  if (unit === undefined || !Number.isFinite(unit)) return undefined;
  const label = (entry.unitLabel ?? 'hour').toLowerCase();
  if (label.startsWith('second')) return unit * 3600;
  if (label.startsWith('minute')) return unit * 60;
  return unit;
}

/** Create the price source of one hf_jobs tool. `overrides` (USD/hour) beat both tables. */
export function createHardwarePricing(config: HfConfig, options: { live?: boolean; overrides?: Record<string, number> } = {}): HardwarePricing {
  const loader = createCachedLoader<Record<string, number>>(config.cacheDir, `${new URL(config.hubUrl).host}-jobs-hardware`, CATALOG_TTL_MS);
  let live: Record<string, number> | undefined;
  let loading: Promise<void> | undefined;

  const pricing: HardwarePricing = {
    hourlyPrice(flavor) {
      const override = options.overrides?.[flavor];
      if (override !== undefined) return { usd: override, source: 'built-in table' };
      const fromCatalog = live?.[flavor];
      if (fromCatalog !== undefined) return { usd: fromCatalog, source: 'live catalog' };
      const fallback = FALLBACK_HOURLY_PRICES[flavor];
      return fallback === undefined ? undefined : { usd: fallback, source: 'built-in table' };
    },
    estimate(flavor, timeoutSeconds) {
      const hourly = pricing.hourlyPrice(flavor);
      if (!hourly) return undefined;
      return { usd: Math.round(hourly.usd * (timeoutSeconds / 3600) * 100) / 100, hourly };
    },
    load() {
      if (options.live === false) return Promise.resolve();
      loading ??= loader
        .get(async () => {
          const call = createHubCall(config, AbortSignal.timeout(15_000));
          const { listJobHardware } = await loadHub();
          const hardware = await listJobHardware({ hubUrl: config.hubUrl, fetch: call.fetch });
          const prices: Record<string, number> = {};
          for (const entry of hardware) {
            const hourly = hourlyFrom(entry);
            if (hourly !== undefined) prices[entry.name] = hourly;
          }
          return prices;
        })
        .then(
          (cached) => {
            live = cached.value;
          },
          () => {
            loading = undefined;
          },
        );
      return loading;
    },
    warm() {
      void pricing.load();
    },
  };
  return pricing;
}

/**
 * Hourly prices of Hub hardware (Jobs and Spaces share the tiers and prices): the live catalog
 * once loaded (cached on disk for six hours), the built-in table until then.
 */
export function hubHardwarePricing(options: HfToolsOptions = {}): HardwarePricing {
  return createHardwarePricing(resolveHfConfig(options));
}
