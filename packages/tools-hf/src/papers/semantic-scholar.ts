import { isAbortError, parseRetryAfter, sleep, ToolExecutionError } from '@ml-intern/core';
import { formatCount, oneLine } from '../text-limits.js';

/** Semantic Scholar API base URL (`S2_API_URL` overrides it). */
export const DEFAULT_S2_API_URL = 'https://api.semanticscholar.org';

/** The longest `Retry-After` the tool waits before its one retry; longer ones are reported instead. */
const MAX_RETRY_WAIT_MS = 20_000;
/** Wait before the retry when a 429 carries no `Retry-After`. */
const DEFAULT_RETRY_WAIT_MS = 1_000;

export const S2_PAPER_FIELDS = 'paperId,externalIds,title,year,publicationDate,venue,citationCount,influentialCitationCount,fieldsOfStudy,authors,tldr,abstract';
const EDGE_FIELDS = 'paperId,externalIds,title,year,venue,citationCount,fieldsOfStudy,authors,isInfluential,contexts,intents';
const LIST_FIELDS = 'paperId,externalIds,title,year,publicationDate,venue,citationCount,fieldsOfStudy,authors,tldr,abstract';

export interface S2Paper {
  paperId?: string;
  externalIds?: { ArXiv?: string; DOI?: string; CorpusId?: number } | null;
  title?: string;
  year?: number | null;
  publicationDate?: string | null;
  venue?: string | null;
  citationCount?: number | null;
  influentialCitationCount?: number | null;
  fieldsOfStudy?: string[] | null;
  authors?: { name?: string }[] | null;
  tldr?: { text?: string } | null;
  abstract?: string | null;
}

interface S2Edge {
  citingPaper?: S2Paper;
  citedPaper?: S2Paper;
  isInfluential?: boolean;
  contexts?: string[] | null;
  intents?: string[] | null;
}

interface S2Snippet {
  score?: number;
  paper?: { corpusId?: string | number; title?: string; authors?: (string | { name?: string })[] };
  snippet?: { text?: string; section?: string; snippetKind?: string };
}

export interface SemanticScholarOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  /** The guarded fetch of the tool call (strips the HF token, honours the proxy and the abort signal). */
  fetch: typeof fetch;
  signal?: AbortSignal | undefined;
}

/** A failure of the S2 API, already phrased for the model (never with the key). */
export class SemanticScholarError extends ToolExecutionError {}

/** A paper id in a URL path: `arXiv:2106.15928` and `CorpusId:123` keep their colon, as S2's own examples write them. */
function pathId(id: string): string {
  return encodeURIComponent(id).replace(/%3A/gi, ':');
}

function scrub(text: string, apiKey: string | undefined): string {
  return apiKey && apiKey.length >= 4 ? text.split(apiKey).join('***') : text;
}

