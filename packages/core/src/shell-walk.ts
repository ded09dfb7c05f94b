import type { Node as SyntaxNode } from 'web-tree-sitter';
import { checkFileRedirect, checkHereString, checkHeredoc, isInputRedirect } from './shell-redirects.js';
import { emit, opaque, sameNode, type Stdin, type Walk, type Word } from './shell-types.js';
import { checkAssignment, checkNameArguments, checkTestArguments, isSensitiveVariable } from './shell-variables.js';
import { wordOf } from './shell-words.js';
import { resolveCommand } from './shell-wrappers.js';

/**
 * The walk over a parsed command's statements: lists, pipelines, groups, loops, `case`,
 * function bodies, redirected statements, simple commands, declarations (`export`, `unset`) and
 * tests (`[ … ]`, `[[ … ]]`). Each simple command's words go to resolveCommand
 * (shell-wrappers.ts); a construct this walk does not know is opaque, and the commands inside
 * it are still collected for deny rules.
 */

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

export function visitStatement(walk: Walk, node: SyntaxNode): void {
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

export function visitChildren(walk: Walk, node: SyntaxNode): void {
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
