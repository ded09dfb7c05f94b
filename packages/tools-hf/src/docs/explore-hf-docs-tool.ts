import { defineTool, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { createBm25Index, tokenize, type Bm25Index } from '../bm25-index.js';
import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall } from '../hub-call.js';
import { oneLine } from '../text-limits.js';
import { createDocsCatalog, docsSections, DOCS_LIBRARIES, type DocsPageContent } from './docs-catalog.js';

const inputSchema = z.object({
  endpoint: z.enum(DOCS_LIBRARIES).describe('Documentation set to explore, e.g. "transformers", "trl", "datasets", "hub", "peft".'),
  query: z.string().max(200).optional().describe('Keywords to search for (e.g. "SFTConfig packing"). Omit to list the pages.'),
  max_results: z.number().int().min(1).max(50).default(20).describe('Results to return (1-50, default 20).'),
});

/** Options of {@link createExploreHfDocsTool}. */
export type ExploreHfDocsToolOptions = HfToolsOptions;

/** A window of `content` around the first query term, for a result preview. */
function glimpse(content: string, query: string): string {
  const lower = content.toLowerCase();
  const positions = tokenize(query)
    .map((term) => lower.indexOf(term))
    .filter((position) => position >= 0);
  const start = positions.length > 0 ? Math.max(0, Math.min(...positions) - 60) : 0;
  return oneLine(content.slice(start, start + 260), 200);
}

/**
 * `explore_hf_docs`: list the pages of one Hugging Face documentation set, or search them (BM25
 * over titles and page markdown, indexed once and cached on disk).
 */
export function createExploreHfDocsTool(options: ExploreHfDocsToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const catalog = createDocsCatalog(config);
  const indexes = new Map<string, { parts: DocsPageContent[][]; index: Bm25Index }>();
  return defineTool({
    name: 'explore_hf_docs',
    description:
      'Browse or search the official Hugging Face documentation of one library. Without a query it lists the pages ' +
      '(title and URL); with a query it ranks pages by relevance and shows a short excerpt. Then read a page with ' +
      'fetch_hf_docs. Use it to check current APIs and parameter names (e.g. SFTConfig in trl) before writing code.',
    inputSchema,
    readOnly: true,
    timeoutMs: 180_000,
    summarize: (input) => `explore_hf_docs ${input.endpoint}${input.query ? ` "${input.query}"` : ''}`,
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      const subject = { label: `the ${input.endpoint} documentation`, pageUrl: `${config.hubUrl}/docs/${input.endpoint}`, kind: 'page' as const };
      try {
        const query = input.query?.trim();
        // A composite set (optimum, courses) is usable even if one of its parts is gone.
        const settled = await Promise.allSettled(docsSections(input.endpoint).map(async (section) => ({ section, pages: await catalog.pages(call, section) })));
        const available = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        if (available.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
        const missing = settled.length - available.length;
        const missingNote = missing > 0 ? `(${missing} of ${settled.length} sections of ${input.endpoint} are unavailable.)` : '';
        const sections = available.map((entry) => entry.section);
        if (!query) {
          const pages = available.flatMap((entry) => entry.pages);
          const lines = [`# ${input.endpoint} documentation (${pages.length} pages)`, ''];
          pages.slice(0, input.max_results).forEach((page, index) => lines.push(`${index + 1}. ${page.title} — ${page.url}`));
          if (pages.length > input.max_results) lines.push('', `${pages.length - input.max_results} more pages; pass a query to search them or raise max_results.`);
          if (missingNote) lines.push('', missingNote);
          lines.push('', 'Read a page with fetch_hf_docs({ url }).');
          return call.redact(lines.join('\n'));
        }
        const parts: DocsPageContent[][] = [];
        for (const section of sections) parts.push(await catalog.contents(call, section, (message) => ctx.log(message)));
        const documents = parts.flat();
        // Rebuild the index only when the cached page contents changed (new section set or refreshed cache).
        let cached = indexes.get(input.endpoint);
        if (!cached || cached.parts.length !== parts.length || cached.parts.some((part, position) => part !== parts[position])) {
          cached = { parts, index: createBm25Index(documents.map((page) => ({ id: page.url, fields: { title: page.title, content: page.content } })), { title: 2, content: 1 }) };
          indexes.set(input.endpoint, cached);
        }
        const index = cached.index;
        const byUrl = new Map(documents.map((page) => [page.url, page]));
        const hits = index.search(query, input.max_results);
        const unreadable = documents.filter((page) => page.content === '').length;
        const lines = [`# ${input.endpoint} documentation — "${query}"`, ''];
        if (hits.length === 0) {
          lines.push(`No page matched; the ${documents.length} pages are listed by title instead:`, '');
          documents.slice(0, input.max_results).forEach((page, position) => lines.push(`${position + 1}. ${page.title} — ${page.url}`));
        } else {
          lines.push(`${hits.length} of ${documents.length} pages:`, '');
          hits.forEach((hit, position) => {
            const page = byUrl.get(hit.id) as DocsPageContent;
            lines.push(`${position + 1}. **${page.title}** (${page.section}, score ${hit.score.toFixed(2)})`, `   ${page.url}`, `   ${glimpse(page.content, query)}`, '');
          });
        }
        if (missingNote) lines.push(missingNote);
        if (unreadable > 0) lines.push(`(${unreadable} page${unreadable === 1 ? '' : 's'} could not be fetched and ${unreadable === 1 ? 'was' : 'were'} searched by title only.)`);
        lines.push('Read a page with fetch_hf_docs({ url }).');
        return call.redact(lines.join('\n').trim());
      } catch (error) {
        throw call.toToolError(error, subject);
      }
    },
  });
}