/** A small Semantic Scholar client: optional `x-api-key`, one retry after a 429's `Retry-After`, clear errors. */
export function createSemanticScholar(options: SemanticScholarOptions) {
  const host = new URL(options.baseUrl).host;
  async function request<T>(path: string, init: RequestInit = {}, subject = 'this request'): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json');
    if (options.apiKey) headers.set('x-api-key', options.apiKey);
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await options.fetch(`${options.baseUrl}${path}`, { ...init, headers, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (error) {
        if (isAbortError(error) || options.signal?.aborted) throw error;
        throw new SemanticScholarError(scrub(`Semantic Scholar could not be reached (${host}): ${(error as Error).message}. Try again later.`, options.apiKey));
      }
      if (response.ok) return (await response.json()) as T;
      const text = await response.text().catch(() => '');
      let detail = '';
      try {
        const body = JSON.parse(text) as { error?: unknown; message?: unknown };
        detail = String(body.error ?? body.message ?? '');
      } catch {
        detail = /<html/i.test(text) ? '' : text.trim().slice(0, 200);
      }
      detail = scrub(detail, options.apiKey);
      if (response.status === 429) {
        const waitMs = parseRetryAfter(response.headers.get('retry-after')) ?? DEFAULT_RETRY_WAIT_MS;
        if (attempt === 1 && waitMs <= MAX_RETRY_WAIT_MS) {
          await sleep(waitMs, options.signal);
          continue;
        }
        const after = response.headers.get('retry-after');
        throw new SemanticScholarError(
          `Semantic Scholar rate limit (HTTP 429)${attempt > 1 ? ' again after one retry' : ''}${after ? `; retry after ${after} s` : ''}. ` +
            (options.apiKey ? 'The S2_API_KEY limit is reached; wait before the next call.' : 'Without S2_API_KEY the shared public limit applies: wait, or set S2_API_KEY for a higher limit.'),
        );
      }
      if (response.status === 404) throw new SemanticScholarError(`Semantic Scholar has no record of ${subject}${detail ? ` (${detail})` : ''}.`);
      if (response.status === 401 || response.status === 403) {
        throw new SemanticScholarError(`Semantic Scholar refused the request (HTTP ${response.status})${options.apiKey ? ': check S2_API_KEY' : ''}${detail ? ` — ${detail}` : ''}.`);
      }
      if (response.status === 400) throw new SemanticScholarError(`Semantic Scholar rejected the request (HTTP 400)${detail ? `: ${detail}` : ''}.`);
      throw new SemanticScholarError(`Semantic Scholar answered HTTP ${response.status} from ${host}${detail ? `: ${detail}` : ''}; try again later.`);
    }
  }
  return {
    paper: (id: string) => request<S2Paper>(`/graph/v1/paper/${pathId(id)}?fields=${S2_PAPER_FIELDS}`, {}, id),
    edges: (id: string, direction: 'citations' | 'references', limit: number) =>
      request<{ data?: S2Edge[]; next?: number }>(`/graph/v1/paper/${pathId(id)}/${direction}?${new URLSearchParams({ fields: EDGE_FIELDS, limit: String(limit) })}`, {}, id),
    recommendForPaper: (id: string, limit: number) =>
      request<{ recommendedPapers?: S2Paper[] }>(`/recommendations/v1/papers/forpaper/${pathId(id)}?${new URLSearchParams({ fields: LIST_FIELDS, limit: String(limit), from: 'all-cs' })}`, {}, id),
    recommend: (positive: string[], negative: string[], limit: number) =>
      request<{ recommendedPapers?: S2Paper[] }>(
        `/recommendations/v1/papers?${new URLSearchParams({ fields: LIST_FIELDS, limit: String(limit) })}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ positivePaperIds: positive, negativePaperIds: negative }) },
        `the papers ${positive.join(', ')}`,
      ),
    snippets: (query: string, limit: number, filters: URLSearchParams) =>
      request<{ data?: S2Snippet[] }>(`/graph/v1/snippet/search?${new URLSearchParams({ query, limit: String(limit), ...Object.fromEntries(filters) })}`),
    search: (query: string, limit: number, filters: URLSearchParams, sort: string | undefined) =>
      sort
        ? request<{ data?: S2Paper[]; total?: number }>(`/graph/v1/paper/search/bulk?${new URLSearchParams({ query, fields: LIST_FIELDS, sort, ...Object.fromEntries(filters) })}`)
        : request<{ data?: S2Paper[]; total?: number }>(`/graph/v1/paper/search?${new URLSearchParams({ query, fields: LIST_FIELDS, limit: String(limit), ...Object.fromEntries(filters) })}`),
  };
}

export type SemanticScholar = ReturnType<typeof createSemanticScholar>;

/** arXiv category prefixes and the S2 field of study they fall under (S2 has no arXiv-category filter). */
const CATEGORY_FIELDS: [RegExp, string][] = [
  [/^cs(\.|$)/i, 'Computer Science'],
  [/^(math|stat)(\.|$)/i, 'Mathematics'],
  [/^(physics|astro-ph|cond-mat|gr-qc|hep-|math-ph|nlin|nucl-|quant-ph)/i, 'Physics'],
  [/^q-bio(\.|$)/i, 'Biology'],
  [/^(q-fin|econ)(\.|$)/i, 'Economics'],
  [/^eess(\.|$)/i, 'Engineering'],
];

const S2_FIELDS = [
  'Computer Science', 'Medicine', 'Chemistry', 'Biology', 'Materials Science', 'Physics', 'Geology', 'Psychology', 'Art', 'History', 'Geography',
  'Sociology', 'Business', 'Political Science', 'Economics', 'Philosophy', 'Mathematics', 'Engineering', 'Environmental Science',
  'Agricultural and Food Sciences', 'Education', 'Law', 'Linguistics',
];

/** Map arXiv categories (`cs.CL`) and S2 field names (`Computer Science`) to S2 fields of study; unknown ones throw. */
export function fieldsOfStudy(categories: readonly string[]): { fields: string[]; notes: string[] } {
  const fields = new Set<string>();
  const notes: string[] = [];
  for (const raw of categories.map((one) => one.trim()).filter(Boolean)) {
    const named = S2_FIELDS.find((field) => field.toLowerCase() === raw.toLowerCase());
    if (named) {
      fields.add(named);
      continue;
    }
    const mapped = CATEGORY_FIELDS.find(([pattern]) => pattern.test(raw))?.[1];
    if (!mapped) throw new ToolExecutionError(`Unknown category "${raw}": use an arXiv category (cs.CL, stat.ML, q-bio.BM, …) or a Semantic Scholar field of study (${S2_FIELDS.slice(0, 6).join(', ')}, …).`);
    fields.add(mapped);
    notes.push(`${raw} → ${mapped}`);
  }
  return { fields: [...fields], notes };
}

function authorsOf(paper: S2Paper): string {
  const names = (paper.authors ?? []).map((author) => author.name).filter(Boolean) as string[];
  if (names.length === 0) return '';
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} et al.` : names.join(', ');
}

/** One paper as a few lines: title, year, venue, citations, ids, authors, TL;DR. */
export function formatS2Paper(paper: S2Paper, index: number, hubUrl: string): string[] {
  const arxiv = paper.externalIds?.ArXiv;
  const meta = [
    paper.publicationDate ?? paper.year ?? undefined,
    paper.venue || undefined,
    `${formatCount(paper.citationCount ?? 0)} citations`,
    arxiv ? `arxiv_id: ${arxiv}` : `s2: ${paper.paperId}`,
  ].filter(Boolean);
  const lines = [`${index}. ${paper.title ?? 'Untitled'}`, `   ${meta.join(' | ')}`];
  const authors = authorsOf(paper);
  if (authors) lines.push(`   Authors: ${authors}`);
  if (paper.fieldsOfStudy?.length) lines.push(`   Fields: ${paper.fieldsOfStudy.join(', ')}`);
  const summary = paper.tldr?.text || paper.abstract;
  if (summary) lines.push(`   ${paper.tldr?.text ? 'TL;DR' : 'Abstract'}: ${oneLine(summary, 280)}`);
  lines.push(`   ${arxiv ? `${hubUrl}/papers/${arxiv}` : `https://www.semanticscholar.org/paper/${paper.paperId}`}`);
  return lines;
}

export function formatEdges(direction: 'citations' | 'references', edges: readonly S2Edge[], subject: string, hubUrl: string): string {
  const heading = direction === 'citations' ? `# Papers citing ${subject}` : `# References of ${subject}`;
  if (edges.length === 0) return `${heading}\nSemantic Scholar lists no ${direction} for this paper.`;
  const lines = [heading, `${edges.length} shown (Semantic Scholar)`, ''];
  edges.forEach((edge, position) => {
    const paper = (direction === 'citations' ? edge.citingPaper : edge.citedPaper) ?? {};
    const entry = formatS2Paper(paper, position + 1, hubUrl);
    if (edge.isInfluential) entry[0] += ' [influential]';
    if (edge.intents?.length) entry.splice(2, 0, `   Intent: ${edge.intents.join(', ')}`);
    const context = edge.contexts?.find(Boolean);
    if (context) entry.splice(2, 0, `   Context: "${oneLine(context, 240)}"`);
    lines.push(...entry, '');
  });
  lines.push('Next: paper_details or read_paper with an arxiv_id; citations/references of any of them.');
  return lines.join('\n');
}

export function formatPaperLines(papers: readonly S2Paper[], heading: string, hubUrl: string, notes: readonly string[] = []): string {
  const lines = [heading, `${papers.length} paper(s) (Semantic Scholar)`];
  if (notes.length) lines.push(notes.join('; '));
  lines.push('');
  papers.forEach((paper, position) => lines.push(...formatS2Paper(paper, position + 1, hubUrl), ''));
  lines.push('Next: paper_details / read_paper / citations with an arxiv_id.');
  return lines.join('\n');
}

export function formatSnippets(hits: readonly S2Snippet[], query: string): string {
  if (hits.length === 0) return `No passages found for "${query}". Try other wording.`;
  const lines = [`# Passages matching "${query}"`, `${hits.length} snippet(s) from paper full texts (Semantic Scholar)`, ''];
  hits.forEach((hit, position) => {
    const authors = (hit.paper?.authors ?? []).map((author) => (typeof author === 'string' ? author : author.name)).filter(Boolean) as string[];
    lines.push(`${position + 1}. ${hit.paper?.title ?? 'Untitled'}${authors.length ? ` — ${authors.slice(0, 3).join(', ')}${authors.length > 3 ? ' et al.' : ''}` : ''}`);
    if (hit.snippet?.section) lines.push(`   Section: ${hit.snippet.section}`);
    lines.push(`   "${oneLine(hit.snippet?.text, 600)}"`);
    if (hit.paper?.corpusId !== undefined) lines.push(`   s2: CorpusId:${hit.paper.corpusId}`);
    lines.push('');
  });
  return lines.join('\n');
}
