import { describe, expect, it } from 'vitest';
import { createMarkdownRenderer } from './markdown-renderer.js';
import { MarkdownStream } from './markdown-stream.js';
import { createTerminalStyle } from './terminal-style.js';

/** Streams `chunks` and records what each push (and the final flush) rendered. */
function stream(chunks: string[]): string[] {
  const renders: string[] = [];
  const markdown = new MarkdownStream((source) => {
    renders.push(source);
    return `<${source}>`;
  });
  const outputs = chunks.map((chunk) => markdown.push(chunk));
  outputs.push(markdown.flush());
  expect(outputs.filter(Boolean)).toEqual(renders.map((source) => `<${source}>`));
  return renders;
}

describe('MarkdownStream', () => {
  it('renders a block once, when the next block starts', () => {
    const renders = stream(['# Ti', 'tle\n', '\nFirst para', 'graph.\n\nSec', 'ond', ' one.']);
    expect(renders).toEqual(['# Title\n\n', 'First paragraph.\n\n', 'Second one.']);
  });

  it('keeps a code fence whole even across blank lines inside it', () => {
    const renders = stream(['Intro:\n\n```python\nx = 1\n', '\n\ny = 2\n', '```\n', '\nAfter.']);
    expect(renders).toEqual(['Intro:\n\n', '```python\nx = 1\n\n\ny = 2\n```\n\n', 'After.']);
  });

  it('keeps a loose list together while items keep coming', () => {
    const renders = stream(['- a\n\n', '- b\n\n', '- c\n\nEnd.']);
    expect(renders).toEqual(['- a\n\n- b\n\n- c\n\n', 'End.']);
  });

  it('waits for the end when the lexer does not account for every character', () => {
    // Link reference definitions leave no token behind, so block boundaries are unknown.
    const renders = stream(['See [docs][1].\n\n', '[1]: https://huggingface.co/docs\n\n', 'More text.\n\nLast.']);
    expect(renders).toEqual(['See [docs][1].\n\n[1]: https://huggingface.co/docs\n\nMore text.\n\nLast.']);
  });

  it('prints the same text streamed in small pieces as rendered whole', () => {
    const style = createTerminalStyle(false);
    const render = createMarkdownRenderer({ style, width: 80 });
    const document = [
      '## Plan',
      '',
      'We fine-tune **SmolLM2** on the `imdb` dataset, then push it.',
      '',
      '1. Load the data',
      '2. Train with `trl`',
      '',
      '```bash',
      'hf jobs run --flavor a10g-small python train.py',
      '```',
      '',
      '| metric | value |',
      '|---|---|',
      '| accuracy | 0.93 |',
      '',
      '> Note: checkpoints go to the Hub.',
      '',
      'Done.',
    ].join('\n');
    const markdown = new MarkdownStream(render);
    const pieces: string[] = [];
    for (let index = 0; index < document.length; index += 7) pieces.push(markdown.push(document.slice(index, index + 7)));
    pieces.push(markdown.flush());
    const blocks = pieces.filter(Boolean);
    expect(blocks.length).toBeGreaterThan(4);
    const normalise = (text: string) => text.replace(/\n{3,}/g, '\n\n').trim();
    expect(normalise(blocks.join(''))).toBe(normalise(render(document)));
  });
});
