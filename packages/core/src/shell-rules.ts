import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';
import type { CommandRule, MatchOptions, ShellAnalysis, SimpleCommand } from './shell-types.js';

/**
 * Rule patterns and how they match the simple commands of an analysis (the pattern syntax is in
 * shell-command.ts): `commandMatches` when every run-time value matches (allow),
 * `commandMayMatch` when some could (deny and ask), `evaluateCommandRules` for a rule list, and
 * `resolveProgramOnPath` for a program given by its absolute path.
 */

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

export function normaliseSpaces(text: string): string {
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
