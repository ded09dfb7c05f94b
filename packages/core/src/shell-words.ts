import type { Node as SyntaxNode } from 'web-tree-sitter';
import { opaque, type Walk, type Word } from './shell-types.js';
import { visitChildren } from './shell-walk.js';

/**
 * The words of a command: quote removal for literal words, and which words are only known at
 * run time (parameter expansions, globs, `~`, braces). Command and process substitutions,
 * arithmetic and the expansions that evaluate a value as code are opaque; the commands inside
 * a substitution are still walked.
 */

/**
 * The value of a word-like node. Substitutions and arithmetic make the walk opaque (their
 * commands are still collected for deny rules); parameter expansions make the word dynamic.
 */
export function wordOf(walk: Walk, node: SyntaxNode, wordStart = true): Word {
  const word = (text: string, dynamic: boolean): Word => ({ text, dynamic, start: node.startIndex });
  switch (node.type) {
    case 'word':
      return { ...unquotedWord(walk, node.text, wordStart), start: node.startIndex };
    case 'number':
      return word(node.text, false);
    case 'raw_string':
      return word(node.text.slice(1, -1), false);
    case 'string':
      return doubleQuoted(walk, node);
    case 'concatenation':
      return concatenation(walk, node);
    case 'simple_expansion':
      return word(node.text, true);
    case 'expansion':
      checkExpansion(walk, node);
      return word(node.text, true);
    case 'ansi_c_string':
    case 'translated_string':
    case 'brace_expression':
      return word(node.text, true);
    case 'extglob_pattern':
    case 'regex':
      if (hasUnparsedExpansion(node.text)) opaque(walk, 'expansion the parser did not read');
      return word(node.text, true);
    case 'command_substitution':
      opaque(walk, 'command substitution');
      visitChildren(walk, node);
      return word(node.text, true);
    case 'process_substitution':
      opaque(walk, 'process substitution');
      visitChildren(walk, node);
      return word(node.text, true);
    case 'arithmetic_expansion':
      opaque(walk, 'arithmetic expansion');
      return word(node.text, true);
    default:
      opaque(walk, `unsupported word (${node.type})`);
      visitChildren(walk, node);
      return word(node.text, true);
  }
}

/**
 * Quote removal for an unquoted word (`r\m` is `rm`). Globs, a leading `~` (or one after `=`
 * or `:`) and braces (`{a,b}`) expand at run time: such a word is dynamic.
 */
function unquotedWord(walk: Walk, raw: string, wordStart: boolean): { text: string; dynamic: boolean } {
  if (hasUnparsedExpansion(raw)) opaque(walk, 'expansion the parser did not read');
  let text = '';
  let dynamic = false;
  for (let index = 0; index < raw.length; index += 1) {
    const char = raw[index] as string;
    if (char === '\\') {
      const next = raw[index + 1];
      index += 1;
      if (next !== undefined && next !== '\n') text += next;
      continue;
    }
    if (char === '*' || char === '?' || char === '[') dynamic = true;
    if (char === '~' && ((index === 0 && wordStart) || raw[index - 1] === '=' || raw[index - 1] === ':')) dynamic = true;
    text += char;
  }
  return { text, dynamic: dynamic || hasBraceExpansion(raw) };
}

/** `{a,b}` or `{1..3}` (conservatively: quoted commas count too); `{}` and `{x}` stay literal. */
function hasBraceExpansion(raw: string): boolean {
  return /\{[^}]*(,|\.\.)[^{]*\}/.test(raw.replace(/\\[{},.]/g, '__'));
}

/** `"…"`: backslash escapes only `$ \` " \\` and newline; expansions make it dynamic. */
function doubleQuoted(walk: Walk, node: SyntaxNode): Word {
  let text = '';
  let dynamic = false;
  for (const child of node.children) {
    if (!child || child.type === '"') continue;
    if (child.type === 'string_content') {
      if (hasUnparsedExpansion(child.text)) opaque(walk, 'expansion the parser did not read');
      text += child.text.replace(/\\([$`"\\\n])/g, (_match, escaped: string) => (escaped === '\n' ? '' : escaped));
    } else if (!child.isNamed) {
      text += child.text; // a lone `$`
    } else {
      wordOf(walk, child);
      dynamic = true;
      text += child.text;
    }
  }
  return dynamic ? { text: node.text, dynamic, start: node.startIndex } : { text, dynamic, start: node.startIndex };
}

function concatenation(walk: Walk, node: SyntaxNode): Word {
  let text = '';
  let dynamic = false;
  let first = true;
  for (const child of node.namedChildren) {
    if (!child) continue;
    const part = wordOf(walk, child, first);
    first = false;
    text += part.text;
    dynamic ||= part.dynamic;
  }
  // `{a,b}` arrives as the parts `{`, `a,b`, `}`.
  dynamic ||= hasBraceExpansion(node.text);
  return { text: dynamic ? node.text : text, dynamic, start: node.startIndex };
}

const EXPANSION_OPERATORS = new Set(['${', '}', '#', '##', '%', '%%', '/', '//', '/#', '/%', '-', ':-', '=', ':=', '+', ':+', '?', ':?', '^', '^^', ',', ',,']);

/**
 * `${name…}` forms that only read variables. Indirection (`${!x}`), offsets (`${x:1}`),
 * transformations (`${x@P}`) and computed subscripts evaluate a value as arithmetic or prompt
 * code, where a planted `a[$(cmd)]` runs: those are opaque.
 */
function checkExpansion(walk: Walk, node: SyntaxNode): void {
  for (const child of node.children) {
    if (!child) continue;
    if (!child.isNamed) {
      if (!EXPANSION_OPERATORS.has(child.type)) opaque(walk, `parameter expansion with ${child.type}`);
    } else if (child.type === 'subscript') {
      const index = child.childForFieldName('index');
      if (!index || !/^(@|\*|[0-9]+)$/.test(index.text)) opaque(walk, 'array subscript (evaluated as arithmetic)');
    } else if (child.type !== 'variable_name' && child.type !== 'special_variable_name') {
      wordOf(walk, child);
    }
  }
}

/** `$(`, backticks, `${`, `$[`, `<(`, `>(` outside quotes in text the parser kept as a leaf. */
export function hasUnparsedExpansion(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') {
      index += 1;
      continue;
    }
    const next = text[index + 1];
    if (char === '`') return true;
    if (char === '$' && (next === '(' || next === '{' || next === '[')) return true;
    if ((char === '<' || char === '>') && next === '(') return true;
  }
  return false;
}
