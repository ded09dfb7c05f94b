import { defineTool, isAbortError, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { oneLine, textWindow } from '../text-limits.js';
import { findSection, normalizeArxivId, parseArxivHtml, type ParsedPaper } from './arxiv-paper.js';
import {
  formatCollections,
  formatLinkedRepos,
  formatPaperDetails,
  formatPaperList,
  type HubPaper,
  type HubPaperEntry,
  type LinkedCollection,
  type LinkedRepo,
} from './paper-format.js';

const OPERATIONS = ['trending', 'search', 'paper_details', 'read_paper', 'find_models', 'find_datasets', 'find_collections', 'find_all_resources'] as const;

const inputSchema = z.object({
  operation: z.enum(OPERATIONS).describe('trending (daily papers), search, paper_details, read_paper (table of contents, or one section), find_models / find_datasets / find_collections / find_all_resources (Hub repos linked to the paper).'),
  query: z.string().max(300).optional().describe('search: keywords (required); trending: optional keyword filter.'),
  arxiv_id: z.string().max(100).optional().describe('arXiv id such as "2401.12345" (or an arxiv.org / hf.co/papers URL). Required except for trending and search.'),
  section: z.string().max(200).optional().describe('read_paper: section number ("4", "3.2", "A") or title ("Experiments"). Omit for the table of contents.'),
  offset: z.number().int().min(0).default(0).describe('read_paper: character offset to continue a long section.'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD').optional().describe('trending: day (YYYY-MM-DD), default today.'),
  sort: z.enum(['downloads', 'likes', 'trending']).default('downloads').describe('find_models / find_datasets: ordering.'),
  limit: z.number().int().min(1).max(50).default(10).describe('Results to return (default 10, max 50).'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfPapersTool}. */
export type HfPapersToolOptions = HfToolsOptions;

const SECTION_CHARS = 12_000;
const SORT_KEYS = { downloads: 'downloads', likes: 'likes', trending: 'trendingScore' } as const;

function requireArxivId(input: Input): string {
  if (!input.arxiv_id) throw new ToolExecutionError(`${input.operation} needs arxiv_id (e.g. "2401.12345").`);
  const id = normalizeArxivId(input.arxiv_id);
  if (!id) throw new ToolExecutionError(`"${input.arxiv_id}" is not an arXiv id; use the form 2401.12345 (optionally with a version such as v2).`);
  return id;
}

async function linkedModels(call: HubCall, id: string, input: Input): Promise<LinkedRepo[]> {
  const { listModels } = await loadHub();
  const models: LinkedRepo[] = [];
  for await (const model of listModels({ ...call.library, search: { tags: [`arxiv:${id}`] }, sort: SORT_KEYS[input.sort], limit: input.limit, additionalFields: ['library_name'] })) {
    models.push({ name: model.name, downloads: model.downloads, likes: model.likes, ...(model.task ? { task: model.task } : {}), ...(model.library_name ? { library: model.library_name } : {}) });
  }
  return models;
}

async function linkedDatasets(call: HubCall, id: string, input: Input): Promise<LinkedRepo[]> {
  const { listDatasets } = await loadHub();
  const datasets: LinkedRepo[] = [];
  for await (const dataset of listDatasets({ ...call.library, search: { tags: [`arxiv:${id}`] }, sort: SORT_KEYS[input.sort], limit: input.limit })) {
    datasets.push({ name: dataset.name, downloads: dataset.downloads, likes: dataset.likes });
  }
  return datasets;
}

async function linkedCollections(call: HubCall, id: string, input: Input): Promise<LinkedCollection[]> {
  const { listCollections } = await loadHub();
  const collections: LinkedCollection[] = [];
  for await (const collection of listCollections({ ...call.library, search: { item: [`papers/${id}`] }, limit: input.limit })) {
    collections.push({
      slug: collection.slug,
      title: collection.title,
      owner: collection.owner?.name,
      upvotes: collection.upvotes,
      items: collection.items?.length,
      ...(collection.description ? { description: collection.description } : {}),
    });
  }
  return collections;
}

/** Fetch the arXiv HTML rendering; undefined when arXiv has none (then the abstract is used). */
async function fetchArxivPaper(call: HubCall, config: HfConfig, id: string): Promise<ParsedPaper | undefined> {
  // Plain guarded fetch with no Authorization header: arXiv never receives the HF token.
  const response = await call.fetch(`${config.arxivUrl}/html/${id}`, { headers: { accept: 'text/html' } });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new ToolExecutionError(`arXiv answered HTTP ${response.status} for ${id}; try again later or use paper_details for the abstract.`);
  const parsed = await parseArxivHtml(await response.text());
  return parsed.sections.length > 0 ? parsed : undefined;
}

/** Parsed papers of one tool instance, so reading the contents then a section fetches arXiv once. */
type PaperCache = Map<string, ParsedPaper>;
const PAPER_CACHE_SIZE = 20;

async function readPaper(call: HubCall, config: HfConfig, input: Input, cache: PaperCache): Promise<string> {
  const id = requireArxivId(input);
  let paper = cache.get(id);
  if (!paper) {
    paper = await fetchArxivPaper(call, config, id).catch((error: unknown) => {
      if (isAbortError(error)) throw error;
      return undefined;
    });
    if (paper) {
      cache.set(id, paper);
      if (cache.size > PAPER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
  }
  if (!paper) {
    const details = await call.json<HubPaper>(`${config.hubUrl}/api/papers/${id}`);
    return [`# ${details.title ?? id}`, `${config.arxivUrl}/abs/${id}`, '', '## Abstract', details.summary?.trim() ?? '(none)', '', `No HTML version of this paper is available on arXiv, so only the abstract is shown. PDF: ${config.arxivUrl}/pdf/${id}`].join('\n');
  }
  if (!input.section) {
    const lines = [`# ${paper.title || id}`, `${config.arxivUrl}/abs/${id}`, ''];
    if (paper.abstract) lines.push('## Abstract', paper.abstract, '');
    lines.push('## Sections');
    for (const section of paper.sections) lines.push(`${section.level === 3 ? '  ' : ''}- ${section.title}: ${oneLine(section.text.replace(/^#+\s*/gm, ''), 160) || '(no text)'}`);
    lines.push('', 'Read one with hf_papers read_paper and section="<number or title>".');
    return lines.join('\n');
  }
  const section = findSection(paper.sections, input.section);
  if (!section) {
    throw new ToolExecutionError(`section "${input.section}" not found in ${id}. Sections: ${paper.sections.map((one) => one.title).join('; ')}`);
  }
  const window = textWindow(section.text, input.offset, SECTION_CHARS);
  const more = window.nextOffset === undefined ? '' : `\n\n[… ${window.total - window.nextOffset} more characters in this section: call read_paper again with offset ${window.nextOffset}.]`;
  return `# ${section.title}\n${config.arxivUrl}/abs/${id}\n\n${window.text || '(This section has no text.)'}${more}`;
}

/**
 * `hf_papers`: discover papers (Hub daily papers and search), read their details and sections
 * (arXiv HTML split into sections, capped), and find the models, datasets and collections that cite them.
 */
export function createHfPapersTool(options: HfPapersToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const papers: PaperCache = new Map();
  return defineTool({
    name: 'hf_papers',
    description:
      'Research ML papers: trending daily papers, keyword search, paper details (abstract, AI summary, GitHub), read_paper ' +
      '(table of contents first, then one section by number or title), and Hub models/datasets/collections linked to a paper. ' +
      'Use it to find recipes, hyperparameters and datasets before training.',
    inputSchema,
    readOnly: true,
    timeoutMs: 90_000,
    summarize: (input) => `hf_papers ${input.operation} ${input.arxiv_id ?? input.query ?? input.date ?? ''}`.trim(),
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      const paperSubject = input.arxiv_id ? { label: `paper ${input.arxiv_id}`, pageUrl: `${config.hubUrl}/papers/${input.arxiv_id}`, kind: 'paper' as const } : { label: 'the Hub papers API', kind: 'other' as const };
      try {
        switch (input.operation) {
          case 'trending': {
            const query = input.query?.trim().toLowerCase();
            const parameters = new URLSearchParams({ limit: String(query ? Math.max(input.limit * 3, 30) : input.limit) });
            if (input.date) parameters.set('date', input.date);
            let entries = await call.json<HubPaperEntry[]>(`${config.hubUrl}/api/daily_papers?${parameters}`);
            if (query) {
              entries = entries.filter((entry) => {
                const paper = { ...entry, ...(entry.paper ?? {}) };
                return [paper.title, paper.summary, ...(paper.ai_keywords ?? [])].some((text) => text?.toLowerCase().includes(query));
              });
            }
            entries = entries.slice(0, input.limit);
            if (entries.length === 0) return `No trending papers${query ? ` matching "${input.query}"` : ''}${input.date ? ` on ${input.date}` : ''}.`;
            return call.redact(formatPaperList(entries, `Trending papers${input.date ? ` (${input.date})` : ''}${query ? ` matching "${input.query}"` : ''}`, config.hubUrl));
          }
          case 'search': {
            if (!input.query?.trim()) throw new ToolExecutionError('search needs a query.');
            const parameters = new URLSearchParams({ q: input.query.trim(), limit: String(input.limit) });
            const entries = (await call.json<HubPaperEntry[]>(`${config.hubUrl}/api/papers/search?${parameters}`)).slice(0, input.limit);
            if (entries.length === 0) return `No papers found for "${input.query}".`;
            return call.redact(formatPaperList(entries, `Papers matching "${input.query}"`, config.hubUrl));
          }
          case 'paper_details': {
            const id = requireArxivId(input);
            return call.redact(formatPaperDetails(await call.json<HubPaper>(`${config.hubUrl}/api/papers/${id}`), config.hubUrl, config.arxivUrl));
          }
          case 'read_paper':
            return call.redact(await readPaper(call, config, input, papers));
          case 'find_models': {
            const id = requireArxivId(input);
            return call.redact(formatLinkedRepos('models', await linkedModels(call, id, input), id, config.hubUrl));
          }
          case 'find_datasets': {
            const id = requireArxivId(input);
            return call.redact(formatLinkedRepos('datasets', await linkedDatasets(call, id, input), id, config.hubUrl));
          }
          case 'find_collections': {
            const id = requireArxivId(input);
            return call.redact(formatCollections(await linkedCollections(call, id, input), id, config.hubUrl));
          }
          case 'find_all_resources': {
            const id = requireArxivId(input);
            const [models, datasets, collections] = await Promise.all([linkedModels(call, id, input), linkedDatasets(call, id, input), linkedCollections(call, id, input)]);
            return call.redact(
              [`# Hub resources for ${id}`, `${config.hubUrl}/papers/${id}`, '', formatLinkedRepos('models', models, id, config.hubUrl), '', formatLinkedRepos('datasets', datasets, id, config.hubUrl), '', formatCollections(collections, id, config.hubUrl)].join('\n'),
            );
          }
        }
      } catch (error) {
        throw call.toToolError(error, paperSubject);
      }
    },
  });
}
