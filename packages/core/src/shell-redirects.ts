import type { Node as SyntaxNode } from 'web-tree-sitter';
import { opaque, sameNode, type Stdin, type Walk, type Word } from './shell-types.js';
import { visitStatement } from './shell-walk.js';
import { hasUnparsedExpansion, wordOf } from './shell-words.js';

/**
 * Redirections: file redirects (output to a file is opaque unless it goes to /dev/null,
 * /dev/stdout or /dev/stderr or duplicates a descriptor), here-strings and heredocs (the
 * delimiter must end the body where bash ends it). A literal heredoc or here-string is returned
 * as the command's standard input, for a shell that reads its script from it.
 */

const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

function redirectOperator(node: SyntaxNode): string {
  for (const child of node.children) if (child && !child.isNamed) return child.type;
  return '';
}

export function isInputRedirect(node: SyntaxNode): boolean {
  return redirectOperator(node) === '<';
}

/**
 * Output to a file writes something no rule saw (`pip install x > ~/.bashrc`): opaque unless it
 * goes to /dev/null, /dev/stdout or /dev/stderr or duplicates a descriptor (`2>&1`). Returns
 * the words tree-sitter attached after the target (`cmd >/dev/null arg`): they are arguments.
 */
export function checkFileRedirect(walk: Walk, node: SyntaxNode): Word[] {
  const operator = redirectOperator(node);
  const destinations: SyntaxNode[] = [];
  for (let index = 0; index < node.childCount; index += 1) {
    const child = node.child(index);
    if (child && node.fieldNameForChild(index) === 'destination') destinations.push(child);
  }
  const [target, ...rest] = destinations;
  const targetWord = target ? wordOf(walk, target) : undefined;
  switch (operator) {
    case '<':
      break;
    case '>&':
    case '<&':
      if (!targetWord || targetWord.dynamic || !/^([0-9]+|-)$/.test(targetWord.text)) opaque(walk, `redirection ${operator} to a file`);
      break;
    case '>&-':
    case '<&-':
      break;
    case '&>':
    case '&>>':
      if (walk.dialect === 'sh') opaque(walk, '`&>` means something else in sh');
    // falls through
    case '>':
    case '>>':
    case '>|':
    case '<>':
      if (!targetWord || targetWord.dynamic || !HARMLESS_TARGETS.has(targetWord.text)) {
        opaque(walk, `writes to ${targetWord?.text ?? 'a file'} (output redirection)`);
      }
      break;
    default:
      opaque(walk, `unsupported redirection ${operator || node.text}`);
  }
  for (const child of node.namedChildren) {
    if (child && child.type !== 'file_descriptor' && !destinations.some((destination) => sameNode(destination, child))) opaque(walk, `unsupported redirection ${node.text}`);
  }
  return rest.map((word) => wordOf(walk, word));
}

export function checkHereString(walk: Walk, node: SyntaxNode): Stdin {
  const value = node.namedChildren.find((child) => child !== null);
  if (!value) return { literal: undefined };
  const word = wordOf(walk, value);
  return { literal: word.dynamic ? undefined : `${word.text}\n` };
}

export function heredocIsQuoted(redirect: SyntaxNode | null): boolean {
  const start = redirect?.children.find((child) => child?.type === 'heredoc_start');
  return start ? /['"\\]/.test(start.text) : false;
}

/**
 * `<<EOF`: the end line must be exactly the delimiter (bash is strict where tree-sitter is
 * lenient, and a body that bash ends earlier would hide commands). An unquoted body expands
 * like a double-quoted string. Returns the body as standard input when it is literal.
 */
export function checkHeredoc(walk: Walk, node: SyntaxNode, extra: Word[]): Stdin {
  const source = walk.source;
  const stripTabs = node.children.some((child) => child?.type === '<<-');
  const start = node.children.find((child) => child?.type === 'heredoc_start');
  const end = node.children.find((child) => child?.type === 'heredoc_end');
  const body = node.children.find((child) => child?.type === 'heredoc_body');
  if (!start || !end || end.isMissing) {
    opaque(walk, 'unterminated heredoc');
    return { literal: undefined };
  }
  const quoted = heredocIsQuoted(node);
  const delimiter = start.text.replace(/\\(.)|['"]/g, '$1');
  const lineStart = source.lastIndexOf('\n', end.startIndex - 1) + 1;
  const indent = source.slice(lineStart, end.startIndex);
  const endLineOk = (indent === '' || (stripTabs && /^\t+$/.test(indent))) && (end.endIndex === source.length || source[end.endIndex] === '\n');
  const bodyText = body?.text ?? '';
  const lines = bodyText.split('\n').map((line) => (stripTabs ? line.replace(/^\t+/, '') : line));
  if (end.text !== delimiter || !endLineOk || lines.includes(delimiter)) opaque(walk, 'heredoc delimiter that bash may read differently');

  let literal: string | undefined = stripTabs ? lines.join('\n') : bodyText;
  for (const child of node.namedChildren) {
    if (!child || sameNode(child, start) || sameNode(child, end)) continue;
    if (sameNode(child, body)) {
      for (const part of child.namedChildren) {
        if (!part || part.type === 'heredoc_content') continue;
        if (quoted) opaque(walk, 'unexpected expansion in a quoted heredoc');
        wordOf(walk, part);
        literal = undefined;
      }
      if (!quoted) {
        if (/[\\$`]/.test(bodyText)) literal = undefined;
        const contents = child.namedChildren.length === 0 ? [child] : child.namedChildren.filter((part) => part?.type === 'heredoc_content');
        if (contents.some((part) => part && hasUnparsedExpansion(part.text))) opaque(walk, 'expansion the parser did not read');
      }
    } else if (child.type === 'file_redirect') {
      extra.push(...checkFileRedirect(walk, child));
    } else if (child.type === 'herestring_redirect' || child.type === 'heredoc_redirect') {
      opaque(walk, 'several inputs for one command');
    } else {
      // `cat <<EOF | sh`, `cat <<EOF && rm x`: the rest of the line hangs off the heredoc.
      visitStatement(walk, child);
    }
  }
  return { literal };
}
