import type { Node as SyntaxNode } from 'web-tree-sitter';
import { opaque, type Walk, type Word } from './shell-types.js';
import { hasUnparsedExpansion, wordOf } from './shell-words.js';

/**
 * Assignments and variable names: assigning a variable that changes what runs or where data
 * goes (PATH, LD_*, GIT_*…) is opaque, before a command, through `env`/`sudo` operands or
 * `export`; builtins that take variable names (`read`, `declare`, `printf -v`, `test -v`) must
 * name plain variables, since a subscript in a name is evaluated as arithmetic.
 */

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

export function isSensitiveVariable(name: string): boolean {
  return SENSITIVE_VARIABLES.has(name) || SENSITIVE_PREFIXES.some((prefix) => name.startsWith(prefix)) || SENSITIVE_SUFFIX.test(name);
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=value` before a command, on its own, or after `export`; returns the value. */
export function checkAssignment(walk: Walk, node: SyntaxNode): { text: string; dynamic: boolean } {
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
export function checkEnvironmentOperand(walk: Walk, word: Word): void {
  const name = word.text.slice(0, word.text.indexOf('='));
  if (!VARIABLE_NAME.test(name)) opaque(walk, `environment entry ${name} is not a plain variable name`);
  else if (isSensitiveVariable(name)) opaque(walk, `sets ${name}`);
}

/**
 * Builtins that take variable names (`read`, `declare`, `printf -v`…) evaluate a subscript in a
 * name as arithmetic, which runs `a[$(cmd)]`: their names must be literal, plain and not
 * sensitive; `declare -i`/`-n` make later assignments evaluate too.
 */
export const NAME_BUILTINS = new Set(['read', 'mapfile', 'readarray', 'getopts', 'unset', 'export', 'declare', 'typeset', 'local', 'readonly', 'wait']);

export function checkNameArguments(walk: Walk, program: string, words: Word[]): void {
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

export function checkNameWord(walk: Walk, program: string, text: string): void {
  const name = text.split(/\+?=/)[0] ?? '';
  if (name.includes('[') || hasUnparsedExpansion(text)) opaque(walk, `${program} with an array subscript (evaluated as arithmetic)`);
  else if (isSensitiveVariable(name)) opaque(walk, `${program} changes ${name}`);
}

/** `test -v name` / `[ -v name ]` resolve the name like `read` does. */
export function checkTestArguments(walk: Walk, words: Word[]): void {
  words.forEach((word, index) => {
    if (word.dynamic || (word.text !== '-v' && word.text !== '-R')) return;
    const operand = words[index + 1];
    if (!operand || operand.dynamic || !VARIABLE_NAME.test(operand.text)) opaque(walk, `test ${word.text} with a name that is not a plain variable`);
  });
}
