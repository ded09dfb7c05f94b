import { ConfigError, defineTool, isAbortError, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { DEFAULT_ARXIV_URL, resolveHfConfig, type HfConfig, type HfToolsOptions } from '../hf-config.js';
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
import {
  createSemanticScholar,
  DEFAULT_S2_API_URL,
  fieldsOfStudy,
  formatEdges,
  formatPaperLines,
  formatSnippets,
  SemanticScholarError,
  type SemanticScholar,
} from './semantic-scholar.js';

const OPERATIONS = [
  'trending',
  'search',
  'paper_details',
  'read_paper',
  'citations',
  'references',
  'recommendations',
  'snippet_search',
  'find_models',
  'find_datasets',
  'find_collections',
  'find_all_resources',
] as const;

const dateBound = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'use YYYY, YYYY-MM or YYYY-MM-DD');
const idList = z.array(z.string().min(1).max(100)).max(20);

const inputSchema = z.object({
  operation: z
    .enum(OPERATIONS)
    .describe(
      'trending (daily papers), search (with date_from/date_to/categories/min_citations/sort_by it filters through Semantic Scholar), paper_details, ' +
        'read_paper (table of contents, or one section), citations / references (the citation graph), recommendations (similar papers), ' +
        'snippet_search (passages from full texts matching query), find_models / find_datasets / find_collections / find_all_resources (Hub repos linked to the paper).',
    ),
  query: z.string().max(300).optional().describe('search and snippet_search: keywords (required); trending: optional keyword filter.'),
  arxiv_id: z
    .string()
    .max(100)
    .optional()
    .describe('arXiv id such as "2401.12345" (or an arxiv.org / hf.co/papers URL); citations/references/recommendations also take "CorpusId:123". Required except for trending, search, snippet_search.'),
  date_from: dateBound.optional().describe('search / snippet_search: published on or after (YYYY, YYYY-MM or YYYY-MM-DD).'),
  date_to: dateBound.optional().describe('search / snippet_search: published on or before.'),
  categories: z
    .array(z.string().min(1).max(60))
    .max(10)
    .optional()
    .describe('search / snippet_search: arXiv categories (cs.CL, stat.ML) or Semantic Scholar fields of study ("Computer Science"); arXiv categories are matched by their field.'),
  min_citations: z.number().int().min(0).optional().describe('search: only papers with at least this many citations.'),
  sort_by: z.enum(['relevance', 'citations', 'date']).optional().describe('search: order (default relevance; citations and date list the most cited / newest first).'),
  positive_ids: idList.optional().describe('recommendations: papers to find more like (arXiv ids); arxiv_id alone works too.'),
  negative_ids: idList.optional().describe('recommendations: papers to steer away from.'),
  section: z.string().max(200).optional().describe('read_paper: section number ("4", "3.2", "A") or title ("Experiments"). Omit for the table of contents.'),
  offset: z.number().int().min(0).default(0).describe('read_paper: character offset to continue a long section.'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD').optional().describe('trending: day (YYYY-MM-DD), default today.'),
  sort: z.enum(['downloads', 'likes', 'trending']).default('downloads').describe('find_models / find_datasets: ordering.'),
  limit: z.number().int().min(1).max(50).default(10).describe('Results to return (default 10, max 50).'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfPapersTool}: the Hub options plus Semantic Scholar and ar5iv. */
export interface HfPapersToolOptions extends HfToolsOptions {
  /** Semantic Scholar API base URL (`S2_API_URL`), default https://api.semanticscholar.org. */
  semanticScholarUrl?: string;
  /** `S2_API_KEY`, sent as `x-api-key` to Semantic Scholar only (optional: without it the shared public rate limit applies). */
  semanticScholarApiKey?: string;
  /**
   * ar5iv base URL, the fallback reader for papers arXiv has no HTML version of. Default
   * https://ar5iv.labs.arxiv.org when `arxivUrl` is arXiv itself; with another `arxivUrl` (a
   * mirror, a test) the fallback is off unless this is set.
   */
  ar5ivUrl?: string;
}

export const DEFAULT_AR5IV_URL = 'https://ar5iv.labs.arxiv.org';

const SECTION_CHARS = 12_000;
const SORT_KEYS = { downloads: 'downloads', likes: 'likes', trending: 'trendingScore' } as const;

function requireArxivId(input: Input): string {
  if (!input.arxiv_id) throw new ToolExecutionError(`${input.operation} needs arxiv_id (e.g. "2401.12345").`);
  const id = normalizeArxivId(input.arxiv_id);
  if (!id) throw new ToolExecutionError(`"${input.arxiv_id}" is not an arXiv id; use the form 2401.12345 (optionally with a version such as v2).`);
  return id;
}

/** The Semantic Scholar id of a paper: `arXiv:<id>` (version dropped), or a `CorpusId:` / 40-hex S2 id as given. */
function requireS2Id(input: Input): { id: string; label: string } {
  if (!input.arxiv_id) throw new ToolExecutionError(`${input.operation} needs arxiv_id (e.g. "2401.12345").`);
  const raw = input.arxiv_id.trim();
  if (/^corpusid:\d+$/i.test(raw)) return { id: `CorpusId:${raw.split(':')[1]}`, label: raw };
  if (/^[0-9a-f]{40}$/i.test(raw)) return { id: raw.toLowerCase(), label: raw };
  const arxiv = requireArxivId(input).replace(/v\d+$/, '');
  return { id: `arXiv:${arxiv}`, label: arxiv };
}

function s2IdOf(raw: string): string {
  const value = raw.trim();
  if (/^corpusid:\d+$/i.test(value)) return `CorpusId:${value.split(':')[1]}`;
  if (/^[0-9a-f]{40}$/i.test(value)) return value.toLowerCase();
  const arxiv = normalizeArxivId(value);
  if (!arxiv) throw new ToolExecutionError(`"${raw}" is neither an arXiv id nor a Semantic Scholar id.`);
  return `arXiv:${arxiv.replace(/v\d+$/, '')}`;
}

/** S2 filter parameters from the input, and notes on how arXiv categories were read. */
function s2Filters(input: Input): { filters: URLSearchParams; notes: string[]; active: boolean } {
  const filters = new URLSearchParams();
  const notes: string[] = [];
  if (input.date_from || input.date_to) {
    if (input.date_from && input.date_to && input.date_from > input.date_to) throw new ToolExecutionError(`date_from ${input.date_from} is after date_to ${input.date_to}.`);
    filters.set('publicationDateOrYear', `${input.date_from ?? ''}:${input.date_to ?? ''}`);
    notes.push(`published ${input.date_from ?? '…'} to ${input.date_to ?? '…'}`);
  }
  if (input.categories?.length) {
    const mapped = fieldsOfStudy(input.categories);
    filters.set('fieldsOfStudy', mapped.fields.join(','));
    notes.push(`fields of study: ${mapped.fields.join(', ')}${mapped.notes.length ? ` (arXiv categories matched by field: ${mapped.notes.join(', ')})` : ''}`);
  }
  if (input.min_citations !== undefined) {
    filters.set('minCitationCount', String(input.min_citations));
    notes.push(`≥ ${input.min_citations} citations`);
  }
  return { filters, notes, active: filters.size > 0 || (input.sort_by !== undefined && input.sort_by !== 'relevance') };
}

const S2_SORT = { citations: 'citationCount:desc', date: 'publicationDate:desc' } as const;

async function s2Operation(s2: SemanticScholar, config: HfConfig, input: Input): Promise<string> {
  switch (input.operation) {
    case 'citations':
    case 'references': {
      const { id, label } = requireS2Id(input);
      const result = await s2.edges(id, input.operation, input.limit);
      return formatEdges(input.operation, result.data ?? [], label, config.hubUrl);
    }
    case 'recommendations': {
      const positives = [...(input.arxiv_id ? [requireS2Id(input).id] : []), ...(input.positive_ids ?? []).map(s2IdOf)];
      const negatives = (input.negative_ids ?? []).map(s2IdOf);
      if (positives.length === 0) throw new ToolExecutionError('recommendations needs arxiv_id or positive_ids.');
      const result = positives.length === 1 && negatives.length === 0 ? await s2.recommendForPaper(positives[0] as string, input.limit) : await s2.recommend(positives, negatives, input.limit);
      const papers = (result.recommendedPapers ?? []).slice(0, input.limit);
      if (papers.length === 0) return `Semantic Scholar has no recommendations for ${positives.join(', ')}.`;
      return formatPaperLines(papers, `# Papers like ${[input.arxiv_id, ...(input.positive_ids ?? [])].filter(Boolean).join(', ')}`, config.hubUrl);
    }
    case 'snippet_search': {
      if (!input.query?.trim()) throw new ToolExecutionError('snippet_search needs a query.');
      const { filters } = s2Filters(input);
      filters.delete('minCitationCount');
      const result = await s2.snippets(input.query.trim(), input.limit, filters);
      return formatSnippets((result.data ?? []).slice(0, input.limit), input.query.trim());
    }
    default: {
      // search with filters
      const query = (input.query ?? '').trim();
      const { filters, notes } = s2Filters(input);
      const sort = input.sort_by && input.sort_by !== 'relevance' ? S2_SORT[input.sort_by] : undefined;
      const result = await s2.search(query, input.limit, filters, sort);
      const papers = (result.data ?? []).slice(0, input.limit);
      if (sort) notes.push(input.sort_by === 'citations' ? 'most cited first' : 'newest first');
      if (papers.length === 0) return `No papers found for "${query}"${notes.length ? ` with ${notes.join('; ')}` : ''}. Relax the filters or change the words.`;
      return formatPaperLines(papers, `# Papers matching "${query}"`, config.hubUrl, notes.length ? [`Filters: ${notes.join('; ')}`] : []);
    }
  }
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

/** What one HTML source answered: a parsed paper, no HTML version, or a failed request (and how). */
type HtmlAttempt = { kind: 'paper'; paper: ParsedPaper; source: string } | { kind: 'missing'; why: string } | { kind: 'failed'; why: string };

/** Fetch and parse one LaTeXML rendering (arXiv's own HTML or ar5iv). The HF token is never sent (not a token origin). */
async function fetchPaperHtml(call: HubCall, base: string, name: string, id: string): Promise<HtmlAttempt> {
  let response: Response;
  try {
    response = await call.fetch(`${base}/html/${id}`, { headers: { accept: 'text/html' } });
  } catch (error) {
    if (isAbortError(error)) throw error;
    return { kind: 'failed', why: `${name} could not be reached (${(error as Error).message})` };
  }
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel().catch(() => {});
    return { kind: 'missing', why: `${name} has no HTML version (HTTP ${response.status})` };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    return { kind: 'failed', why: `${name} answered HTTP ${response.status}` };
  }
  // ar5iv sends readers of a paper it could not render to the arXiv abstract page.
  if (response.url && !new URL(response.url).pathname.includes('/html/')) {
    await response.body?.cancel().catch(() => {});
    return { kind: 'missing', why: `${name} has no HTML version (redirected to ${new URL(response.url).pathname})` };
  }
  const parsed = await parseArxivHtml(await response.text());
  if (parsed.sections.length === 0) return { kind: 'missing', why: `${name}'s page for ${id} has no sections` };
  return { kind: 'paper', paper: parsed, source: `${base}/html/${id}` };
}

/** arXiv's HTML, else ar5iv's; the reasons when neither gave a paper. */
async function fetchReadablePaper(call: HubCall, config: HfConfig, ar5ivUrl: string | undefined, id: string): Promise<{ paper?: ParsedPaper; source?: string; notes: string[]; failed: boolean }> {
  const arxiv = await fetchPaperHtml(call, config.arxivUrl, 'arXiv', id);
  if (arxiv.kind === 'paper') return { paper: arxiv.paper, source: arxiv.source, notes: [], failed: false };
  const notes = [arxiv.why];
  let failed = arxiv.kind === 'failed';
  if (ar5ivUrl) {
    const ar5iv = await fetchPaperHtml(call, ar5ivUrl, 'ar5iv', id);
    if (ar5iv.kind === 'paper') return { paper: ar5iv.paper, source: ar5iv.source, notes, failed };
    notes.push(ar5iv.why);
    failed ||= ar5iv.kind === 'failed';
  }
  return { notes, failed };
}

/** Parsed papers of one tool instance, so reading the contents then a section fetches arXiv once. */
type PaperCache = Map<string, { paper: ParsedPaper; source: string; notes: string[] }>;
const PAPER_CACHE_SIZE = 20;

async function readPaper(call: HubCall, config: HfConfig, ar5ivUrl: string | undefined, input: Input, cache: PaperCache): Promise<string> {
  const id = requireArxivId(input);
  let cached = cache.get(id);
  if (!cached) {
    const fetched = await fetchReadablePaper(call, config, ar5ivUrl, id);
    if (!fetched.paper) {
      const details = await call.json<HubPaper>(`${config.hubUrl}/api/papers/${id}`);
      const reason = fetched.failed
        ? `Could not read the full text: ${fetched.notes.join('; ')}. This is a failed request, not a missing HTML version: retry later. Only the abstract is shown.`
        : `No HTML version of this paper is available (${fetched.notes.join('; ')}), so only the abstract is shown.`;
      return [`# ${details.title ?? id}`, `${config.arxivUrl}/abs/${id}`, '', '## Abstract', details.summary?.trim() ?? '(none)', '', `${reason} PDF: ${config.arxivUrl}/pdf/${id}`].join('\n');
    }
    cached = { paper: fetched.paper, source: fetched.source as string, notes: fetched.notes };
    cache.set(id, cached);
    if (cache.size > PAPER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  const paper = cached.paper;
  const fromAr5iv = cached.notes.length > 0 ? `Read from ar5iv (${cached.source}): ${cached.notes.join('; ')}.` : undefined;
  if (!input.section) {
    const lines = [`# ${paper.title || id}`, `${config.arxivUrl}/abs/${id}`, ...(fromAr5iv ? [fromAr5iv] : []), ''];
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
  const ar5ivUrl = (options.ar5ivUrl ?? (config.arxivUrl === DEFAULT_ARXIV_URL ? DEFAULT_AR5IV_URL : undefined))?.replace(/\/+$/, '');
  const s2Url = (options.semanticScholarUrl ?? DEFAULT_S2_API_URL).replace(/\/+$/, '');
  const s2Key = options.semanticScholarApiKey?.trim() || undefined;
  for (const [name, value] of [['ar5ivUrl', ar5ivUrl], ['semanticScholarUrl', s2Url]] as const) {
    if (value !== undefined && !/^https?:\/\/[^/]/.test(value)) throw new ConfigError(`${name} must be an absolute http(s) URL, got "${value}"`, { keyPath: name });
  }
  return defineTool({
    name: 'hf_papers',
    description:
      'Research ML papers: trending daily papers, keyword search (filter by date_from/date_to, categories, min_citations, sort_by), paper details ' +
      '(abstract, AI summary, GitHub), read_paper (table of contents first, then one section by number or title; ar5iv when arXiv has no HTML), ' +
      'the citation graph (citations, references), recommendations of similar papers, snippet_search over full texts (e.g. "learning rate for DPO"), ' +
      'and Hub models/datasets/collections linked to a paper. Use it to find recipes, hyperparameters and datasets before training.',
    inputSchema,
    readOnly: true,
    timeoutMs: 90_000,
    summarize: (input) => `hf_papers ${input.operation} ${input.arxiv_id ?? input.query ?? input.date ?? ''}`.trim(),
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      const s2 = createSemanticScholar({ baseUrl: s2Url, apiKey: s2Key, fetch: call.fetch, signal: ctx.signal });
      const scrub = (text: string) => call.redact(s2Key ? text.split(s2Key).join('***') : text);
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
            if (s2Filters(input).active) return scrub(await s2Operation(s2, config, input));
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
            return call.redact(await readPaper(call, config, ar5ivUrl, input, papers));
          case 'citations':
          case 'references':
          case 'recommendations':
          case 'snippet_search':
            return scrub(await s2Operation(s2, config, input));
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
        if (error instanceof SemanticScholarError) throw new ToolExecutionError(scrub(error.message));
        throw call.toToolError(error, paperSubject);
      }
    },
  });
}
