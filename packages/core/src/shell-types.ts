import type { Node as SyntaxNode, Parser as TreeSitterParser } from 'web-tree-sitter';

/**
 * The types of the shell analysis (shell-command.ts describes what it guarantees): the public
 * ones (`SimpleCommand`, `ShellAnalysis`, `CommandRule`…), the state of one walk over a parsed
 * command (`Walk`, `Word`, `Stdin`), and the three primitives every part of the walk uses:
 * `opaque` records why a command cannot be classified, `emit` records a simple command, and
 * `sameNode` compares syntax nodes.
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

/** A word of a command: its value with quotes removed, or its source text when it expands. */
export interface Word {
  text: string;
  dynamic: boolean;
  start: number;
  /** An assignment (`export A=$x`) whose name was already checked. */
  assignment?: boolean;
}

/** Where a command's standard input comes from, when it matters (a shell reading its script). */
export interface Stdin {
  /** The literal text of a heredoc or here-string; undefined when it is not literal. */
  literal: string | undefined;
}

export interface Walk {
  parser: TreeSitterParser;
  source: string;
  /** `sh` scripts (`sh -c '…'`) may run under dash, where `&>` and `|&` mean something else. */
  dialect: 'bash' | 'sh';
  depth: number;
  commands: SimpleCommand[];
  reason: string | undefined;
}

export function opaque(walk: Walk, reason: string): void {
  walk.reason ??= reason;
}

/** web-tree-sitter hands out a new object for each access: compare nodes by id. */
export function sameNode(a: SyntaxNode | null | undefined, b: SyntaxNode | null | undefined): boolean {
  return a !== null && a !== undefined && b !== null && b !== undefined && a.id === b.id;
}

export function emit(walk: Walk, words: Word[], text: string, appends: boolean): void {
  if (words.length === 0) return;
  const command: SimpleCommand = { words: words.map((word) => word.text), program: words[0]?.text ?? '', text };
  if (words.some((word) => word.dynamic)) command.dynamic = words.map((word) => word.dynamic);
  if (appends) command.appendsArguments = true;
  walk.commands.push(command);
}
