import { sendJson } from './http-fake.js';
import { viewerQueryRoutes } from './fake-hub-viewer.js';
import { canWrite, parseBody, repoKey, sendError, sha, type FakeRepo, type FakeRoute, type FakeUser, type RouteContext } from './fake-hub-state.js';

export interface FakePaper {
  id: string;
  title: string;
  summary: string;
  upvotes?: number;
  publishedAt?: string;
  authors?: { name: string }[];
  ai_summary?: string;
  ai_keywords?: string[];
  githubRepo?: string;
  githubStars?: number;
}

export interface FakeCollection {
  slug: string;
  title: string;
  description?: string;
  owner: { name: string; type?: string };
  upvotes?: number;
  /** Private collections are listed and shown to their owner only. */
  private?: boolean;
  /** `papers/<id>`, `models/<id>`, `datasets/<id>`, `spaces/<id>`. */
  items: string[];
  /** Notes per item (`models/<id>` → note). */
  notes?: Record<string, string>;
}

/** What the dataset viewer knows about one dataset. */
export interface FakeViewerDataset {
  isValid: Record<string, boolean>;
  splits: { config: string; split: string }[];
  info: Record<string, Record<string, unknown>>;
  /** Keyed by `config/split`. */
  firstRows: Record<string, Record<string, unknown>[]>;
  parquet: { config: string; split: string; filename: string; size: number }[];
  /** Every row per `config/split`, served by `/rows`, `/search` and `/filter` (default: the first rows). */
  rows?: Record<string, Record<string, unknown>[]>;
  /** `/statistics` column entries per `config/split` (default: computed from the rows). */
  statistics?: Record<string, unknown[]>;
}

export interface FakeDocsLibrary {
  title: string;
  /** `markdown: null` makes the page answer 500; a page with only `html` has no markdown rendering. */
  pages: { slug: string; title: string; markdown: string | null; html?: string }[];
}

export interface FakeContentState {
  user: FakeUser;
  repos: Map<string, FakeRepo>;
  papers: FakePaper[];
  daily: Record<string, string[]>;
  collections: FakeCollection[];
  viewer: Record<string, FakeViewerDataset>;
  docs: Record<string, FakeDocsLibrary>;
  openapi: unknown;
  arxiv: Record<string, string>;
}

function html(context: RouteContext, status: number, body: string): void {
  context.response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  context.response.end(body);
}

function docsNavigation(library: string, docs: FakeDocsLibrary): string {
  const links = docs.pages.map((page) => `<li><a href="/docs/${library}/${page.slug}" class="nav-link">${page.title.replace(/&/g, '&amp;')}</a></li>`).join('\n');
  return `<!DOCTYPE html><html><head><title>${docs.title}</title></head><body>
<header><a href="/docs">Docs</a><a href="/docs/${library}/v0.1.0/en/index">v0.1.0</a><a href="/docs/${library}/ko/index">한국어</a></header>
<nav class="flex-auto"><ul>\n${links}\n</ul></nav><main><h1>${docs.title}</h1></main></body></html>`;
}

/** Refuse like the dataset viewer: unknown, private or gated without access → 401 anonymous / 404. */
export function viewerDataset(context: RouteContext, state: FakeContentState): FakeViewerDataset | undefined {
  const dataset = context.query.get('dataset') ?? '';
  const repo = state.repos.get(repoKey('dataset', dataset));
  const refused = !repo || ((repo.settings.private || repo.settings.gated) && (!context.auth.valid || (repo.settings.gated && !repo.seed.accessGranted)));
  if (refused) {
    const anonymous = !context.auth.valid;
    sendError(
      context.response,
      anonymous ? 401 : 404,
      'The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication.',
      anonymous ? 'ExternalUnauthenticatedError' : 'ExternalAuthenticatedError',
    );
    return undefined;
  }
  return state.viewer[dataset] ?? { isValid: { viewer: false, preview: false, search: false, filter: false, statistics: false }, splits: [], info: {}, firstRows: {}, parquet: [] };
}

