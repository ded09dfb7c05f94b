import type http from 'node:http';
import { type HttpFake, type RecordedRequest, sendJson, startHttpFake } from './http-fake.js';

/** One page a fake search engine knows. */
export interface FakeSearchDocument {
  title: string;
  url: string;
  snippet: string;
}

/** An injected failure: answered instead of results, `times` times (default 1). */
export interface FakeSearchFailure {
  status: number;
  headers?: Record<string, string>;
  /** Raw body (JSON-encoded when not a string). */
  body?: unknown;
  times?: number;
}

export interface FakeSearchOptions {
  /** Pages the engine returns, matched against the query's words (default: a small ML corpus). */
  documents?: FakeSearchDocument[];
}

export interface FakeKeyedSearchOptions extends FakeSearchOptions {
  /** The only API key accepted (default `test-key-0123456789`). */
  apiKey?: string;
}

/** A fake search API on 127.0.0.1. `fail` queues failures answered before any result. */
export interface FakeSearchEngine extends HttpFake {
  /** The API key the fake accepts (Brave, Tavily). */
  readonly apiKey: string;
  fail(failure: FakeSearchFailure): void;
}

export const FAKE_SEARCH_DOCUMENTS: FakeSearchDocument[] = [
  { title: 'LoRA - Hugging Face PEFT', url: 'https://huggingface.co/docs/peft/main/en/developer_guides/lora', snippet: 'LoRA is a low-rank decomposition method to reduce the number of trainable parameters.' },
  { title: 'SFT Trainer - TRL', url: 'https://huggingface.co/docs/trl/sft_trainer', snippet: 'Supervised fine-tuning with LoRA adapters and the SFTTrainer.' },
  { title: 'trl/examples/scripts/sft.py', url: 'https://github.com/huggingface/trl/blob/main/examples/scripts/sft.py', snippet: 'Example script: fine-tune a model with LoRA using TRL.' },
  { title: 'Fine-tuning tips (r/LocalLLaMA)', url: 'https://www.reddit.com/r/LocalLLaMA/comments/abc/finetuning/', snippet: 'Community tips for LoRA fine-tuning on one GPU.' },
  { title: 'Performance tuning guide', url: 'https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html', snippet: 'PyTorch performance tuning for training loops.' },
];

function matches(documents: readonly FakeSearchDocument[], query: string): FakeSearchDocument[] {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word && !word.startsWith('site:') && !word.startsWith('-site:'));
  const sites = [...query.matchAll(/(^|\s)site:(\S+)/g)].map((match) => match[2] as string);
  const blocked = [...query.matchAll(/-site:(\S+)/g)].map((match) => match[1] as string);
  const onDomain = (url: string, domain: string) => {
    const host = new URL(url).hostname;
    return host === domain || host.endsWith(`.${domain}`);
  };
  return documents.filter((document) => {
    const text = `${document.title} ${document.snippet} ${document.url}`.toLowerCase();
    if (!words.some((word) => text.includes(word))) return false;
    if (sites.length > 0 && !sites.some((site) => onDomain(document.url, site))) return false;
    return !blocked.some((site) => onDomain(document.url, site));
  });
}

async function startEngine(
  apiKey: string,
  handle: (request: RecordedRequest, response: http.ServerResponse, raw: http.IncomingMessage) => void,
): Promise<FakeSearchEngine> {
  const failures: (FakeSearchFailure & { remaining: number })[] = [];
  const server = await startHttpFake((request, response, raw) => {
    const failure = failures.find((one) => one.remaining > 0);
    if (failure) {
      failure.remaining -= 1;
      const body = typeof failure.body === 'string' ? failure.body : JSON.stringify(failure.body ?? { error: `fake failure (HTTP ${failure.status})` });
      response.writeHead(failure.status, { 'content-type': typeof failure.body === 'string' ? 'text/html; charset=utf-8' : 'application/json', ...failure.headers });
      response.end(body);
      return;
    }
    handle(request, response, raw);
  });
  return Object.assign(server, {
    apiKey,
    fail(failure: FakeSearchFailure) {
      failures.push({ ...failure, remaining: failure.times ?? 1 });
    },
  });
}

/**
 * A fake Brave Search API: `GET /res/v1/web/search?q=…&count=…` with `X-Subscription-Token`,
 * answering Brave's `{ type: "search", query, web: { results: [{ title, url, description }] } }`
 * (descriptions highlighted with `<strong>`) and Brave's `ErrorResponse` for a missing or wrong token.
 */
