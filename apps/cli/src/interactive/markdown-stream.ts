import { lexMarkdownBlocks, type MarkdownRender } from './markdown-renderer.js';

/**
 * Renders streamed markdown block by block: text is held until the block it belongs to is
 * complete (another block has started after it), then that block is rendered once. Nothing is
 * re-rendered per token, and a half-written code fence or table is never shown half-formatted.
 */
export class MarkdownStream {
  readonly #render: MarkdownRender;
  #pending = '';

  constructor(render: MarkdownRender) {
    this.#render = render;
  }

  /** Add streamed text; returns the rendering of the blocks it completed (often empty). */
  push(text: string): string {
    this.#pending += text.replace(/\r\n?/g, '\n');
    // A block can only end at a line break, so text without one cannot complete anything.
    if (!text.includes('\n')) return '';
    const complete = this.#completeBlocks();
    if (!complete) return '';
    this.#pending = this.#pending.slice(complete.length);
    return this.#render(complete);
  }

  /** The end of the message: render whatever is left. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = '';
    return rest.trim() ? this.#render(rest) : '';
  }

  /** Source of the leading blocks that later text can no longer change. */
  #completeBlocks(): string {
    const blocks = lexMarkdownBlocks(this.#pending);
    // The lexer drops some source (link reference definitions); without an exact cover of the
    // text, wait for the end of the message rather than risk cutting a block in two.
    if (blocks.map((block) => block.raw).join('') !== this.#pending) return '';
    let last = blocks.length - 1;
    while (last >= 0 && blocks[last]?.type === 'space') last -= 1;
    // Everything before the last real block is complete: a block that follows blank lines (a
    // loose list item, a lazy continuation) is still part of the last one until another starts.
    if (last <= 0) return '';
    return blocks
      .slice(0, last)
      .map((block) => block.raw)
      .join('');
  }
}
