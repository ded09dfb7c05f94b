import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@ml-intern/core';

/** Network retry of idempotent requests (connection errors, 502/503/504). */
export interface HfRetryOptions {
  /** Total attempts including the first (default 3). */
  attempts?: number;
  /** First backoff delay in ms (default 250); doubles per attempt, with jitter. */
  baseDelayMs?: number;
}

/** Options shared by every Hugging Face tool. Apps pass environment values in; tools never read `process.env`. */
export interface HfToolsOptions {
  /** Hugging Face access token (`HF_TOKEN`). Sent only to the Hub, the dataset viewer and the configured docs origins. */
  token?: string;
  /** Hub base URL (`HF_ENDPOINT`), default `https://huggingface.co`. */
  hubUrl?: string;
  /** Dataset viewer base URL, default `https://datasets-server.huggingface.co`. */
  datasetsServerUrl?: string;
  /** arXiv base URL used to read papers, default `https://arxiv.org`. Never receives the token. */
  arxivUrl?: string;
  /** Extra origins `fetch_hf_docs` may read (the Hub origin is always allowed; `https://hf.co` too for the public Hub). */
  docsOrigins?: string[];
  /** Custom fetch (proxies, tests). */
  fetch?: typeof fetch;
  /** Directory for cached data (Hub OpenAPI spec, docs indexes). Default `~/.cache/ml-intern/hf`. */
  cacheDir?: string;
  /** Lifetime of cached data in ms (default 24 h). */
  cacheTtlMs?: number;
  retry?: HfRetryOptions;
}

/** Resolved, validated view of {@link HfToolsOptions} shared by the tools of one bundle. */
export interface HfConfig {
  readonly hubUrl: string;
  readonly datasetsServerUrl: string;
  readonly arxivUrl: string;
  readonly token: string | undefined;
  readonly fetch: typeof fetch;
  /** Origins that may receive the token. */
  readonly tokenOrigins: ReadonlySet<string>;
  /** Origins `fetch_hf_docs` may read. */
  readonly docsOrigins: ReadonlySet<string>;
  readonly cacheDir: string;
  readonly cacheTtlMs: number;
  readonly retry: Required<HfRetryOptions>;
}

export const DEFAULT_HUB_URL = 'https://huggingface.co';
export const DEFAULT_DATASETS_SERVER_URL = 'https://datasets-server.huggingface.co';
export const DEFAULT_ARXIV_URL = 'https://arxiv.org';
const DAY_MS = 24 * 60 * 60 * 1000;

function baseUrl(value: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${value}"`, { keyPath: name });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${name} must use http or https, got "${value}"`, { keyPath: name });
  }
  return value.replace(/\/+$/, '');
}

/** Validate options once; a resolved config passes through unchanged. */
export function resolveHfConfig(options: HfToolsOptions | HfConfig = {}): HfConfig {
  if ('tokenOrigins' in options) return options;
  const hubUrl = baseUrl(options.hubUrl ?? DEFAULT_HUB_URL, 'hubUrl');
  const datasetsServerUrl = baseUrl(options.datasetsServerUrl ?? DEFAULT_DATASETS_SERVER_URL, 'datasetsServerUrl');
  const arxivUrl = baseUrl(options.arxivUrl ?? DEFAULT_ARXIV_URL, 'arxivUrl');
  const hubOrigin = new URL(hubUrl).origin;
  const docsOrigins = new Set([hubOrigin, ...(options.docsOrigins ?? []).map((origin) => new URL(baseUrl(origin, 'docsOrigins')).origin)]);
  if (hubOrigin === DEFAULT_HUB_URL) docsOrigins.add('https://hf.co');
  const token = options.token?.trim() || undefined;
  return {
    hubUrl,
    datasetsServerUrl,
    arxivUrl,
    token,
    fetch: options.fetch ?? globalThis.fetch,
    tokenOrigins: new Set([...docsOrigins, new URL(datasetsServerUrl).origin]),
    docsOrigins,
    cacheDir: options.cacheDir ?? path.join(homedir(), '.cache', 'ml-intern', 'hf'),
    cacheTtlMs: options.cacheTtlMs ?? DAY_MS,
    retry: { attempts: Math.max(1, options.retry?.attempts ?? 3), baseDelayMs: Math.max(0, options.retry?.baseDelayMs ?? 250) },
  };
}
