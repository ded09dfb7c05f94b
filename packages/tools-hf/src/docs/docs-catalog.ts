import { isAbortError } from '@ml-intern/core';
import { createCachedLoader, type CachedLoader } from '../disk-cache.js';
import type { HfConfig } from '../hf-config.js';
import type { HubCall } from '../hub-call.js';
import { textOf } from '../html-to-markdown.js';

/** Documentation sets `explore_hf_docs` knows (paths under `<hub>/docs/`). */
export const DOCS_LIBRARIES = [
  'hub', 'transformers', 'diffusers', 'datasets', 'trackio', 'smolagents', 'huggingface_hub', 'huggingface.js',
  'transformers.js', 'inference-providers', 'inference-endpoints', 'peft', 'accelerate', 'optimum', 'tokenizers',
  'courses', 'evaluate', 'tasks', 'dataset-viewer', 'trl', 'sagemaker', 'timm', 'safetensors', 'text-generation-inference',
  'setfit', 'lerobot', 'autotrain', 'text-embeddings-inference', 'bitsandbytes', 'sentence_transformers', 'chat-ui',
  'leaderboards', 'lighteval', 'argilla', 'distilabel', 'microsoft-azure', 'kernels', 'google-cloud',
] as const;

export type DocsLibrary = (typeof DOCS_LIBRARIES)[number];

/** Names that cover several documentation sets. */
const COMPOSITES: Partial<Record<DocsLibrary, string[]>> = {
  optimum: ['optimum', 'optimum-habana', 'optimum-neuron', 'optimum-intel', 'optimum-executorch', 'optimum-tpu'],
  courses: ['llm-course', 'mcp-course', 'smol-course', 'agents-course', 'deep-rl-course', 'audio-course', 'computer-vision-course', 'diffusion-course', 'cookbook'],
};

export interface DocsPage {
  title: string;
  url: string;
  /** The documentation set it belongs to. */
  section: string;
}

export interface DocsPageContent extends DocsPage {
  /** Markdown (capped), empty when the page could not be fetched. */
  content: string;
}

const MAX_PAGE_CHARS = 30_000;
const FETCH_CONCURRENCY = 6;

export function docsSections(library: string): string[] {
  return COMPOSITES[library as DocsLibrary] ?? [library];
}

/** Links of a docs page's navigation that stay inside `section` (other versions and languages dropped). */
export function parseDocsNavigation(html: string, section: string, hubUrl: string): DocsPage[] {
  const prefix = `/docs/${section}`;
  const pages = new Map<string, DocsPage>();
  for (const match of html.matchAll(/<a\b[^>]*?\bhref="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi)) {
    let url: URL;
    try {
      url = new URL((match[1] ?? '').replace(/&amp;/g, '&'), hubUrl);
    } catch {
      continue;
    }
    if (url.origin !== new URL(hubUrl).origin) continue;
    const pathname = url.pathname.replace(/\/+$/, '');
    if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) continue;
    const rest = pathname.slice(prefix.length + 1).split('/');
    if (rest.length > 1 && /^(v\d[\w.-]*|main)$/.test(rest[0] ?? '')) continue;
    if (rest.length > 1 && /^[a-z]{2}(-[a-z]+)?$/i.test(rest[0] ?? '') && rest[0] !== 'en') continue;
    const title = textOf(match[2] ?? '');
    const pageUrl = `${url.origin}${pathname}`;
    if (!title || pages.has(pageUrl)) continue;
    pages.set(pageUrl, { title, url: pageUrl, section });
  }
  return [...pages.values()];
}

async function mapBounded<T, R>(items: readonly T[], limit: number, worker: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await worker(items[index] as T);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Per-bundle cache of navigation and page contents, in memory and on disk. */
export interface DocsCatalog {
  pages(call: HubCall, section: string): Promise<DocsPage[]>;
  contents(call: HubCall, section: string, onProgress?: (message: string) => void): Promise<DocsPageContent[]>;
}

export function createDocsCatalog(config: HfConfig): DocsCatalog {
  const navigation = new Map<string, CachedLoader<DocsPage[]>>();
  const contents = new Map<string, CachedLoader<DocsPageContent[]>>();
  const hubKey = new URL(config.hubUrl).host;
  const loaderFor = <T>(map: Map<string, CachedLoader<T>>, key: string) => {
    let loader = map.get(key);
    if (!loader) {
      loader = createCachedLoader<T>(config.cacheDir, `${hubKey}-${key}`, config.cacheTtlMs);
      map.set(key, loader);
    }
    return loader;
  };

  const catalog: DocsCatalog = {
    async pages(call, section) {
      const cached = await loaderFor(navigation, `docs-nav-${section}`).get(async () => {
        const response = await call.send(`${config.hubUrl}/docs/${section}`, { headers: { accept: 'text/html' } });
        const pages = parseDocsNavigation(await response.text(), section, config.hubUrl);
        if (pages.length === 0) throw new Error(`no documentation pages found for "${section}"`);
        return pages;
      });
      return cached.value;
    },
    async contents(call, section, onProgress) {
      const pages = await catalog.pages(call, section);
      const cached = await loaderFor(contents, `docs-content-${section}`).get(async () => {
        onProgress?.(`Indexing ${pages.length} pages of the ${section} docs (cached for later searches)…`);
        return mapBounded(pages, FETCH_CONCURRENCY, async (page) => {
          try {
            const response = await call.send(`${page.url}.md`, { headers: { accept: 'text/markdown, text/plain, */*' } });
            return { ...page, content: (await response.text()).slice(0, MAX_PAGE_CHARS) };
          } catch (error) {
            if (isAbortError(error)) throw error;
            return { ...page, content: '' };
          }
        });
      });
      return cached.value;
    },
  };
  return catalog;
}
