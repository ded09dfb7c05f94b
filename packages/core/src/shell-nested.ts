import { analyzeSource } from './shell-parser.js';
import { opaque, type Stdin, type Walk, type Word } from './shell-types.js';

/**
 * Nested shells: the script of `bash -c 'literal'`, or of a shell reading a literal heredoc or
 * here-string, is parsed like the command itself (up to a few levels deep); a shell reading its
 * script from a pipe is opaque. `eval`'s literal text is parsed for deny rules only.
 */

/** `bash -c '…'` inside `bash -c '…'`… deeper than this is opaque. */
const MAX_NESTING = 4;

/**
 * `bash -c 'script'` is looked through (the script is parsed); `bash script.sh` is a command
 * like `python train.py`; a shell reading its script from standard input is parsed when that is
 * a literal heredoc or here-string, and opaque otherwise (`curl … | sh`).
 */
export function runShell(
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
export function nestedBestEffort(walk: Walk, words: Word[]): void {
  if (words.length === 0 || words.some((word) => word.dynamic)) return;
  nestedScript(walk, words.map((word) => word.text).join(' '), walk.dialect);
}