/** whoami, papers, collections, docs pages, the OpenAPI spec, arXiv HTML and the dataset viewer (with rows, search, filter and statistics). */
export function contentRoutes(state: FakeContentState): FakeRoute[] {
  // Collections change (create, add item): each fake gets its own copy of the seeded ones.
  state.collections = state.collections.map((collection) => ({ ...collection, items: [...collection.items] }));
  const route = (method: string, pattern: string, handle: FakeRoute['handle']): FakeRoute => ({ method, pattern: new RegExp(`^${pattern}$`), handle });
  const paper = (id: string) => state.papers.find((one) => one.id === id.replace(/v\d+$/, ''));
  const entry = (one: FakePaper) => ({ paper: one, title: one.title, publishedAt: one.publishedAt, numComments: 2 });
  return [
    route('GET', '/api/whoami-v2', (context) => {
      if (!context.auth.valid) return sendError(context.response, 401, 'Invalid credentials in Authorization header');
      const user = state.user;
      sendJson(context.response, 200, {
        type: 'user', id: 'u1', name: user.name, fullname: user.fullname ?? user.name, email: `${user.name}@example.com`, emailVerified: true, isPro: false, canPay: true, avatarUrl: '', periodEnd: null, billingMode: 'prepaid',
        orgs: (user.orgs ?? []).map((name) => ({ type: 'org', name, fullname: name, id: name, roleInOrg: 'write' })),
        auth: { type: 'access_token', accessToken: { displayName: 'test', role: 'write', createdAt: '2024-01-01T00:00:00Z' } },
      });
    }),
    route('GET', '/api/daily_papers', (context) => {
      const date = context.query.get('date');
      const ids = (date ? state.daily[date] : undefined) ?? (date ? [] : (state.daily.default ?? []));
      const limit = Number(context.query.get('limit') ?? 50);
      sendJson(context.response, 200, ids.map(paper).filter((one): one is FakePaper => one !== undefined).slice(0, limit).map(entry));
    }),
    route('GET', '/api/papers/search', (context) => {
      const words = (context.query.get('q') ?? '').toLowerCase().split(/\W+/).filter((word) => word.length > 2);
      const scored = state.papers
        .map((one) => ({ one, score: words.filter((word) => `${one.title} ${one.summary} ${(one.ai_keywords ?? []).join(' ')}`.toLowerCase().includes(word)).length }))
        .filter((item) => item.score > 0)
        .sort((left, right) => right.score - left.score);
      sendJson(context.response, 200, scored.slice(0, Number(context.query.get('limit') ?? 10)).map((item) => entry(item.one)));
    }),
    route('GET', '/api/papers/([^/]+)', (context) => {
      const found = paper(decodeURIComponent(context.match[1] as string));
      if (!found) return sendError(context.response, 404, 'Paper not found');
      sendJson(context.response, 200, found);
    }),
    ...collectionRoutes(state),
    route('GET', '/\\.well-known/openapi\\.json', (context) => sendJson(context.response, 200, state.openapi)),
    route('GET', '/docs/([^/]+)', (context) => {
      const library = context.match[1] as string;
      const docs = state.docs[library];
      if (!docs) return html(context, 404, '<h1>404</h1>');
      html(context, 200, docsNavigation(library, docs));
    }),
    route('GET', '/docs/([^/]+)/([^.]+)', (context) => {
      const page = state.docs[context.match[1] as string]?.pages.find((one) => one.slug === context.match[2] && one.html !== undefined);
      if (!page) return html(context, 404, '<h1>404</h1>');
      html(context, 200, page.html as string);
    }),
    route('GET', '/docs/([^/]+)/(.+)\\.md', (context) => {
      const page = state.docs[context.match[1] as string]?.pages.find((one) => one.slug === context.match[2]);
      if (!page || (page.markdown === null && page.html !== undefined)) return sendError(context.response, 404, 'Page not found');
      if (page.markdown === null) return sendError(context.response, 500, 'Internal error');
      context.response.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
      context.response.end(page.markdown);
    }),
    route('GET', '/arxiv/html/([^/]+)', (context) => {
      const page = state.arxiv[(context.match[1] as string).replace(/v\d+$/, '')];
      if (!page) return html(context, 404, '<h1>No HTML for this paper</h1>');
      html(context, 200, page);
    }),
    route('GET', '/datasets-server/is-valid', (context) => {
      const dataset = viewerDataset(context, state);
      if (dataset) sendJson(context.response, 200, dataset.isValid);
    }),
    route('GET', '/datasets-server/splits', (context) => {
      const dataset = viewerDataset(context, state);
      const name = context.query.get('dataset');
      if (dataset) sendJson(context.response, 200, { splits: dataset.splits.map((split) => ({ dataset: name, ...split })), pending: [], failed: [] });
    }),
    route('GET', '/datasets-server/info', (context) => {
      const dataset = viewerDataset(context, state);
      if (!dataset) return;
      const config = context.query.get('config');
      if (!config) return sendJson(context.response, 200, { dataset_info: dataset.info, pending: [], failed: [], partial: false });
      if (!dataset.info[config]) return sendError(context.response, 404, 'Not found.', 'ConfigNotFoundError');
      sendJson(context.response, 200, { dataset_info: { config_name: config, ...dataset.info[config] }, partial: false });
    }),
    route('GET', '/datasets-server/first-rows', (context) => {
      const dataset = viewerDataset(context, state);
      if (!dataset) return;
      const config = context.query.get('config') ?? '';
      const split = context.query.get('split') ?? '';
      const rows = dataset.firstRows[`${config}/${split}`];
      if (!rows) return sendError(context.response, 404, 'Not found.', 'SplitNotFoundError');
      const features = Object.entries((dataset.info[config]?.features as Record<string, unknown> | undefined) ?? {}).map(([name, type], feature_idx) => ({ feature_idx, name, type }));
      sendJson(context.response, 200, { dataset: context.query.get('dataset'), config, split, features, rows: rows.map((row, row_idx) => ({ row_idx, row, truncated_cells: [] })), truncated: false });
    }),
    route('GET', '/datasets-server/parquet', (context) => {
      const dataset = viewerDataset(context, state);
      const name = context.query.get('dataset');
      if (!dataset) return;
      sendJson(context.response, 200, {
        parquet_files: dataset.parquet.map((file) => ({ dataset: name, ...file, url: `${context.baseUrl}/datasets/${name}/resolve/refs%2Fconvert%2Fparquet/${file.config}/${file.split}/${file.filename}` })),
        pending: [], failed: [], partial: false,
      });
    }),
    ...viewerQueryRoutes(state, viewerDataset),
  ];
}

