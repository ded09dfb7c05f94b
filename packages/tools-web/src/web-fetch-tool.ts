import { type ProxyEnvironment, type Tool, ToolExecutionError, type ToolResult, defineTool } from '@ml-intern/core';
import { z } from 'zod';
import { type NetworkPolicyOptions, createNetworkPolicy } from './address-policy.js';
import { decodeBody } from './decode-body.js';
import { type HostResolver, guardedFetch, prepareUrl } from './guarded-fetch.js';
import { PageCache } from './page-cache.js';

/** Options of `web_fetch`. The network policy options decide which non-public hosts it may reach. */
export interface WebFetchToolOptions extends NetworkPolicyOptions {
  /** Host name resolver (default: the system resolver). Every answer is checked before connecting. */
  resolveHost?: HostResolver;
  userAgent?: string;
  /** Per-fetch wall-clock limit in ms, redirects included (default 30 s). */
  timeoutMs?: number;
  /** Bytes read from a response body at most, after decompression (default 5 MiB). */
  maxResponseBytes?: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /** Characters returned per call when the model gives no `max_length` (default 20,000). */
  defaultMaxLength?: number;
  /** How long a fetched page is kept for `offset` continuations, in ms (default 5 min; 0 disables). */
  cacheTtlMs?: number;
  /** Where the proxy variables are read (default `process.env`; `false`: never a proxy). */
  proxyEnv?: ProxyEnvironment | false;
}

export const DEFAULT_WEB_USER_AGENT = 'Mozilla/5.0 (compatible; ml-intern-web/0.1)';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_LENGTH = 20_000;
const ACCEPT = 'text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,text/*;q=0.8,*/*;q=0.5';

interface FetchedPage {
  url: string;
  title: string;
  text: string;
  redirects: string[];
  bodyTruncated: boolean;
}

const inputSchema = z.object({
  url: z.string().min(1).describe('The http(s) URL to fetch.'),
  max_length: z
    .number()
    .int()
    .min(500)
    .max(100_000)
    .optional()
    .describe('Maximum number of characters to return (default 20000). Longer pages end with a pointer to the next offset.'),
  offset: z.number().int().min(0).optional().describe('Character offset to start from, to continue a page a previous call cut off (default 0).'),
});

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function renderPage(page: FetchedPage, offset: number, maxLength: number): string {
  const total = page.text.length;
  if (offset >= total && total > 0) {
    throw new ToolExecutionError(`offset ${offset} is past the end of the page (${total} characters).`);
  }
  const end = Math.min(total, offset + maxLength);
  const lines: string[] = [];
  if (page.title) lines.push(`# ${page.title}`);
  lines.push(`URL: ${page.url}`);
  if (page.redirects.length > 0) lines.push(`Redirected from: ${page.redirects[0]}`);
  if (offset > 0) lines.push(`(continuing at character ${offset})`);
  lines.push('', page.text.slice(offset, end) || '(the page has no readable text)');
  if (end < total) {
    lines.push('', `[Showing characters ${offset}–${end} of ${total}. Call web_fetch with the same url and offset=${end} to read more.]`);
  }
  if (page.bodyTruncated && end >= total) {
    lines.push('', '[The page was larger than the download limit; its end was not read.]');
  }
  return lines.join('\n');
}

/**
 * `web_fetch`: fetch a public web page and return it as readable markdown (plain text and JSON as
 * they are), capped with a pointer to continue. Refuses loopback, private, link-local and cloud
 * metadata addresses unless allowed, checks every redirect, pins the connection to the checked
 * address and never sends credentials.
 */
export function createWebFetchTool(options: WebFetchToolOptions = {}): Tool<typeof inputSchema> {
  const policy = createNetworkPolicy(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const cache = new PageCache<FetchedPage>({ maxEntries: 16, ttlMs: options.cacheTtlMs ?? 5 * 60_000 });

  async function fetchPage(url: string, signal: AbortSignal): Promise<FetchedPage | ToolResult> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Awaited<ReturnType<typeof guardedFetch>>;
    try {
      response = await guardedFetch(url, {
        policy,
        signal: AbortSignal.any([signal, timeout]),
        maxBytes,
        maxRedirects: options.maxRedirects ?? 5,
        userAgent: options.userAgent ?? DEFAULT_WEB_USER_AGENT,
        accept: ACCEPT,
        ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
        ...(options.proxyEnv === undefined ? {} : { proxyEnv: options.proxyEnv }),
      });
    } catch (error) {
      if (timeout.aborted && !signal.aborted) throw new ToolExecutionError(`Fetching ${url} took longer than ${timeoutMs / 1000} s.`);
      throw error;
    }
    const decoded = decodeBody(response.body, response.headers['content-type']);
    if (decoded.kind === 'binary') {
      return {
        output: `${response.url} is binary content (${decoded.mediaType || 'unknown type'}, ${formatBytes(response.body.length)}${response.truncated ? '+' : ''}); web_fetch only reads HTML, text and JSON.`,
        isError: true,
      };
    }
    const page =
      decoded.kind === 'html'
        ? // Loaded on first use: the DOM and markdown libraries add ~200 ms to startup otherwise.
          (await import('./html-to-markdown.js')).htmlToMarkdown(decoded.text, response.url)
        : { title: '', markdown: decoded.text };
    if (response.status >= 400) {
      const excerpt = page.markdown.trim().slice(0, 500);
      return { output: `HTTP ${response.status} ${response.statusText} fetching ${response.url}${excerpt ? `\n\n${excerpt}` : ''}`, isError: true };
    }
    return { url: response.url, title: page.title, text: page.markdown, redirects: response.redirects, bodyTruncated: response.truncated };
  }

  return defineTool({
    name: 'web_fetch',
    description:
      'Fetch a public web page (http/https) and return its main content as markdown; plain text and JSON are returned as text. ' +
      'Long pages are cut at max_length characters with the offset to continue from. ' +
      'Private, loopback and link-local addresses are refused. Use web_search first to find URLs.',
    inputSchema,
    readOnly: true,
    timeoutMs: timeoutMs + 10_000,
    summarize: (input) => `fetch ${input.url}${input.offset ? ` from ${input.offset}` : ''}`,
    async execute(input, ctx) {
      const key = prepareUrl(input.url).href;
      let page = cache.get(key);
      if (!page) {
        const fetched = await fetchPage(key, ctx.signal);
        if (!('text' in fetched)) return fetched;
        page = fetched;
        cache.set(key, page);
      }
      return renderPage(page, input.offset ?? 0, input.max_length ?? options.defaultMaxLength ?? DEFAULT_MAX_LENGTH);
    },
  });
}
