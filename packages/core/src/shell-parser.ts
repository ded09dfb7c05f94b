import { createRequire } from 'node:module';
import type { Node as SyntaxNode, TreeCursor, Parser as TreeSitterParser } from 'web-tree-sitter';
import { heredocIsQuoted } from './shell-redirects.js';
import { opaque, type ShellAnalysis, type ShellParser, type Walk } from './shell-types.js';
import { visitStatement } from './shell-walk.js';

/**
 * Loading web-tree-sitter and the bash grammar (`loadShellParser`), and parsing a command, or
 * the script of a nested `bash -c`, before the walk (shell-walk.ts) reads its statements. Text
 * that tree-sitter and bash may read differently is opaque here: control characters, text the
 * parser skipped and line continuations inside words.
 */

/** Commands longer than this are not parsed (opaque): a rule decision needs no 20 MB command. */
const MAX_COMMAND_CHARS = 64 * 1024;

let parserPromise: Promise<ShellParser> | undefined;

/**
 * The bash parser (memoised). web-tree-sitter and tree-sitter-bash ship prebuilt WebAssembly;
 * both files are resolved from this module's location, so this works from the sources and from
 * a bundle that keeps the two packages external (installed next to it by npm).
 */
export function loadShellParser(): Promise<ShellParser> {
  parserPromise ??= createShellParser().catch((error: unknown) => {
    parserPromise = undefined;
    throw error;
  });
  return parserPromise;
}

async function createShellParser(): Promise<ShellParser> {
  const moduleRequire = createRequire(import.meta.url);
  const runtimeWasm = moduleRequire.resolve('web-tree-sitter/tree-sitter.wasm');
  const bashWasm = moduleRequire.resolve('tree-sitter-bash/tree-sitter-bash.wasm');
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init({ locateFile: () => runtimeWasm });
  const language = await Language.load(bashWasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return { analyze: (command) => analyzeShellCommand(parser, command) };
}

function analyzeShellCommand(parser: TreeSitterParser, command: string): ShellAnalysis {
  const walk: Walk = { parser, source: command, dialect: 'bash', depth: 0, commands: [], reason: undefined };
  try {
    analyzeSource(walk, command);
  } catch (error) {
    // Pathological nesting can exhaust the stack of the recursive walk: never a reason to allow.
    if (!(error instanceof RangeError)) throw error;
    opaque(walk, 'command nested too deeply to analyse');
  }
  if (walk.reason !== undefined) return { kind: 'opaque', reason: walk.reason, partialCommands: walk.commands };
  return { kind: 'commands', commands: walk.commands };
}

/** Parse `source` (the command, or the script of a nested `bash -c`) into `walk.commands`. */
export function analyzeSource(walk: Walk, source: string): void {
  if (source.length > MAX_COMMAND_CHARS) return opaque(walk, `command longer than ${MAX_COMMAND_CHARS} characters`);
  // bash reads a NUL as the end of the string and control characters as parts of words, where
  // tree-sitter may see whitespace: only tab and newline are accepted.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(source)) return opaque(walk, 'control character in the command');
  const tree = walk.parser.parse(source);
  if (!tree) return opaque(walk, 'the command could not be parsed');
  const outer = walk.source;
  walk.source = source;
  try {
    const root = tree.rootNode;
    if (root.hasError) opaque(walk, 'syntax error (the shell may read it differently)');
    checkCoverage(walk, tree.walk());
    checkLineContinuations(walk, root);
    visitStatement(walk, root);
  } finally {
    walk.source = outer;
    tree.delete();
  }
}

/**
 * Every character bash reads must be in the tree: tree-sitter can drop a token it did not
 * expect (the `-` of `python - <<EOF`), and a rule must not match a command that lost a word.
 * Whitespace, line continuations, comments and heredoc bodies aside, text outside every leaf
 * token is opaque.
 */
function checkCoverage(walk: Walk, cursor: TreeCursor): void {
  const source = walk.source;
  const covered = new Uint8Array(source.length);
  try {
    let descend = true;
    for (;;) {
      const type = cursor.nodeType;
      const data = type === 'heredoc_body' || type === 'comment';
      if (data || (descend && !cursor.gotoFirstChild())) {
        covered.fill(1, cursor.startIndex, cursor.endIndex);
      } else if (descend) {
        continue;
      }
      if (cursor.gotoNextSibling()) {
        descend = true;
        continue;
      }
      if (!cursor.gotoParent()) break;
      descend = false;
    }
  } finally {
    cursor.delete();
  }
  for (let index = 0; index < source.length; index += 1) {
    if (covered[index]) continue;
    const char = source[index];
    if (char === ' ' || char === '\t' || char === '\n') continue;
    if (char === '\\' && source[index + 1] === '\n') {
      index += 1;
      continue;
    }
    return opaque(walk, `text the parser skipped (${JSON.stringify(source.slice(index, index + 20))})`);
  }
}

/**
 * tree-sitter reads a backslash-newline as whitespace, bash removes it and joins what is on
 * either side (`r\<newline>m` is `rm`, `$\<newline>(id)` is a command substitution). A line
 * continuation is accepted only where that makes no difference: next to a blank, or inside a
 * literal (single quotes, a comment, a quoted heredoc).
 */
function checkLineContinuations(walk: Walk, root: SyntaxNode): void {
  const source = walk.source;
  for (let index = source.indexOf('\\\n'); index !== -1; index = source.indexOf('\\\n', index + 2)) {
    let backslashes = 1;
    while (source[index - backslashes] === '\\') backslashes += 1;
    if (backslashes % 2 === 0) continue; // `\\` then a real newline
    let literal = false;
    for (let node: SyntaxNode | null = root.descendantForIndex(index, index + 1); node; node = node.parent) {
      if (node.type === 'raw_string' || node.type === 'comment') literal = true;
      if (node.type === 'heredoc_body') {
        if (heredocIsQuoted(node.parent)) literal = true;
        else return opaque(walk, 'line continuation inside a heredoc');
      }
      if (literal) break;
    }
    if (literal) continue;
    const before = source[index - 1];
    const after = source[index + 2];
    const blank = (char: string | undefined) => char === undefined || char === ' ' || char === '\t' || char === '\n';
    if (!blank(before) && !blank(after)) return opaque(walk, 'line continuation inside a word');
  }
}
