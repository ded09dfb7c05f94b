import type { WebSearchBackend, WebSearchResult } from './web-search-backend.js';
import { baseUrlOf, plainText, searchJson } from './web-search-http.js';

/** Tavily API base URL (`TAVILY_API_URL` overrides it). */
export const DEFAULT_TAVILY_API_URL = 'https://api.tavily.com';

export interface TavilyBackendOptions {
  /** `TAVILY_API_KEY`, sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Base URL (default https://api.tavily.com); requests go to `POST <base>/search`. */
  url?: string;
  /** `basic` (default) or `advanced` search depth. */
  searchDepth?: 'basic' | 'advanced';
  /** Default: core's `httpFetch` (honours HTTPS_PROXY). */
  fetch?: typeof globalThis.fetch;
}

interface TavilyResponse {
  results?: { title?: string; url?: string; content?: string; score?: number }[];
}

/** `web_search` through Tavily's search API (`POST /search`, JSON). Domain filters go in `include_domains`/`exclude_domains`. */
export function createTavilyBackend(options: TavilyBackendOptions): WebSearchBackend {
  return {
    name: 'Tavily',
    async search(query, searchOptions) {
      const url = new URL(`${baseUrlOf(options.url ?? DEFAULT_TAVILY_API_URL, 'TAVILY_API_URL')}/search`);
      const request: Record<string, unknown> = {
        query,
        search_depth: options.searchDepth ?? 'basic',
        max_results: Math.min(20, Math.max(1, searchOptions.limit)),
        include_answer: false,
        include_raw_content: false,
      };
      if (searchOptions.allowedDomains.length > 0) request.include_domains = [...searchOptions.allowedDomains];
      if (searchOptions.blockedDomains.length > 0) request.exclude_domains = [...searchOptions.blockedDomains];
      const body = await searchJson<TavilyResponse>({
        engine: 'Tavily',
        url,
        init: {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
          body: JSON.stringify(request),
          signal: searchOptions.signal,
        },
        fetch: options.fetch,
        secrets: [options.apiKey],
        onAuthFailure: (status, detail) => `Tavily rejected TAVILY_API_KEY (HTTP ${status}${detail ? `: ${detail}` : ''}); check the key.`,
      });
      return (body.results ?? []).flatMap((result): WebSearchResult[] =>
        result.url ? [{ title: plainText(result.title), url: result.url, snippet: plainText(result.content).slice(0, 400) }] : [],
      );
    },
  };
}
