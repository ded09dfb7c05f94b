import type { WebSearchBackend, WebSearchResult } from './web-search-backend.js';
import { baseUrlOf, plainText, searchJson } from './web-search-http.js';

export interface SearxngBackendOptions {
  /** `SEARXNG_URL`: the instance's base URL (requests go to `<base>/search?q=…&format=json`). */
  url: string;
  /** Default: core's `httpFetch` (honours HTTPS_PROXY). */
  fetch?: typeof globalThis.fetch;
}

interface SearxngResponse {
  results?: { title?: string; url?: string; content?: string }[];
}

/** `web_search` through a SearXNG instance's JSON API. The instance must list `json` in `search.formats`. */
export function createSearxngBackend(options: SearxngBackendOptions): WebSearchBackend {
  return {
    name: 'SearXNG',
    async search(query, searchOptions) {
      const url = new URL(`${baseUrlOf(options.url, 'SEARXNG_URL')}/search`);
      const parts = [query];
      if (searchOptions.allowedDomains.length === 1) parts.push(`site:${searchOptions.allowedDomains[0]}`);
      url.searchParams.set('q', parts.join(' '));
      url.searchParams.set('format', 'json');
      const body = await searchJson<SearxngResponse>({
        engine: 'SearXNG',
        url,
        init: { method: 'GET', headers: { accept: 'application/json' }, signal: searchOptions.signal },
        fetch: options.fetch,
        secrets: [],
        // SearXNG answers 403 when the JSON format is not enabled on the instance.
        onAuthFailure: (status) =>
          `SearXNG at ${url.host} refused the JSON API (HTTP ${status}); enable it by adding "json" to search.formats in the instance's settings.yml.`,
      });
      return (body.results ?? []).flatMap((result): WebSearchResult[] =>
        result.url ? [{ title: plainText(result.title), url: result.url, snippet: plainText(result.content) }] : [],
      );
    },
  };
}
