import { type Tool, defineTool } from '@ml-intern/core';
import { z } from 'zod';
import { type WebSearchBackend, type WebSearchResult, filterResults } from './web-search-backend.js';
import { type WebSearchBackendSettings, selectWebSearchBackend } from './web-search-select.js';

export interface WebSearchToolOptions extends WebSearchBackendSettings {
  /**
   * Search engine. Default: the one the settings select — `searchBackend` when set, else the first
   * of Brave (`braveApiKey`), Tavily (`tavilyApiKey`), SearXNG (`searxngUrl`) that is configured,
   * else DuckDuckGo's HTML endpoint (`searchUrl`, the apps pass config `web.search_url`).
   */
  backend?: WebSearchBackend;
  /** Results returned when the model gives no `limit` (default 8). */
  defaultLimit?: number;
  /** Per-search wall-clock limit in ms (default 20 s). */
  timeoutMs?: number;
}

const MAX_LIMIT = 20;

const domainList = z.array(z.string().min(1).max(253)).max(20);

const inputSchema = z.object({
  query: z.string().min(2).max(500).describe('What to search for.'),
  allowed_domains: domainList.optional().describe('Only return results from these domains (subdomains included), e.g. ["huggingface.co"].'),
  blocked_domains: domainList.optional().describe('Never return results from these domains (subdomains included).'),
  limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe('Number of results (default 8, at most 20).'),
});

function renderResults(query: string, backendName: string, results: WebSearchResult[]): string {
  if (results.length === 0) {
    return `No results from ${backendName} for "${query}". Try fewer or different words, or relax the domain filters.`;
  }
  const lines = [`${results.length} result${results.length === 1 ? '' : 's'} from ${backendName} for "${query}":`, ''];
  results.forEach((result, index) => {
    lines.push(`${index + 1}. ${result.title || result.url}`, `   ${result.url}`);
    if (result.snippet) lines.push(`   ${result.snippet}`);
  });
  lines.push('', 'Read a page with web_fetch. Cite the URLs you rely on in a Sources section.');
  return lines.join('\n');
}

function normalizeDomains(domains: readonly string[] | undefined): string[] {
  return (domains ?? []).map((domain) => {
    const trimmed = domain.trim().toLowerCase();
    try {
      return trimmed.includes('://') ? new URL(trimmed).hostname : trimmed.replace(/\/.*$/, '');
    } catch {
      return trimmed;
    }
  });
}

/** `web_search`: title, URL and snippet of web results, domain-filtered and deduplicated. */
export function createWebSearchTool(options: WebSearchToolOptions = {}): Tool<typeof inputSchema> {
  const backend = options.backend ?? selectWebSearchBackend(options);
  const timeoutMs = options.timeoutMs ?? 20_000;
  return defineTool({
    name: 'web_search',
    description:
      'Search the web. Returns title, URL and snippet for each result. ' +
      'Use allowed_domains to stay on trusted sites (e.g. ["huggingface.co", "pytorch.org"]) and blocked_domains to exclude some; ' +
      'then read promising pages with web_fetch.',
    inputSchema,
    readOnly: true,
    timeoutMs: timeoutMs + 5_000,
    summarize: (input) => `search "${input.query}"`,
    async execute(input, ctx) {
      const limit = input.limit ?? options.defaultLimit ?? 8;
      const filters = { limit, allowedDomains: normalizeDomains(input.allowed_domains), blockedDomains: normalizeDomains(input.blocked_domains) };
      const raw = await backend.search(input.query, { ...filters, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]) });
      return renderResults(input.query, backend.name ?? 'the search backend', filterResults(raw, filters));
    },
  });
}
