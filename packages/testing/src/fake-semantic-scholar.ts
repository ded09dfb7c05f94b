import type http from 'node:http';
import { type HttpFake, sendJson, startHttpFake } from './http-fake.js';

/** A paper the fake Semantic Scholar knows. */
export interface FakeS2Paper {
  paperId: string;
  corpusId: number;
  /** arXiv id (no version), when the paper is on arXiv. */
  arxivId?: string;
  title: string;
  abstract?: string;
  year: number;
  publicationDate: string;
  venue?: string;
  citationCount: number;
  influentialCitationCount?: number;
  fieldsOfStudy: string[];
  authors: string[];
  tldr?: string;
  /** paperIds this paper cites. */
  references: string[];
  /** Passages returned by snippet search. */
  snippets?: { text: string; section: string }[];
}

export interface FakeS2Failure {
  /** Path (exact, or a pattern) the failure applies to; default every path. */
  path?: string | RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  times?: number;
}

export interface FakeSemanticScholarOptions {
  papers?: FakeS2Paper[];
  /** When set, requests carrying `x-api-key` must carry this one (403 otherwise), as S2 answers a bad key. */
  apiKey?: string;
}

export interface FakeSemanticScholar extends HttpFake {
  fail(failure: FakeS2Failure): void;
}

export const FAKE_S2_PAPERS: FakeS2Paper[] = [
  {
    paperId: 's2-tiny',
    corpusId: 1001,
    arxivId: '2401.00001',
    title: 'Tiny Models, Big Gains: Supervised Fine-Tuning on a Budget',
    abstract: 'We study supervised fine-tuning of small language models.',
    year: 2024,
    publicationDate: '2024-01-02',
    venue: 'arXiv.org',
    citationCount: 57,
    influentialCitationCount: 6,
    fieldsOfStudy: ['Computer Science'],
    authors: ['Ada Lovelace', 'Alan Turing'],
    tldr: 'LoRA SFT of small models matches full fine-tuning at a fraction of the cost.',
    references: ['s2-lora', 's2-dpo-old'],
    snippets: [{ text: 'We fine-tune with LoRA rank 16 and a learning rate of 2e-4 for 3 epochs.', section: 'Hyperparameters' }],
  },
  {
    paperId: 's2-dpo',
    corpusId: 1002,
    arxivId: '2402.00002',
    title: 'Preference Optimization Without Reward Models',
    abstract: 'A study of direct preference optimization variants.',
    year: 2024,
    publicationDate: '2024-02-05',
    venue: 'ICML',
    citationCount: 240,
    influentialCitationCount: 30,
    fieldsOfStudy: ['Computer Science'],
    authors: ['Grace Hopper'],
    references: ['s2-tiny', 's2-dpo-old'],
    snippets: [{ text: 'DPO with beta 0.1 outperforms PPO on the preference benchmark with learning rate 5e-7.', section: 'Experiments' }],
  },
  {
    paperId: 's2-lora',
    corpusId: 1003,
    arxivId: '2106.09685',
    title: 'LoRA: Low-Rank Adaptation of Large Language Models',
    abstract: 'We propose Low-Rank Adaptation, freezing the pretrained weights and injecting trainable rank decomposition matrices.',
    year: 2021,
    publicationDate: '2021-06-17',
    venue: 'ICLR',
    citationCount: 9000,
    influentialCitationCount: 1200,
    fieldsOfStudy: ['Computer Science'],
    authors: ['Edward Hu'],
    references: [],
    snippets: [{ text: 'LoRA reduces the number of trainable parameters by 10,000 times.', section: 'Introduction' }],
  },
  {
    paperId: 's2-dpo-old',
    corpusId: 1004,
    arxivId: '2305.18290',
    title: 'Direct Preference Optimization: Your Language Model is Secretly a Reward Model',
    abstract: 'Direct preference optimization fine-tunes a language model on preference data without a reward model.',
    year: 2023,
    publicationDate: '2023-05-29',
    venue: 'NeurIPS',
    citationCount: 3000,
    influentialCitationCount: 500,
    fieldsOfStudy: ['Computer Science', 'Mathematics'],
    authors: ['Rafael Rafailov'],
    references: [],
  },
  {
    paperId: 's2-protein',
    corpusId: 1005,
    title: 'Protein language models fine-tuned with preference optimization',
    abstract: 'We apply preference optimization to protein design.',
    year: 2024,
    publicationDate: '2024-03-10',
    venue: 'Nature',
    citationCount: 12,
    fieldsOfStudy: ['Biology'],
    authors: ['Rosalind Franklin'],
    references: ['s2-dpo-old'],
  },
];

