import { htmlToMarkdown, textOf } from '../html-to-markdown.js';

/** One heading of a paper and the markdown under it (subsections included). */
export interface PaperSection {
  /** Section number (`3`, `3.2`, `A`), empty when unnumbered. */
  number: string;
  title: string;
  level: number;
  text: string;
}

export interface ParsedPaper {
  title: string;
  abstract: string;
  sections: PaperSection[];
}

const NEW_STYLE = /^\d{4}\.\d{4,5}(v\d+)?$/;
const OLD_STYLE = /^[a-z-]+(\.[A-Z]{2})?\/\d{7}(v\d+)?$/;

/** Normalise `arxiv:2401.00001`, `https://arxiv.org/abs/2401.00001v2`, `2401.00001` to a bare id; undefined if invalid. */
export function normalizeArxivId(raw: string): string | undefined {
  let value = raw.trim();
  const fromUrl = value.match(/(?:arxiv\.org|huggingface\.co\/papers|hf\.co\/papers)\/(?:abs\/|pdf\/|html\/)?([^?#\s]+?)(?:\.pdf)?\/?(?:[?#].*)?$/i);
  if (fromUrl?.[1]) value = fromUrl[1];
  value = value.replace(/^arxiv:/i, '');
  return NEW_STYLE.test(value) || OLD_STYLE.test(value) ? value : undefined;
}

function articleHtml(html: string): string {
  const article = html.match(/<article\b[\s\S]*<\/article>/i);
  if (article) return article[0];
  const body = html.match(/<body\b[^>]*>([\s\S]*)<\/body>/i);
  return body?.[1] ?? html;
}

/**
 * Split an arXiv (LaTeXML) HTML paper into title, abstract and sections. The article is converted
 * to markdown once; sections are the `##`/`###` headings, each holding the text up to the next
 * heading of the same or a higher level (so a section includes its subsections).
 */
export async function parseArxivHtml(html: string): Promise<ParsedPaper> {
  const titleMatch = html.match(/<h1\b[^>]*class="[^"]*ltx_title_document[^"]*"[^>]*>([\s\S]*?)<\/h1>/i);
  const markdown = await htmlToMarkdown(articleHtml(html));
  const lines = markdown.split('\n');
  const headings: { line: number; level: number; title: string }[] = [];
  lines.forEach((line, index) => {
    const match = line.match(/^(#{1,6})\s+(.*)$/);
    if (match) headings.push({ line: index, level: (match[1] as string).length, title: (match[2] as string).trim() });
  });
  let abstract = '';
  const sections: PaperSection[] = [];
  headings.forEach((heading, position) => {
    let end = lines.length;
    for (const next of headings.slice(position + 1)) {
      if (next.level <= heading.level || (heading.level === 6 && next.level < 6)) {
        end = next.line;
        break;
      }
    }
    const text = lines.slice(heading.line + 1, end).join('\n').trim();
    if (/^abstract\.?$/i.test(heading.title)) {
      abstract = text;
      return;
    }
    if (heading.level !== 2 && heading.level !== 3) return;
    const numbered = heading.title.match(/^((?:Appendix\s+)?[A-Z]?\d*(?:\.\d+)*)\.?\s+(.*)$/);
    const number = numbered && /\d|^[A-Z]$|^Appendix/.test(numbered[1] as string) ? (numbered[1] as string).replace(/^Appendix\s+/, '') : '';
    sections.push({ number, title: heading.title, level: heading.level, text });
  });
  const title = titleMatch ? textOf(titleMatch[1] as string).replace(/^Title:\s*/, '') : (headings.find((one) => one.level === 1)?.title ?? '');
  return { title, abstract, sections };
}

/** Find a section by number (`4`, `4.2`, `A`) or by title (exact, then substring, case-insensitive). */
export function findSection(sections: readonly PaperSection[], query: string): PaperSection | undefined {
  const wanted = query.trim().toLowerCase().replace(/^section\s+/, '');
  return (
    sections.find((section) => section.number.toLowerCase() === wanted) ??
    sections.find((section) => section.title.toLowerCase() === wanted) ??
    sections.find((section) => section.title.toLowerCase().replace(/^[\w.]+\s+/, '') === wanted) ??
    sections.find((section) => section.title.toLowerCase().includes(wanted))
  );
}