export async function startFakeBrave(options: FakeKeyedSearchOptions = {}): Promise<FakeSearchEngine> {
  const apiKey = options.apiKey ?? 'test-key-0123456789';
  const documents = options.documents ?? FAKE_SEARCH_DOCUMENTS;
  return startEngine(apiKey, (request, response, raw) => {
    const url = new URL(request.url, 'http://fake.local');
    if (request.method !== 'GET' || url.pathname !== '/res/v1/web/search') {
      return sendJson(response, 404, { type: 'ErrorResponse', error: { status: 404, code: 'NOT_FOUND', detail: 'Resource not found.' } });
    }
    if (raw.headers['x-subscription-token'] !== apiKey) {
      return sendJson(response, 401, {
        type: 'ErrorResponse',
        error: { id: 'fake', status: 401, code: 'SUBSCRIPTION_TOKEN_INVALID', detail: 'The provided subscription token is invalid.', meta: { component: 'authentication' } },
        time: Date.now(),
      });
    }
    const query = url.searchParams.get('q') ?? '';
    if (!query) return sendJson(response, 422, { type: 'ErrorResponse', error: { status: 422, code: 'VALIDATION', detail: 'Unable to validate request parameter(s)', meta: { errors: [{ loc: ['query', 'q'], msg: 'field required' }] } } });
    const count = Math.min(20, Number(url.searchParams.get('count') ?? '20'));
    const found = matches(documents, query).slice(0, count);
    sendJson(response, 200, {
      type: 'search',
      query: { original: query, more_results_available: false },
      mixed: { type: 'mixed', main: found.map((_, index) => ({ type: 'web', index, all: false })) },
      web: {
        type: 'search',
        family_friendly: true,
        results: found.map((document) => ({
          type: 'search_result',
          title: document.title,
          url: document.url,
          is_source_local: false,
          description: document.snippet.replace(/\b(LoRA)\b/, '<strong>$1</strong>'),
          meta_url: { scheme: 'https', netloc: new URL(document.url).hostname, path: new URL(document.url).pathname },
        })),
      },
    });
  });
}

/**
 * A fake Tavily API: `POST /search` with a JSON body (`query`, `max_results`, `include_domains`,
 * `exclude_domains`) and `Authorization: Bearer <key>`, answering `{ query, results: [{ title, url,
 * content, score }], response_time }`, or Tavily's `{ detail: { error } }` on a bad key.
 */
export async function startFakeTavily(options: FakeKeyedSearchOptions = {}): Promise<FakeSearchEngine> {
  const apiKey = options.apiKey ?? 'tvly-test-0123456789';
  const documents = options.documents ?? FAKE_SEARCH_DOCUMENTS;
  return startEngine(apiKey, (request, response, raw) => {
    if (request.method !== 'POST' || request.path !== '/search') return sendJson(response, 404, { detail: 'Not Found' });
    const bearer = raw.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const body = (request.json ?? {}) as { query?: unknown; max_results?: unknown; include_domains?: unknown; exclude_domains?: unknown; api_key?: unknown };
    if ((bearer ?? body.api_key) !== apiKey) return sendJson(response, 401, { detail: { error: 'Unauthorized: missing or invalid API key.' } });
    if (typeof body.query !== 'string' || !body.query) return sendJson(response, 400, { detail: { error: 'Query is missing.' } });
    const include = Array.isArray(body.include_domains) ? (body.include_domains as string[]) : [];
    const exclude = Array.isArray(body.exclude_domains) ? (body.exclude_domains as string[]) : [];
    const onDomain = (url: string, domain: string) => new URL(url).hostname === domain || new URL(url).hostname.endsWith(`.${domain}`);
    const found = matches(documents, body.query)
      .filter((document) => include.length === 0 || include.some((domain) => onDomain(document.url, domain)))
      .filter((document) => !exclude.some((domain) => onDomain(document.url, domain)))
      .slice(0, typeof body.max_results === 'number' ? body.max_results : 5);
    sendJson(response, 200, {
      query: body.query,
      follow_up_questions: null,
      answer: null,
      images: [],
      results: found.map((document, index) => ({ title: document.title, url: document.url, content: document.snippet, score: 0.9 - index * 0.1, raw_content: null })),
      response_time: 0.42,
    });
  });
}

export interface FakeSearxngOptions extends FakeSearchOptions {
  /** Answer 403 to `format=json`, as an instance without `json` in `search.formats` does. */
  jsonDisabled?: boolean;
}

/**
 * A fake SearXNG instance: `GET /search?q=…&format=json` answering `{ query, number_of_results,
 * results: [{ url, title, content, engine, score }], answers, suggestions, unresponsive_engines }`;
 * 403 when the JSON format is disabled; an HTML page without `format=json`.
 */
export async function startFakeSearxng(options: FakeSearxngOptions = {}): Promise<FakeSearchEngine> {
  const documents = options.documents ?? FAKE_SEARCH_DOCUMENTS;
  return startEngine('', (request, response) => {
    const url = new URL(request.url, 'http://fake.local');
    if (request.method !== 'GET' || url.pathname !== '/search') {
      response.writeHead(404, { 'content-type': 'text/html' });
      return response.end('<html><body>Not Found</body></html>');
    }
    const query = url.searchParams.get('q') ?? '';
    if (url.searchParams.get('format') !== 'json') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return response.end(`<html><body><h1>${query}</h1></body></html>`);
    }
    if (options.jsonDisabled) {
      response.writeHead(403, { 'content-type': 'text/html' });
      return response.end('<html><body><h1>403 Forbidden</h1></body></html>');
    }
    const found = matches(documents, query);
    sendJson(response, 200, {
      query,
      number_of_results: found.length,
      results: found.map((document, index) => ({ url: document.url, title: document.title, content: document.snippet, engine: 'duckduckgo', engines: ['duckduckgo', 'brave'], positions: [index + 1], score: 2 - index * 0.1, category: 'general' })),
      answers: [],
      corrections: [],
      infoboxes: [],
      suggestions: [],
      unresponsive_engines: [],
    });
  });
}