/** The `fields` values the fake accepts (a subset of the Graph API's); others get S2's 400. */
const KNOWN_FIELDS = new Set([
  'paperId', 'corpusId', 'externalIds', 'title', 'abstract', 'year', 'publicationDate', 'venue', 'citationCount', 'influentialCitationCount',
  'fieldsOfStudy', 's2FieldsOfStudy', 'authors', 'tldr', 'url', 'openAccessPdf', 'isInfluential', 'contexts', 'intents', 'referenceCount',
]);

function fieldsOf(query: URLSearchParams): string[] | { error: string } {
  const raw = query.get('fields');
  if (!raw) return ['paperId', 'title'];
  const fields = raw.split(',').map((field) => field.trim()).filter(Boolean);
  const bad = fields.map((field) => field.replace(/^(citingPaper|citedPaper)\./, '')).filter((field) => !KNOWN_FIELDS.has(field));
  return bad.length > 0 ? { error: `Unrecognized or unsupported fields: [${bad.join(', ')}]` } : fields;
}

function render(paper: FakeS2Paper, fields: readonly string[], prefix = ''): Record<string, unknown> {
  const all: Record<string, unknown> = {
    paperId: paper.paperId,
    corpusId: paper.corpusId,
    externalIds: { ...(paper.arxivId ? { ArXiv: paper.arxivId } : {}), CorpusId: paper.corpusId },
    title: paper.title,
    abstract: paper.abstract ?? null,
    year: paper.year,
    publicationDate: paper.publicationDate,
    venue: paper.venue ?? '',
    citationCount: paper.citationCount,
    influentialCitationCount: paper.influentialCitationCount ?? 0,
    referenceCount: paper.references.length,
    fieldsOfStudy: paper.fieldsOfStudy,
    s2FieldsOfStudy: paper.fieldsOfStudy.map((category) => ({ category, source: 'external' })),
    authors: paper.authors.map((name, index) => ({ authorId: String(9000 + index), name })),
    tldr: paper.tldr ? { model: 'tldr@v2.0.0', text: paper.tldr } : null,
    url: `https://www.semanticscholar.org/paper/${paper.paperId}`,
    openAccessPdf: paper.arxivId ? { url: `https://arxiv.org/pdf/${paper.arxivId}`, status: 'GREEN' } : null,
  };
  const result: Record<string, unknown> = { paperId: paper.paperId };
  for (const field of fields) {
    const name = prefix && field.startsWith(prefix) ? field.slice(prefix.length) : field;
    if (name in all) result[name] = all[name];
  }
  return result;
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 2);
}

function matchesQuery(paper: FakeS2Paper, query: string): boolean {
  const haystack = `${paper.title} ${paper.abstract ?? ''}`.toLowerCase();
  const wanted = words(query);
  return wanted.length > 0 && wanted.some((word) => haystack.includes(word));
}

/** `publicationDateOrYear`: `2019-03-05:2020-06-06`, `2019:2020`, `2020-01:`, `:2021`, `2020`. */
function inDateRange(paper: FakeS2Paper, range: string | null): boolean {
  if (!range) return true;
  const [from, to] = range.includes(':') ? range.split(':') : [range, range];
  const date = paper.publicationDate;
  if (from && date < from.padEnd(10, from.length === 4 ? '-01-01' : '-01').slice(0, 10)) return false;
  if (to) {
    const end = to.length === 4 ? `${to}-12-31` : to.length === 7 ? `${to}-31` : to;
    if (date > end) return false;
  }
  return true;
}

/**
 * A fake Semantic Scholar API on 127.0.0.1: Graph API paper lookup (`/graph/v1/paper/{id}` with
 * `arXiv:`/`CorpusId:` ids), `/citations`, `/references`, relevance and bulk search (with
 * `publicationDateOrYear`, `fieldsOfStudy`, `minCitationCount`, `sort`), snippet search
 * (`/graph/v1/snippet/search`), and Recommendations (`/recommendations/v1/papers/forpaper/{id}`,
 * `POST /recommendations/v1/papers`). Unknown `fields` get S2's 400; `fail` injects 429/5xx.
 */
