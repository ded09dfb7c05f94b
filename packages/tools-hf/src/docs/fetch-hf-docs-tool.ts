import { defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall } from '../hub-call.js';
import { HubHttpError } from '../hub-error.js';
import { htmlToMarkdown } from '../html-to-markdown.js';
import { textWindow } from '../text-limits.js';

const inputSchema = z.object({
  url: z.string().min(1).describe('Docs page URL on huggingface.co (e.g. https://huggingface.co/docs/trl/sft_trainer) or a path like /docs/trl/sft_trainer.'),
  offset: z.number().int().min(0).default(0).describe('Character offset to continue reading a long page (given in the previous result).'),
  max_chars: z.number().int().min(1_000).max(50_000).default(20_000).describe('Characters to return (default 20000).'),
});

/** Options of {@link createFetchHfDocsTool}. */
export type FetchHfDocsToolOptions = HfToolsOptions;

/** Resolve a model-given docs URL against the Hub and point it at the markdown rendering. */
export function resolveDocsUrl(raw: string, hubUrl: string): URL {
  const trimmed = raw.trim();
  const url = new URL(trimmed.startsWith('/') || !/^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? `/${trimmed.replace(/^\/+/, '')}` : trimmed, hubUrl);
  url.hash = '';
  if (!/\.(md|txt)$/i.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, '')}.md`;
  return url;
}

/**
 * `fetch_hf_docs`: one documentation page as markdown. Only the configured Hugging Face hosts are
 * reachable (the token never goes anywhere else); long pages come in windows with an offset pointer.
 */
export function createFetchHfDocsTool(options: FetchHfDocsToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const allowed = [...config.docsOrigins];
  return defineTool({
    name: 'fetch_hf_docs',
    description:
      'Fetch one Hugging Face documentation page as markdown (URLs from explore_hf_docs). Only Hugging Face docs hosts ' +
      `(${allowed.join(', ')}) are allowed; use web_fetch for other sites. Long pages are returned in windows: pass the ` +
      'offset given at the end of the result to read on.',
    inputSchema,
    readOnly: true,
    timeoutMs: 60_000,
    summarize: (input) => `fetch_hf_docs ${input.url}${input.offset ? ` @${input.offset}` : ''}`,
    async execute(input, ctx) {
      let url: URL;
      try {
        url = resolveDocsUrl(input.url, config.hubUrl);
      } catch {
        throw new ToolExecutionError(`"${input.url}" is not a valid URL; pass a https://huggingface.co/docs/... URL or a /docs/... path.`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new ToolExecutionError(`only http(s) documentation URLs are supported, got ${url.protocol}`);
      }
      if (!config.docsOrigins.has(url.origin)) {
        throw new ToolExecutionError(`${url.origin} is not a Hugging Face docs host; fetch_hf_docs only reads ${allowed.join(', ')}. Use web_fetch for other sites.`);
      }
      const call = createHubCall(config, ctx.signal);
      try {
        let response: Response;
        try {
          response = await call.send(url.href, { headers: { accept: 'text/markdown, text/plain;q=0.9, text/html;q=0.5' } });
        } catch (error) {
          // Pages without a markdown rendering: read the HTML page instead.
          const page = new URL(url.href.replace(/\.md$/, ''));
          if (!(error instanceof HubHttpError) || error.status !== 404 || page.href === url.href) throw error;
          response = await call.send(page.href, { headers: { accept: 'text/html' } });
          url = page;
        }
        const body = await response.text();
        const markdown = (response.headers.get('content-type') ?? '').includes('html') ? await htmlToMarkdown(body) : body;
        const window = textWindow(markdown, input.offset, input.max_chars);
        if (input.offset > 0 && window.text === '') {
          return `The page has ${window.total} characters; offset ${input.offset} is past the end.`;
        }
        const end = input.offset + window.text.length;
        const header = `Documentation from ${url.href} (characters ${input.offset}–${end} of ${window.total})`;
        const footer =
          window.nextOffset === undefined
            ? ''
            : `\n\n[… ${window.total - window.nextOffset} more characters. Call fetch_hf_docs with url "${input.url}" and offset ${window.nextOffset} to continue.]`;
        return call.redact(`${header}\n\n${window.text}${footer}`);
      } catch (error) {
        throw call.toToolError(error, { label: `docs page ${url.href}`, kind: 'page' });
      }
    },
  });
}
