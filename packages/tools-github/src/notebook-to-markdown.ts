/** A Jupyter notebook rendered as markdown. */
export interface RenderedNotebook {
  markdown: string;
  cellCount: number;
  language: string;
}

type MultilineText = string | string[] | undefined;

interface NotebookOutput {
  output_type?: string;
  name?: string;
  text?: MultilineText;
  data?: Record<string, MultilineText>;
  ename?: string;
  evalue?: string;
}

interface NotebookCell {
  cell_type?: string;
  source?: MultilineText;
  outputs?: NotebookOutput[];
  // nbformat 3 kept code in `input`.
  input?: MultilineText;
}

interface Notebook {
  cells?: NotebookCell[];
  worksheets?: { cells?: NotebookCell[] }[];
  metadata?: { kernelspec?: { language?: string }; language_info?: { name?: string } };
}

/** Characters of one cell output kept (outputs can be megabytes of logs). */
const MAX_OUTPUT_CHARS = 2000;

function joinText(text: MultilineText): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

/** A fence longer than any backtick run inside `text`, so code containing ``` stays intact. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(longest + 1);
}

function fenced(text: string, language = ''): string {
  const body = text.replace(/\s+$/, '');
  const fence = fenceFor(body);
  return `${fence}${language}\n${body}\n${fence}`;
}

function capOutput(text: string): string {
  if (text.length <= MAX_OUTPUT_CHARS) return text;
  return `${text.slice(0, MAX_OUTPUT_CHARS)}\n… [${text.length - MAX_OUTPUT_CHARS} more characters of output]`;
}

function renderOutput(output: NotebookOutput): string | undefined {
  switch (output.output_type) {
    case 'stream':
      return fenced(capOutput(joinText(output.text)));
    case 'error':
      return fenced(`${output.ename ?? 'Error'}: ${output.evalue ?? ''}`);
    case 'execute_result':
    case 'display_data':
    case 'pyout': {
      const data = output.data ?? {};
      if (data['text/markdown'] !== undefined) return capOutput(joinText(data['text/markdown']));
      if (data['text/plain'] !== undefined) return fenced(capOutput(joinText(data['text/plain'])));
      const kinds = Object.keys(data).filter((kind) => kind.startsWith('image/') || kind === 'text/html' || kind.startsWith('application/'));
      return kinds.length > 0 ? `*[${kinds.join(', ')} output not shown]*` : undefined;
    }
    default:
      return output.text === undefined ? undefined : fenced(capOutput(joinText(output.text)));
  }
}

/**
 * Render a Jupyter notebook (nbformat 3 or 4) as markdown: markdown cells as they are, code cells
 * fenced in the kernel's language, text outputs fenced below them (capped), rich outputs named.
 * Throws a SyntaxError when `source` is not notebook JSON.
 */
export function notebookToMarkdown(source: string): RenderedNotebook {
  const notebook = JSON.parse(source) as Notebook;
  const cells = notebook.cells ?? notebook.worksheets?.flatMap((sheet) => sheet.cells ?? []);
  if (!Array.isArray(cells)) throw new SyntaxError('not a Jupyter notebook: no cells');
  const language = notebook.metadata?.kernelspec?.language ?? notebook.metadata?.language_info?.name ?? 'python';
  const blocks: string[] = [];
  for (const cell of cells) {
    const text = joinText(cell.source ?? cell.input);
    if (cell.cell_type === 'markdown' || cell.cell_type === 'heading') {
      if (text.trim()) blocks.push(text.trim());
    } else if (cell.cell_type === 'code') {
      if (text.trim()) blocks.push(fenced(text, language));
      for (const output of cell.outputs ?? []) {
        const rendered = renderOutput(output);
        if (rendered) blocks.push(`Output:\n${rendered}`);
      }
    } else if (text.trim()) {
      blocks.push(fenced(text));
    }
  }
  return { markdown: blocks.join('\n\n'), cellCount: cells.length, language };
}