export async function startFakeSemanticScholar(options: FakeSemanticScholarOptions = {}): Promise<FakeSemanticScholar> {
  const papers = options.papers ?? FAKE_S2_PAPERS;
  const failures: (FakeS2Failure & { remaining: number })[] = [];
  const find = (id: string) => {
    const decoded = decodeURIComponent(id);
    const arxiv = decoded.match(/^arxiv:(.+)$/i)?.[1]?.replace(/v\d+$/, '');
    const corpus = decoded.match(/^corpusid:(\d+)$/i)?.[1];
    return papers.find((paper) => (arxiv ? paper.arxivId === arxiv : corpus ? String(paper.corpusId) === corpus : paper.paperId === decoded));
  };
  const notFound = (response: http.ServerResponse) => sendJson(response, 404, { error: 'Paper with id not found' });

  const server = await startHttpFake((request, response, raw) => {
    const url = new URL(request.url, 'http://fake.local');
    const failure = failures.find((one) => one.remaining > 0 && (!one.path || (typeof one.path === 'string' ? one.path === url.pathname : one.path.test(url.pathname))));
    if (failure) {
      failure.remaining -= 1;
      return sendJson(response, failure.status, failure.body ?? { message: 'Too Many Requests. Please wait and try again or apply for a key for higher rate limits.', code: String(failure.status) }, failure.headers);
    }
    const key = raw.headers['x-api-key'];
    if (options.apiKey && key !== undefined && key !== options.apiKey) return sendJson(response, 403, { message: 'Forbidden' });
    const query = url.searchParams;
    const limit = Math.min(Number(query.get('limit') ?? '10'), 1000);
    const fields = fieldsOf(query);
    const path = url.pathname;

    if (request.method === 'POST' && path === '/recommendations/v1/papers') {
      if ('error' in fields) return sendJson(response, 400, fields);
      const body = (request.json ?? {}) as { positivePaperIds?: string[]; negativePaperIds?: string[] };
      const positives = (body.positivePaperIds ?? []).map(find);
      if (positives.length === 0 || positives.some((paper) => !paper)) return sendJson(response, 404, { error: `Unknown paper ids in positivePaperIds` });
      const negatives = new Set((body.negativePaperIds ?? []).map(find).filter(Boolean).map((paper) => (paper as FakeS2Paper).paperId));
      const fieldsWanted = new Set(positives.flatMap((paper) => (paper as FakeS2Paper).fieldsOfStudy));
      const excluded = new Set(positives.map((paper) => (paper as FakeS2Paper).paperId));
      const recommended = papers
        .filter((paper) => !excluded.has(paper.paperId) && !negatives.has(paper.paperId) && paper.fieldsOfStudy.some((field) => fieldsWanted.has(field)))
        .sort((a, b) => b.citationCount - a.citationCount)
        .slice(0, limit);
      return sendJson(response, 200, { recommendedPapers: recommended.map((paper) => render(paper, fields)) });
    }
    if (request.method !== 'GET') return sendJson(response, 405, { error: 'Method not allowed' });
    if ('error' in fields) return sendJson(response, 400, fields);

    const forPaper = path.match(/^\/recommendations\/v1\/papers\/forpaper\/(.+)$/);
    if (forPaper) {
      const paper = find(forPaper[1] as string);
      if (!paper) return notFound(response);
      const recommended = papers
        .filter((other) => other.paperId !== paper.paperId && other.fieldsOfStudy.some((field) => paper.fieldsOfStudy.includes(field)))
        .sort((a, b) => b.citationCount - a.citationCount)
        .slice(0, limit);
      return sendJson(response, 200, { recommendedPapers: recommended.map((other) => render(other, fields)) });
    }
    if (path === '/graph/v1/snippet/search') {
      const text = query.get('query');
      if (!text) return sendJson(response, 400, { error: 'Missing required parameter: query' });
      const wanted = words(text);
      const hits = papers.flatMap((paper) =>
        (paper.snippets ?? [])
          .map((snippet) => ({ paper, snippet, score: wanted.filter((word) => snippet.text.toLowerCase().includes(word)).length }))
          .filter((hit) => hit.score > 0),
      );
      hits.sort((a, b) => b.score - a.score);
      return sendJson(response, 200, {
        data: hits.slice(0, limit).map((hit) => ({
          score: hit.score / Math.max(1, wanted.length),
          paper: { corpusId: String(hit.paper.corpusId), title: hit.paper.title, authors: hit.paper.authors, openAccessInfo: { license: 'CCBY', status: 'GREEN', disclaimer: '' } },
          snippet: { text: hit.snippet.text, snippetKind: 'body', section: hit.snippet.section, snippetOffset: { start: 0, end: hit.snippet.text.length }, annotations: {} },
        })),
        retrievalVersion: 'fake-1',
      });
    }
    if (path === '/graph/v1/paper/search' || path === '/graph/v1/paper/search/bulk') {
      const text = query.get('query') ?? '';
      if (!text) return sendJson(response, 400, { error: 'Missing required parameter: query' });
      const studyFields = query.get('fieldsOfStudy')?.split(',').filter(Boolean) ?? [];
      const minCitations = Number(query.get('minCitationCount') ?? '0');
      let found = papers.filter(
        (paper) =>
          matchesQuery(paper, text) &&
          inDateRange(paper, query.get('publicationDateOrYear')) &&
          (studyFields.length === 0 || paper.fieldsOfStudy.some((field) => studyFields.includes(field))) &&
          paper.citationCount >= minCitations,
      );
      if (path.endsWith('/bulk')) {
        const [sortField, order] = (query.get('sort') ?? 'paperId:asc').split(':');
        const key = (paper: FakeS2Paper) => (sortField === 'citationCount' ? paper.citationCount : sortField === 'publicationDate' ? paper.publicationDate : paper.paperId);
        found = [...found].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (order === 'desc' ? -1 : 1));
        return sendJson(response, 200, { total: found.length, token: null, data: found.slice(0, limit).map((paper) => render(paper, fields)) });
      }
      if (query.has('sort')) return sendJson(response, 400, { error: 'Unrecognized query parameter: sort' });
      const offset = Number(query.get('offset') ?? '0');
      return sendJson(response, 200, { total: found.length, offset, ...(offset + limit < found.length ? { next: offset + limit } : {}), data: found.slice(offset, offset + limit).map((paper) => render(paper, fields)) });
    }
    const graph = path.match(/^\/graph\/v1\/paper\/([^/]+)(?:\/(citations|references))?$/);
    if (graph) {
      const paper = find(graph[1] as string);
      if (!paper) return notFound(response);
      if (!graph[2]) return sendJson(response, 200, render(paper, fields));
      const edgeFields = fields.filter((field) => ['contexts', 'intents', 'isInfluential'].includes(field));
      const edges =
        graph[2] === 'citations'
          ? papers.filter((other) => other.references.includes(paper.paperId)).map((other) => ({ citingPaper: render(other, fields) }))
          : paper.references.map((id) => papers.find((other) => other.paperId === id)).filter(Boolean).map((other) => ({ citedPaper: render(other as FakeS2Paper, fields) }));
      const offset = Number(query.get('offset') ?? '0');
      return sendJson(response, 200, {
        offset,
        ...(offset + limit < edges.length ? { next: offset + limit } : {}),
        data: edges.slice(offset, offset + limit).map((edge) => ({
          ...(edgeFields.includes('isInfluential') ? { isInfluential: (paper.influentialCitationCount ?? 0) > 5 } : {}),
          ...(edgeFields.includes('intents') ? { intents: ['methodology'] } : {}),
          ...(edgeFields.includes('contexts') ? { contexts: [`builds on ${paper.title}`] } : {}),
          ...edge,
        })),
      });
    }
    sendJson(response, 404, { error: `fake semantic scholar: no route for ${request.method} ${path}` });
  });
  return Object.assign(server, {
    fail(failure: FakeS2Failure) {
      failures.push({ ...failure, remaining: failure.times ?? 1 });
    },
  });
}

export interface FakeAr5ivOptions {
  /** LaTeXML HTML per arXiv id (no version), served under `/html/<id>`. */
  pages: Record<string, string>;
}

/**
 * A fake ar5iv (ar5iv.labs.arxiv.org): `/html/<id>` answers the LaTeXML rendering, and for a paper
 * it has none of, redirects to the abstract page (`/abs/<id>`), as ar5iv sends readers to arXiv.
 */
export async function startFakeAr5iv(options: FakeAr5ivOptions): Promise<HttpFake> {
  return startHttpFake((request, response) => {
    const url = new URL(request.url, 'http://fake.local');
    const html = url.pathname.match(/^\/html\/(.+?)\/?$/);
    if (html) {
      const page = options.pages[(html[1] as string).replace(/v\d+$/, '')];
      if (!page) {
        response.writeHead(302, { location: `/abs/${html[1]}` });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page);
      return;
    }
    if (url.pathname.startsWith('/abs/')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<html><body><h1>arXiv abstract page</h1></body></html>');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/html' });
    response.end('<html><body>Not Found</body></html>');
  });
}
