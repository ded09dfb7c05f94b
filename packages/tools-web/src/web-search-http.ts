import { ToolExecutionError, httpFetch } from '@ml-intern/core';

/** The variables that switch `web_search` to an API backend, named in bot-check and missing-key messages. */
export const WEB_SEARCH_BACKEND_FIX =
  'set BRAVE_API_KEY (Brave Search API), TAVILY_API_KEY (Tavily) or SEARXNG_URL (your own SearXNG instance), or choose one with config web.search_backend';

/** Replace every occurrence of the secrets in `text` (so an echoed key never reaches the model). */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) if (secret && secret.length >= 4) result = result.split(secret).join('***');
  return result;
}

/** Strip tags and entities from the snippets some APIs highlight with `<strong>`. */
export function plainText(text: string | null | undefined): string {
  return (text ?? '')
    .replace(/<[^>]*>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A short human-readable detail out of an API's error body (JSON `detail`/`message`/`error`, or text). */
export function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const pick = (value: unknown): string | undefined => {
      if (typeof value === 'string') return value;
      if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        return pick(record.detail) ?? pick(record.message) ?? pick(record.error) ?? pick(record.code);
      }
      return undefined;
    };
    return (pick(parsed) ?? '').slice(0, 300);
  } catch {
    return /<html|<!doctype/i.test(body) ? '' : body.replace(/\s+/g, ' ').trim().slice(0, 300);
  }
}

export interface SearchRequest {
  /** Engine name for messages, e.g. "Brave". */
  engine: string;
  url: URL;
  init: RequestInit;
  fetch: typeof globalThis.fetch | undefined;
  /** Secrets never shown in any message (the API key). */
  secrets: readonly (string | undefined)[];
  /** What to say on 401/403 (a rejected key). */
  onAuthFailure?: (status: number, detail: string) => string;
}

/**
 * Send one search request through core's `httpFetch` (it honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY)
 * and return the parsed JSON body. Failures become model-visible errors that name the engine and
 * the HTTP status, never the key.
 */
export async function searchJson<T>(request: SearchRequest): Promise<T> {
  const fetchImplementation = request.fetch ?? httpFetch;
  const scrub = (text: string) => scrubSecrets(text, request.secrets);
  let response: Response;
  try {
    response = await fetchImplementation(request.url, request.init);
  } catch (error) {
    if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') throw error;
    throw new ToolExecutionError(scrub(`${request.engine} search request failed: could not reach ${request.url.host} (${(error as Error).message}).`));
  }
  const text = await response.text();
  if (!response.ok) {
    const detail = scrub(errorDetail(text)).replace(/[.\s]+$/, '');
    const suffix = detail ? `: ${detail}` : '';
    if ((response.status === 401 || response.status === 403) && request.onAuthFailure) {
      throw new ToolExecutionError(scrub(request.onAuthFailure(response.status, detail)));
    }
    if (response.status === 429) {
      const retryAfter = response.headers.get('retry-after');
      throw new ToolExecutionError(`${request.engine} rate-limited the search (HTTP 429)${retryAfter ? `; retry after ${retryAfter} s` : ''}${suffix}.`);
    }
    throw new ToolExecutionError(`${request.engine} search failed: HTTP ${response.status} from ${request.url.host}${suffix}.`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ToolExecutionError(`${request.engine} answered with something other than JSON (HTTP ${response.status} from ${request.url.host}); check its base URL.`);
  }
}

/** `base` without trailing slashes, validated as an http(s) URL. */
export function baseUrlOf(value: string, variable: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ToolExecutionError(`${variable} must be an absolute http(s) URL, got "${value}".`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ToolExecutionError(`${variable} must use http or https, got "${value}".`);
  return value.replace(/\/+$/, '');
}
