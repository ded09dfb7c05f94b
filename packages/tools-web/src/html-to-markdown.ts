import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import TurndownService from 'turndown';
import { gfm } from 'turndown-plugin-gfm';

export interface MarkdownPage {
  title: string;
  markdown: string;
}

// Below this much article text, Readability probably dropped the page (a docs index, a short
// page); convert the whole cleaned body instead.
const MIN_ARTICLE_CHARS = 200;
const NON_CONTENT = 'script, style, noscript, template, svg, iframe, object, embed, link, meta';
const URL_ATTRIBUTES: [selector: string, attribute: string][] = [
  ['a[href]', 'href'],
  ['img[src]', 'src'],
  ['source[src]', 'src'],
];

type ParsedDocument = ReturnType<typeof parseHTML>['document'];

function resolveBase(document: ParsedDocument, pageUrl: string): string {
  const base = document.querySelector('base[href]')?.getAttribute('href');
  if (!base) return pageUrl;
  try {
    return new URL(base, pageUrl).href;
  } catch {
    return pageUrl;
  }
}

/** Make link and image URLs absolute, so the markdown still works out of context. */
function absolutizeUrls(document: ParsedDocument, baseUrl: string): void {
  for (const [selector, attribute] of URL_ATTRIBUTES) {
    for (const element of Array.from(document.querySelectorAll(selector))) {
      const value = element.getAttribute(attribute);
      if (!value || value.startsWith('#') || value.startsWith('data:')) continue;
      try {
        element.setAttribute(attribute, new URL(value, baseUrl).href);
      } catch {
        // Leave unparseable URLs as written.
      }
    }
  }
}

/** `language-*` classes on code blocks, which Readability would otherwise strip (turndown reads them for fences). */
function languageClasses(document: ParsedDocument): string[] {
  const classes = new Set<string>();
  for (const element of Array.from(document.querySelectorAll('pre code[class], pre[class]'))) {
    for (const name of (element.getAttribute('class') ?? '').split(/\s+/)) {
      if (name.startsWith('language-') || name.startsWith('lang-')) classes.add(name);
    }
  }
  return [...classes];
}

function createTurndown(): TurndownService {
  const service = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*' });
  service.use(gfm);
  service.remove(['script', 'style', 'noscript', 'template', 'iframe']);
  return service;
}

function cleanedBody(html: string, baseUrl: string): string {
  const { document } = parseHTML(html);
  for (const element of Array.from(document.querySelectorAll(`${NON_CONTENT}, nav, footer, header, aside, form`))) element.remove();
  absolutizeUrls(document, baseUrl);
  return document.body?.innerHTML ?? document.documentElement?.innerHTML ?? '';
}

function tidy(markdown: string): string {
  return markdown
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Convert an HTML page to readable markdown: Readability extracts the main content (navigation,
 * ads and boilerplate dropped), turndown with GitHub-flavoured tables and fenced code renders it.
 * Falls back to the whole body, minus scripts and chrome, when Readability finds no article.
 */
export function htmlToMarkdown(html: string, pageUrl: string): MarkdownPage {
  const { document } = parseHTML(html);
  const baseUrl = resolveBase(document, pageUrl);
  const pageTitle = (document.querySelector('title')?.textContent ?? '').trim();
  for (const element of Array.from(document.querySelectorAll(NON_CONTENT))) element.remove();
  absolutizeUrls(document, baseUrl);
  let article: ReturnType<Readability['parse']> = null;
  try {
    article = new Readability(document as unknown as Document, { classesToPreserve: languageClasses(document) }).parse();
  } catch {
    article = null;
  }
  const articleText = (article?.textContent ?? '').trim();
  const content = article?.content && articleText.length >= MIN_ARTICLE_CHARS ? article.content : cleanedBody(html, baseUrl);
  const markdown = tidy(createTurndown().turndown(content || ''));
  const title = (article?.title ?? '').trim() || pageTitle;
  return { title, markdown };
}
