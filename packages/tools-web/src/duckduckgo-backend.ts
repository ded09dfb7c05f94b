import { ToolExecutionError, httpFetch } from '@ml-intern/core';
import type { WebSearchBackend, WebSearchOptions, WebSearchResult } from './web-search-backend.js';
import { WEB_SEARCH_BACKEND_FIX } from './web-search-http.js';

/** DuckDuckGo's JavaScript-free results page. */
export const DEFAULT_DUCKDUCKGO_URL = 'https://html.duckduckgo.com/html/';

export interface DuckDuckGoBackendOptions {
  /** Results page URL (default https://html.duckduckgo.com/html/; the apps read `ML_INTERN_WEB_SEARCH_URL`). */
  url?: string;
  fetch?: typeof globalThis.fetch;
  /** `POST` (default, what the page's own form does) or `GET` with `?q=`. */
  method?: 'POST' | 'GET';
  userAgent?: string;
  /** Region code (`kl`), e.g. `us-en`, `wt-wt` (default: none). */
  region?: string;
}

function collapse(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * The target of a result link. DuckDuckGo wraps results in `//duckduckgo.com/l/?uddg=<url>`
 * redirects; ads go through `/y.js` and are dropped (undefined).
 */
export function unwrapDuckDuckGoLink(href: string, pageUrl: string = DEFAULT_DUCKDUCKGO_URL): string | undefined {
  let url: URL;
  try {
    url = new URL(href, pageUrl);
  } catch {
    return undefined;
  }
  const isDuckDuckGo = url.hostname === 'duckduckgo.com' || url.hostname.endsWith('.duckduckgo.com') || url.href.startsWith(new URL(pageUrl).origin);
  if (isDuckDuckGo) {
    const target = url.searchParams.get('uddg');
    if (url.pathname.startsWith('/l/') && target) return target;
    return undefined;
  }
  return url.href;
}

/** Parse DuckDuckGo's HTML results page into results (ads removed, links unwrapped). */
export async function parseDuckDuckGoResults(html: string, pageUrl: string = DEFAULT_DUCKDUCKGO_URL): Promise<WebSearchResult[]> {
  // Loaded on first use, so listing the tools does not pay for a DOM implementation.
  const { parseHTML } = await import('linkedom');
  const { document } = parseHTML(html);
  const results: WebSearchResult[] = [];
  for (const element of Array.from(document.querySelectorAll('.result'))) {
    const className = element.getAttribute('class') ?? '';
    if (/\bresult--ad\b/.test(className)) continue;
    const link = element.querySelector('a.result__a');
    const href = link?.getAttribute('href');
    if (!link || !href) continue;
    const url = unwrapDuckDuckGoLink(href, pageUrl);
    if (!url) continue;
    results.push({ title: collapse(link.textContent), url, snippet: collapse(element.querySelector('.result__snippet')?.textContent) });
  }
  return results;
}

/** DuckDuckGo's bot check: the anomaly page (often with HTTP 202) or a 403 challenge. */
export function isDuckDuckGoBotCheck(status: number, html: string): boolean {
  return status === 202 || status === 403 || /anomaly-modal|challenge-form|id="anomaly/.test(html);
}

/** Add `site:` narrowing where DuckDuckGo understands it: one allowed domain, any blocked ones. */
function composeQuery(query: string, options: WebSearchOptions): string {
  const parts = [query];
  if (options.allowedDomains.length === 1) parts.push(`site:${options.allowedDomains[0]}`);
  for (const domain of options.blockedDomains) parts.push(`-site:${domain}`);
  return parts.join(' ');
}

/** The default `web_search` backend: DuckDuckGo's HTML endpoint, no API key needed. */
export function createDuckDuckGoBackend(options: DuckDuckGoBackendOptions = {}): WebSearchBackend {
  const endpoint = options.url ?? DEFAULT_DUCKDUCKGO_URL;
  const method = options.method ?? 'POST';
  return {
    name: 'DuckDuckGo',
    async search(query, searchOptions) {
      // core's httpFetch honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY (Node 20's own fetch does not).
      const fetchImplementation = options.fetch ?? httpFetch;
      const form = new URLSearchParams({ q: composeQuery(query, searchOptions) });
      if (options.region) form.set('kl', options.region);
      const headers: Record<string, string> = {
        'user-agent': options.userAgent ?? 'Mozilla/5.0 (compatible; ml-intern-web/0.1)',
        accept: 'text/html',
      };
      let response: Response;
      try {
        if (method === 'GET') {
          const url = new URL(endpoint);
          for (const [name, value] of form) url.searchParams.set(name, value);
          response = await fetchImplementation(url, { method, headers, signal: searchOptions.signal });
        } else {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          response = await fetchImplementation(endpoint, { method, headers, body: form.toString(), signal: searchOptions.signal });
        }
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        throw new ToolExecutionError(`Web search request failed: ${(error as Error).message}`, { cause: error });
      }
      const html = await response.text();
      if (isDuckDuckGoBotCheck(response.status, html)) {
        throw new ToolExecutionError(
          `DuckDuckGo answered with a bot check (HTTP ${response.status}) instead of results, so this search returned nothing. ` +
            `Fix: ${WEB_SEARCH_BACKEND_FIX}. Until then, retrying in a minute may work.`,
        );
      }
      if (!response.ok) throw new ToolExecutionError(`Web search failed: HTTP ${response.status} from ${new URL(endpoint).host}.`);
      return parseDuckDuckGoResults(html, response.url || endpoint);
    },
  };
}
