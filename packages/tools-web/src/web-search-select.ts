import { ToolExecutionError } from '@ml-intern/core';
import { createBraveBackend } from './brave-backend.js';
import { createDuckDuckGoBackend, type DuckDuckGoBackendOptions } from './duckduckgo-backend.js';
import { createSearxngBackend } from './searxng-backend.js';
import { createTavilyBackend } from './tavily-backend.js';
import type { WebSearchBackend } from './web-search-backend.js';

/** The engines `web_search` can use (config `web.search_backend`). */
export const WEB_SEARCH_BACKENDS = ['duckduckgo', 'brave', 'tavily', 'searxng'] as const;
export type WebSearchBackendName = (typeof WEB_SEARCH_BACKENDS)[number];

/** Where each backend's settings come from; the apps fill these from the environment (tools never read it). */
export interface WebSearchBackendSettings {
  /** Config `web.search_backend`: use this engine; unset picks the first of Brave, Tavily, SearXNG that is configured, else DuckDuckGo. */
  searchBackend?: WebSearchBackendName | null | undefined;
  /** `BRAVE_API_KEY`. */
  braveApiKey?: string | undefined;
  /** `BRAVE_SEARCH_URL` (default https://api.search.brave.com). */
  braveUrl?: string | undefined;
  /** `TAVILY_API_KEY`. */
  tavilyApiKey?: string | undefined;
  /** `TAVILY_API_URL` (default https://api.tavily.com). */
  tavilyUrl?: string | undefined;
  /** `SEARXNG_URL`. */
  searxngUrl?: string | undefined;
  /** DuckDuckGo-style HTML endpoint (config `web.search_url`). */
  searchUrl?: string | undefined;
  userAgent?: string | undefined;
  /** Custom fetch for every backend (default: core's `httpFetch`, which honours HTTPS_PROXY). */
  fetch?: typeof globalThis.fetch | undefined;
}

const VARIABLE: Record<Exclude<WebSearchBackendName, 'duckduckgo'>, string> = { brave: 'BRAVE_API_KEY', tavily: 'TAVILY_API_KEY', searxng: 'SEARXNG_URL' };

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Which engine the settings select: the configured one, else the first of Brave, Tavily, SearXNG that is set, else DuckDuckGo. */
export function chooseWebSearchBackend(settings: WebSearchBackendSettings): WebSearchBackendName {
  if (settings.searchBackend) return settings.searchBackend;
  if (clean(settings.braveApiKey)) return 'brave';
  if (clean(settings.tavilyApiKey)) return 'tavily';
  if (clean(settings.searxngUrl)) return 'searxng';
  return 'duckduckgo';
}

function unconfigured(name: Exclude<WebSearchBackendName, 'duckduckgo'>): WebSearchBackend {
  return {
    name,
    async search() {
      throw new ToolExecutionError(`web.search_backend is "${name}" but ${VARIABLE[name]} is not set; set it, or change web.search_backend.`);
    },
  };
}

/** Build the `web_search` backend the settings select. A chosen backend whose key or URL is missing fails each search with a message naming the variable. */
export function selectWebSearchBackend(settings: WebSearchBackendSettings): WebSearchBackend {
  const fetch = settings.fetch ? { fetch: settings.fetch } : {};
  const name = chooseWebSearchBackend(settings);
  switch (name) {
    case 'brave': {
      const apiKey = clean(settings.braveApiKey);
      if (!apiKey) return unconfigured('brave');
      return createBraveBackend({ apiKey, ...(clean(settings.braveUrl) ? { url: clean(settings.braveUrl) as string } : {}), ...fetch });
    }
    case 'tavily': {
      const apiKey = clean(settings.tavilyApiKey);
      if (!apiKey) return unconfigured('tavily');
      return createTavilyBackend({ apiKey, ...(clean(settings.tavilyUrl) ? { url: clean(settings.tavilyUrl) as string } : {}), ...fetch });
    }
    case 'searxng': {
      const url = clean(settings.searxngUrl);
      if (!url) return unconfigured('searxng');
      return createSearxngBackend({ url, ...fetch });
    }
    case 'duckduckgo': {
      const options: DuckDuckGoBackendOptions = { ...fetch };
      if (clean(settings.searchUrl)) options.url = clean(settings.searchUrl) as string;
      if (settings.userAgent) options.userAgent = settings.userAgent;
      return createDuckDuckGoBackend(options);
    }
  }
}
