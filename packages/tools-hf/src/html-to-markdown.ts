import type TurndownService from 'turndown';

let service: Promise<TurndownService> | undefined;

/** turndown brings a whole DOM implementation with it, so it is imported on the first conversion. */
async function createService(): Promise<TurndownService> {
  const { default: Turndown } = await import('turndown');
  const turndown = new Turndown({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
  turndown.remove(['script', 'style', 'noscript', 'button', 'nav', 'footer', 'header']);
  turndown.remove((node) => node.nodeName === 'SVG' || node.nodeName === 'svg');
  // arXiv/LaTeXML formulas carry their LaTeX source in `alttext`; keep it instead of MathML text soup.
  turndown.addRule('math', {
    filter: (node) => node.nodeName.toUpperCase() === 'MATH',
    replacement: (_content, node) => {
      const latex = (node as unknown as { getAttribute(name: string): string | null }).getAttribute('alttext');
      return latex ? `$${latex}$` : '';
    },
  });
  turndown.addRule('table', {
    filter: (node) => node.nodeName === 'TABLE',
    replacement: (_content, node) => `\n\n${tableToMarkdown(node as unknown as DomNode)}\n\n`,
  });
  return turndown;
}

interface DomNode {
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

function collect(node: DomNode, names: readonly string[], found: DomNode[] = []): DomNode[] {
  for (const child of Array.from(node.childNodes)) {
    if (names.includes(child.nodeName)) found.push(child);
    else if (child.nodeName !== 'TABLE') collect(child, names, found);
  }
  return found;
}

/** A pipe table (first row as header); cell text only, pipes escaped. */
function tableToMarkdown(table: DomNode): string {
  const rows = collect(table, ['TR']).map((row) => collect(row, ['TH', 'TD']).map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')));
  const width = Math.max(0, ...rows.map((row) => row.length));
  if (width === 0) return '';
  const line = (cells: string[]) => `| ${Array.from({ length: width }, (_, index) => cells[index] ?? '').join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), `|${' --- |'.repeat(width)}`, ...body.map(line)].join('\n');
}

/** Convert an HTML fragment or page to markdown (scripts, styles and navigation dropped). */
export async function htmlToMarkdown(html: string): Promise<string> {
  service ??= createService();
  return (await service)
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
