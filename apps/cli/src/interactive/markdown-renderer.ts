import { Lexer, Marked, type MarkedExtension, type Tokens } from 'marked';
import { markedTerminal } from 'marked-terminal';
import type { TerminalStyle } from './terminal-style.js';

/** Turns a piece of markdown into text for the terminal. */
export type MarkdownRender = (markdown: string) => string;

/** Colours and width of the markdown renderer. */
export interface MarkdownRendererOptions {
  style: TerminalStyle;
  /** Terminal width in columns (paragraph wrapping, horizontal rules), read at each render. */
  width: number | (() => number);
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

/**
 * Markdown for a terminal through marked-terminal, with every colour taken from `style` so that
 * `NO_COLOR` and non-terminal output are honoured regardless of what chalk detects on stdout.
 */
export function createMarkdownRenderer(options: MarkdownRendererOptions): MarkdownRender {
  const columns = typeof options.width === 'function' ? options.width : () => options.width as number;
  let current: { width: number; render: MarkdownRender } | undefined;
  return (markdown) => {
    const width = columns();
    // Rebuilt only when the terminal was resized.
    if (current?.width !== width) current = { width, render: createFixedWidthRenderer(options.style, width) };
    return current.render(markdown);
  };
}

function createFixedWidthRenderer(style: TerminalStyle, width: number): MarkdownRender {
  const plain = (text: string) => text;
  const terminalOptions = {
    code: style.yellow,
    blockquote: (text: string) => style.gray(style.italic(text)),
    html: style.gray,
    heading: (text: string) => style.green(style.bold(text)),
    firstHeading: (text: string) => style.magenta(style.bold(text)),
    hr: plain,
    listitem: plain,
    table: plain,
    paragraph: plain,
    strong: style.bold,
    em: style.italic,
    codespan: style.yellow,
    del: (text: string) => style.dim(style.strikethrough(text)),
    link: style.blue,
    href: (text: string) => style.blue(style.underline(text)),
    text: plain,
    emoji: false,
    // Wrap paragraphs at word boundaries (the terminal would cut words in two).
    reflowText: true,
    width: Math.max(20, width - 2),
    // Without colours, "## " is what still marks a heading.
    showSectionPrefix: !style.enabled,
    tab: 2,
    tableOptions: style.enabled ? {} : { style: { head: [], border: [] } },
  };
  const overrides: MarkedExtension = {
    renderer: {
      // marked 15 hands list-item text over as a token with inline children; marked-terminal
      // prints its raw source (`**bold**`), so render the children here.
      text(token) {
        if ('tokens' in token && token.tokens) return this.parser.parseInline(token.tokens);
        return false;
      },
      // Plain "text (url)": terminal hyperlink support is detected on process.stdout, which is
      // not necessarily where this output goes.
      link(token: Tokens.Link) {
        const text = this.parser.parseInline(token.tokens);
        const href = style.blue(style.underline(token.href));
        return text && text !== token.href ? `${text} (${href})` : href;
      },
      hr() {
        return `${style.dim('─'.repeat(Math.max(3, Math.min(width, 80))))}\n\n`;
      },
      // Without colours, skip syntax highlighting (it colours through chalk's own detection).
      code(token: Tokens.Code) {
        if (style.enabled) return false;
        return `${indent(token.text, 2)}\n\n`;
      },
    },
  };
  const marked = new Marked(markedTerminal(terminalOptions), overrides);
  return (markdown) => marked.parse(markdown, { async: false });
}

/** The top-level blocks of some markdown, each with its exact source text. */
export function lexMarkdownBlocks(markdown: string): { type: string; raw: string }[] {
  return Lexer.lex(markdown).map((token) => ({ type: token.type, raw: token.raw }));
}
