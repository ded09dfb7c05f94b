import path from 'node:path';
import { runShell, nestedBestEffort } from './shell-nested.js';
import { emit, opaque, type Stdin, type Walk, type Word } from './shell-types.js';
import { checkEnvironmentOperand, checkNameArguments, checkNameWord, checkTestArguments, NAME_BUILTINS } from './shell-variables.js';

/**
 * From a simple command's words to the program that runs: wrappers (env, nice, timeout, xargs,
 * exec…) are looked through by their known options, privileged wrappers (sudo, doas) and
 * wrappers run by path are commands of their own too, shells go to shell-nested.ts, and
 * builtins that run text as code (eval, trap, alias…) are opaque.
 */

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
export function resolveCommand(walk: Walk, initial: Word[], text: string, stdin: Stdin | undefined): void {
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