const COLLECTION_ITEM_TYPES = new Set(['model', 'dataset', 'space', 'paper', 'collection']);

function collectionJson({ notes, ...collection }: FakeCollection) {
  return {
    ...collection,
    lastUpdated: '2024-05-01T00:00:00.000Z', gating: false, theme: 'blue', private: collection.private === true, isUpvotedByUser: false,
    items: collection.items.map((item, position) => ({
      _id: `item${position}`, position, type: item.split('/')[0]?.replace(/s$/, ''), id: item.split('/').slice(1).join('/'),
      ...(notes?.[item] ? { note: { html: notes[item], text: notes[item] } } : {}),
    })),
  };
}

/** Collections: list (owner, item, q filters), create, info, add item, as the Hub answers them. */
function collectionRoutes(state: FakeContentState): FakeRoute[] {
  const route = (method: string, pattern: string, handle: FakeRoute['handle']): FakeRoute => ({ method, pattern: new RegExp(`^${pattern}$`), handle });
  const visible = (context: RouteContext, collection: FakeCollection) => !collection.private || canWrite(context.auth, collection.owner.name);
  const find = (context: RouteContext): FakeCollection | undefined => {
    const slug = decodeURIComponent(context.match[1] as string);
    const collection = state.collections.find((one) => one.slug === slug);
    if (!collection || !visible(context, collection)) return void sendError(context.response, 404, `Collection ${slug} not found`);
    return collection;
  };
  return [
    route('GET', '/api/collections', (context) => {
      const items = context.query.getAll('item');
      const owners = context.query.getAll('owner');
      const words = context.query.get('q')?.toLowerCase();
      const matching = state.collections.filter(
        (collection) =>
          visible(context, collection) &&
          items.every((item) => collection.items.includes(item)) &&
          (owners.length === 0 || owners.includes(collection.owner.name)) &&
          (!words || `${collection.title} ${collection.description ?? ''}`.toLowerCase().includes(words)),
      );
      sendJson(context.response, 200, matching.slice(0, Number(context.query.get('limit') ?? 50)).map(collectionJson));
    }),
    route('POST', '/api/collections', (context) => {
      const body = parseBody(context);
      const namespace = String(body.namespace ?? '');
      const title = String(body.title ?? '').trim();
      if (!context.auth.valid) return sendError(context.response, 401, 'Invalid credentials in Authorization header');
      if (!title) return sendError(context.response, 400, 'title is required');
      if (!canWrite(context.auth, namespace)) return sendError(context.response, 403, `You cannot create a collection in ${namespace}`);
      const existing = state.collections.find((one) => one.owner.name === namespace && one.title === title);
      if (existing) return sendJson(context.response, 409, { error: 'Collection already exists', slug: existing.slug });
      const slug = `${namespace}/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${sha(`${namespace}/${title}`).slice(0, 24)}`;
      const collection: FakeCollection = { slug, title, ...(typeof body.description === 'string' ? { description: body.description } : {}), owner: { name: namespace, type: 'user' }, private: body.private === true, items: [] };
      state.collections.push(collection);
      sendJson(context.response, 200, collectionJson(collection));
    }),
    route('GET', '/api/collections/([^/]+/[^/]+)', (context) => {
      const collection = find(context);
      if (collection) sendJson(context.response, 200, collectionJson(collection));
    }),
    route('POST', '/api/collections/([^/]+/[^/]+)/items', (context) => {
      const collection = find(context);
      if (!collection) return;
      if (!canWrite(context.auth, collection.owner.name)) return sendError(context.response, 403, `You cannot edit ${collection.slug}`);
      const item = (parseBody(context).item ?? {}) as { type?: string; id?: string };
      if (!item.type || !COLLECTION_ITEM_TYPES.has(item.type) || !item.id) return sendError(context.response, 400, 'item must be { type: model|dataset|space|paper|collection, id }');
      const key = `${item.type}s/${item.id}`;
      if (item.type !== 'paper' && item.type !== 'collection' && !state.repos.has(repoKey(item.type, item.id))) return sendError(context.response, 404, `${item.type} ${item.id} not found`);
      if (collection.items.includes(key)) return sendError(context.response, 409, 'Item already in collection');
      collection.items.push(key);
      const note = parseBody(context).note;
      if (typeof note === 'string' && note) collection.notes = { ...collection.notes, [key]: note.slice(0, 500) };
      sendJson(context.response, 200, collectionJson(collection));
    }),
  ];
}
