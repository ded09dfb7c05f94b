import TurndownService from 'turndown';

let service: TurndownService | undefined;

function createService(): TurndownService {
  const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
  turndown.remove(['script', 'style', 'noscript', 'button', 'nav', 'footer', 'header']);
  turndown.remove((node) => node.nodeName === 'SVG' || node.nodeName === 'svg');
  // arXiv/LaTeXML formulas carry their LaTeX source in `alttext`; keep it instead of MathML text soup.
  turndown.addRule('math', {
    filter: (node) => node.nodeName === 'MATH',
    replacement: (_content, node) => {
      const latex = (node as unknown as { getAttribute(name: string): string | null }).getAttribute('alttext');
      return latex ? `$${latex}$` : '';
    },
  });
  return turndown;
}

/** Convert an HTML fragment or page to markdown (scripts, styles and navigation dropped). */
export function htmlToMarkdown(html: string): string {
  service ??= createService();
  return service
    .turndown(html)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Decode the common HTML entities of a short text. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : match;
    }
    return ENTITIES[entity.toLowerCase()] ?? match;
  });
}

/** Text content of a small HTML fragment (tags removed, entities decoded, whitespace collapsed). */
export function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}
