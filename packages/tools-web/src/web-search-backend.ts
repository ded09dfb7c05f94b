/** One web search hit. */
export interface WebSearchResult {
  title: string;
  url: string;
  snippet: string;
}

export interface WebSearchOptions {
  /** Results wanted; a backend may return fewer (or more, the tool trims). */
  limit: number;
  /** Only results on these domains (and their subdomains), when non-empty. */
  allowedDomains: readonly string[];
  /** Never results on these domains (and their subdomains). */
  blockedDomains: readonly string[];
  signal: AbortSignal;
}

/**
 * A search engine behind `web_search`. Backends may use the domain lists to narrow the query
 * (`site:`); the tool filters and deduplicates the results again either way.
 */
export interface WebSearchBackend {
  /** Shown in results, e.g. "DuckDuckGo". */
  readonly name?: string;
  search(query: string, options: WebSearchOptions): Promise<WebSearchResult[]>;
}

/** True when `hostname` is `domain` or one of its subdomains. */
export function hostMatchesDomain(hostname: string, domain: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const wanted = domain
    .toLowerCase()
    .trim()
    .replace(/^\*?\./, '')
    .replace(/\.$/, '');
  return wanted.length > 0 && (host === wanted || host.endsWith(`.${wanted}`));
}

/** Key under which two results count as the same page (scheme, `www.`, fragment and trailing slash ignored). */
export function resultKey(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname.toLowerCase().replace(/^www\./, '');
    const path = parsed.pathname.replace(/\/+$/, '');
    return `${host}${path}${parsed.search}`;
  } catch {
    return url;
  }
}

/** Apply the domain filters, drop duplicates and non-http(s) links, keep at most `limit`. */
export function filterResults(results: readonly WebSearchResult[], options: Omit<WebSearchOptions, 'signal'>): WebSearchResult[] {
  const seen = new Set<string>();
  const kept: WebSearchResult[] = [];
  for (const result of results) {
    let hostname: string;
    try {
      const parsed = new URL(result.url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') continue;
      hostname = parsed.hostname;
    } catch {
      continue;
    }
    if (options.allowedDomains.length > 0 && !options.allowedDomains.some((domain) => hostMatchesDomain(hostname, domain))) continue;
    if (options.blockedDomains.some((domain) => hostMatchesDomain(hostname, domain))) continue;
    const key = resultKey(result.url);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(result);
    if (kept.length >= options.limit) break;
  }
  return kept;
}
