import type { WebSearchBackend, WebSearchResult } from './web-search-backend.js';
import { baseUrlOf, plainText, searchJson } from './web-search-http.js';

/** Brave Search API base URL (`BRAVE_SEARCH_URL` overrides it). */
export const DEFAULT_BRAVE_SEARCH_URL = 'https://api.search.brave.com';

export interface BraveBackendOptions {
  /** `BRAVE_API_KEY`, sent as `X-Subscription-Token`. */
  apiKey: string;
  /** Base URL (default https://api.search.brave.com); requests go to `<base>/res/v1/web/search`. */
  url?: string;
  /** Default: core's `httpFetch` (honours HTTPS_PROXY). */
  fetch?: typeof globalThis.fetch;
}

interface BraveResponse {
  web?: { results?: { title?: string; url?: string; description?: string; extra_snippets?: string[] }[] };
}

/** `web_search` through the Brave Web Search API (`GET /res/v1/web/search?q=…`). */
export function createBraveBackend(options: BraveBackendOptions): WebSearchBackend {
  return {
    name: 'Brave Search',
    async search(query, searchOptions) {
      const url = new URL(`${baseUrlOf(options.url ?? DEFAULT_BRAVE_SEARCH_URL, 'BRAVE_SEARCH_URL')}/res/v1/web/search`);
      const parts = [query];
      if (searchOptions.allowedDomains.length === 1) parts.push(`site:${searchOptions.allowedDomains[0]}`);
      for (const domain of searchOptions.blockedDomains) parts.push(`-site:${domain}`);
      url.searchParams.set('q', parts.join(' '));
      url.searchParams.set('count', String(Math.min(20, Math.max(1, searchOptions.limit))));
      const body = await searchJson<BraveResponse>({
        engine: 'Brave Search',
        url,
        init: { method: 'GET', headers: { accept: 'application/json', 'x-subscription-token': options.apiKey }, signal: searchOptions.signal },
        fetch: options.fetch,
        secrets: [options.apiKey],
        onAuthFailure: (status, detail) => `Brave Search rejected BRAVE_API_KEY (HTTP ${status}${detail ? `: ${detail}` : ''}); check the key and its plan.`,
      });
      return (body.web?.results ?? []).flatMap((result): WebSearchResult[] =>
        result.url ? [{ title: plainText(result.title), url: result.url, snippet: plainText(result.description) }] : [],
      );
    },
  };
}
