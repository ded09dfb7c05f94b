/**
 * Secrets given by name: `api_key = "…"`, `{"password": "…"}`, `HF_TOKEN=…`, `--token …`,
 * `Authorization: Bearer …`, `password …` in a .netrc, `?access_token=…` in a URL.
 *
 * One case-insensitive scan finds key names that end in a secret word (`token`, `key`, `secret`,
 * `password`, …); a small parser then reads what follows the name. It fires only on a literal
 * value — a quoted string, an environment/YAML/INI value running to the end of its line, a URL
 * parameter, a command-line flag argument — and never on an identifier (`api_key=api_key`), an
 * attribute access (`pad_token = tokenizer.eos_token`), a call or subscript
 * (`api_key=os.environ["X"]`), or a placeholder (`${HF_TOKEN}`, `<pad>`, `your-key-here`).
 *
 * Unambiguous names (`password`, `client_secret`, `api_key`, `access_token`, …) make any literal of
 * 8+ characters a secret; a name that merely ends in token/key/secret (`pad_token`, `cache_key`)
 * needs a literal that also looks random (no dictionary-like words, mixed character classes,
 * Shannon entropy ≥ 3 bits a character), as gitleaks' generic rule does.
 */
import type { SpanSink } from './redaction-formats.js';

export type KeyStrength = 'strong' | 'weak';

/**
 * Operators (`=`, `:`, `,` in an argument list) preceded by a secret word a key name can end in
 * (capture group 1), an optional closing quote and `]`, and blanks. Scanning for the operator and
 * checking the word behind it is ~2x faster than scanning for the words, which are everywhere in
 * ML output. Case-insensitive; read a hit with {@link operatorAt}.
 */
export const OPERATOR_PATTERN = '[:=,](?<=(token|key|secret|passw(?:or)?d|passphrase|credentials?|auth|pwd|authorization)(?:\\\\{0,7}["\'`]\\]?)?[ \\t]*.)';
/**
 * Secret words followed by a blank: `Bearer X`, a .netrc `password X`, a flag `--api-key X`.
 * Case-insensitive, no capture groups; read a hit with {@link blankAt}.
 */
export const BLANK_PATTERN = '(?:bearer|passw(?:or)?d|(?<![\\w-])--?(?:[A-Za-z0-9][A-Za-z0-9_-]{0,40}?)?(?:token|key|secret|passw(?:or)?d|passphrase|auth))(?=[ \\t])';

/** Names whose literal values are always secrets. `password`-like words match without `_` too. */
const STRONG_SUFFIXES = [
  'client_secret',
  'secret_key',
  'private_key',
  'api_key',
  'apikey',
  'access_token',
  'auth_token',
  'api_token',
  'refresh_token',
  'secret_access_key',
  'api_secret',
  'app_secret',
  'hf_token',
  'hub_token',
  'bearer_token',
  'bot_token',
  'private_token',
];
const PASSWORD_WORDS = ['password', 'passwd', 'passphrase'];
/** Names that end in a secret word but never hold one (tokenizer special tokens, index keys). */
const NEVER_SECRET = /(?:^|_)(?:(?:pad|eos|bos|unk|sep|cls|mask|start|end|stop|special|im_start|im_end|eot|boi|eoi|image|audio|video)_token|(?:primary|foreign|sort|partition|rng|prng|dict)_key)$/;
/** Flag names that are secrets on their own: `--token X`, `--secret X`. */
const FLAG_STRONG = new Set(['token', 'secret', 'auth']);

/** Normalise a key (`--hf-token`, `apiKey`, `X-API-Key`) to snake_case lowercase. */
export function normalizeKey(raw: string): string {
  return raw
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/-/g, '_');
}

/** How strongly a key name says its value is a secret; undefined when it says nothing. */
export function keyStrength(raw: string): KeyStrength | undefined {
  const name = normalizeKey(raw);
  if (NEVER_SECRET.test(name)) return undefined;
  if (PASSWORD_WORDS.some((word) => name.endsWith(word))) return 'strong';
  if (STRONG_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`_${suffix}`))) return 'strong';
  if (/(?:token|key|secret|credentials?|auth|pwd)$/.test(name)) return 'weak';
  return undefined;
}

const PLACEHOLDER_START = /^(?:\$|%\(|<|\[|\{|\*|\.{3}|…|x{4}|X{4}|(?:your|my|enter|insert|replace|put|paste|add|the)(?:[-_ ]|$))/i;
const PLACEHOLDER_ANYWHERE = /[{}]|\$\(|\*{3}|\.{3}|…|(.)\1{5}|(?:^|[-_ .])(?:here|placeholder|example|dummy|redacted|todo|fixme|changeme|change_me)(?:$|[-_ .])/i;
const PLACEHOLDER_WORDS = new Set([
  'none', 'null', 'nil', 'undefined', 'true', 'false', 'yes', 'no', 'empty', 'default', 'required', 'optional',
  'string', 'str', 'bytes', 'secret', 'password', 'passwd', 'token', 'test', 'testing', 'changeme', 'self', 'this', 'env', 'unset', 'missing', 'hidden', 'masked',
]);

/** Templates, masks, examples and names standing in for a value rather than being one. */
export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER_START.test(value) || PLACEHOLDER_ANYWHERE.test(value)) return true;
  if (PLACEHOLDER_WORDS.has(value.toLowerCase())) return true;
  // An environment-variable or metavar name: HF_TOKEN, YOUR_API_KEY, API_KEY_HERE.
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value)) return true;
  return distinctChars(value, 4) < 4;
}

function distinctChars(value: string, enough: number): number {
  const seen = new Set<string>();
  for (const char of value) {
    seen.add(char);
    if (seen.size >= enough) break;
  }
  return seen.size;
}

const WORDY_PART = /^[0-9]{0,4}[A-Za-z]+[0-9]{0,4}$|^[0-9]+$/;

/**
 * Made of words: every part between separators is a word with at most a few leading or trailing
 * digits (`llama3`, `7b`, `v2`, `2024`), with word-like casing (`postgres`, `SecretStr`,
 * `apiKey`, `HTTP`). Random strings mix digits into the middle or change case constantly.
 */
export function isWordy(value: string): boolean {
  const parts = value.split(/[-_./:@+~]+/);
  for (const part of parts) {
    if (part === '') continue;
    if (!WORDY_PART.test(part)) return false;
    let rises = 0;
    for (let index = 1; index < part.length; index += 1) {
      const before = part.charCodeAt(index - 1);
      const code = part.charCodeAt(index);
      if (before >= 97 && before <= 122 && code >= 65 && code <= 90) rises += 1;
    }
    if (rises > 3) return false;
  }
  return true;
}

function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Looks like generated key material rather than a name, a word or a path. */
export function looksRandom(value: string): boolean {
  if (value.length < 10) return false;
  const classes = (/[a-z]/.test(value) ? 1 : 0) + (/[A-Z]/.test(value) ? 1 : 0) + (/[0-9]/.test(value) ? 1 : 0);
  if (classes < 2 || isWordy(value) || isPlaceholder(value)) return false;
  return entropy(value) >= 3;
}

/** Whether a literal found under a key of this strength is a secret. */
export function isSecretLiteral(value: string, strength: KeyStrength): boolean {
  if (strength === 'weak') return looksRandom(value);
  return value.length >= 8 && !isPlaceholder(value);
}

/** A dotted chain of word-like identifiers: an attribute access (`tokenizer.eos_token`). */
function isAttributeChain(value: string): boolean {
  if (!/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  return value.split('.').every(isWordy);
}

const MAX_VALUE = 512;
const TYPE_ANNOTATION = /[ \t]*[A-Za-z_][\w.]*(?:\[[^\]\n]{0,80}\])?(?:[ \t]*\|[ \t]*[A-Za-z_][\w.]*(?:\[[^\]\n]{0,80}\])?)*[ \t]*=(?![=>])[ \t]*/y;

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11;
}

/** Characters that end an unquoted value. */
function endsUnquoted(code: number): boolean {
  // whitespace " ' ` , ; ( ) [ ] { } < > | & \
  return (
    isWhitespace(code) ||
    code === 34 || code === 39 || code === 96 || code === 44 || code === 59 || code === 40 || code === 41 ||
    code === 91 || code === 93 || code === 123 || code === 125 || code === 60 || code === 62 || code === 124 ||
    code === 38 || code === 92 || Number.isNaN(code)
  );
}

interface Quote {
  /** Length of the quote: 1, or more for an escaped one (`\"` in a JSON string, `\\\"` twice). */
  length: number;
  char: number;
}

function isQuoteChar(code: number): boolean {
  return code === 34 || code === 39 || code === 96;
}

/** A quote at `index`, possibly escaped with backslashes (a string inside a JSON string). */
function quoteAt(text: string, index: number): Quote | undefined {
  let at = index;
  while (text.charCodeAt(at) === 92 /* \ */ && at - index < 7) at += 1;
  const code = text.charCodeAt(at);
  if (!isQuoteChar(code) || (at > index && code === 96)) return undefined;
  return { length: at - index + 1, char: code };
}

/** The plain or escaped quote whose quote character is at `index`. */
function quoteEndingAt(text: string, index: number): Quote | undefined {
  const code = text.charCodeAt(index);
  if (!isQuoteChar(code)) return undefined;
  let at = index;
  while (at > 0 && text.charCodeAt(at - 1) === 92 && index - at < 7) at -= 1;
  return { length: index - at + 1, char: code };
}

function isStringPrefix(code: number): boolean {
  // b B r R u U f F
  return code === 98 || code === 66 || code === 114 || code === 82 || code === 117 || code === 85 || code === 102 || code === 70;
}

/** A quoted literal at `index` (after an optional string prefix such as `b` or `r`): its range. */
function quotedValue(text: string, index: number): [number, number] | undefined {
  let at = index;
  let quote = quoteAt(text, at);
  if (!quote) {
    // A string prefix: b"…", r'…', rb"…", f"…" (an f-string holds {placeholders}).
    while (at < index + 2 && isStringPrefix(text.charCodeAt(at))) at += 1;
    if (at === index) return undefined;
    quote = quoteAt(text, at);
  }
  if (!quote) return undefined;
  const start = at + quote.length;
  const limit = Math.min(text.length, start + MAX_VALUE);
  for (let position = start; position < limit; position += 1) {
    const code = text.charCodeAt(position);
    if (isWhitespace(code)) return undefined;
    if (quote.length > 1) {
      if (code === 92) {
        // The closing quote has the same escaping as the opening one.
        const closing = quoteAt(text, position);
        if (closing && closing.char === quote.char && closing.length === quote.length) return [start, position];
        return undefined;
      }
    } else if (code === quote.char) {
      return [start, position];
    }
  }
  return undefined;
}

/** & | < > ; , — they end a shell word but may sit inside a YAML or INI value. */
function isInnerPunctuation(code: number): boolean {
  return code === 38 || code === 124 || code === 60 || code === 62 || code === 59 || code === 44;
}

/** Extend an unquoted value over everything but blanks, quotes and backslashes. */
function blankEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_VALUE);
  let position = from;
  while (position < limit) {
    const code = text.charCodeAt(position);
    if (isWhitespace(code) || isQuoteChar(code) || code === 92) break;
    position += 1;
  }
  return position;
}

function unquotedEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + MAX_VALUE);
  let position = start;
  while (position < limit && !endsUnquoted(text.charCodeAt(position))) position += 1;
  return position;
}

/** After a value: only blanks, then the end of the line, a comment or the end of a quoted string. */
function atLineEnd(text: string, from: number): boolean {
  let position = from;
  while (isSpace(text.charCodeAt(position))) position += 1;
  if (position >= text.length) return true;
  const code = text.charCodeAt(position);
  // \n \r # \ (an escaped newline inside a JSON string) " ' `
  return code === 10 || code === 13 || code === 35 || code === 92 || code === 34 || code === 39 || code === 96;
}

/** Start of the key name that ends at `end` (letters, digits, `_`, `-`). */
function keyStart(text: string, end: number): number {
  let position = end;
  const limit = Math.max(0, end - 96);
  while (position > limit) {
    const code = text.charCodeAt(position - 1);
    const word = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45;
    if (!word) break;
    position -= 1;
  }
  return position;
}

/** The text between the start of the line (at most 200 characters back) and `index`. */
function linePrefix(text: string, index: number): string {
  let position = index;
  const limit = Math.max(0, index - 200);
  while (position > limit && text.charCodeAt(position - 1) !== 10) position -= 1;
  return text.slice(position, index);
}

const NETRC_PREFIX = /^\s*$|(?:^|\s)login\s+\S+\s+$/;
const SCHEME = /[A-Za-z]{2,10}[ \t]+(?=[A-Za-z0-9._~+/=-])/y;
const CREDENTIAL_RUN = /[A-Za-z0-9._~+/=-]+/y;

/** `Bearer X`, `Authorization: [scheme] X`: the credential after the scheme word. */
function headerCredential(text: string, valueStart: number, withScheme: boolean, sink: SpanSink): number {
  let at = valueStart;
  const quote = quoteAt(text, at);
  if (quote) at += quote.length;
  if (withScheme) {
    SCHEME.lastIndex = at;
    const scheme = SCHEME.exec(text);
    if (scheme) at += scheme[0].length;
  }
  CREDENTIAL_RUN.lastIndex = at;
  const run = CREDENTIAL_RUN.exec(text);
  if (!run) return valueStart;
  const value = run[0];
  if (value.length >= 8 && !isPlaceholder(value) && !isWordy(value)) sink.push(at, at + value.length);
  return at + value.length;
}

/**
 * An {@link OPERATOR_PATTERN} hit: the operator at `index`, `word` the secret word behind it.
 * Adds the value's range to `sink` when it is a secret; returns where keyword scanning may resume.
 */
export function operatorAt(text: string, index: number, word: string, sink: SpanSink): number {
  // Back from the operator over blanks, `]` and a (possibly escaped) quote to the word's end.
  let end = index;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end -= 1;
  const bracket = text.charCodeAt(end - 1) === 93 /* ] */ && isQuoteChar(text.charCodeAt(end - 2)) ? 1 : 0;
  const quote = quoteEndingAt(text, end - 1 - bracket);
  if (quote) end -= bracket + quote.length;
  else if (text.charCodeAt(index) === 44 /* , */) return index + 1; // a comma only follows a quoted argument
  return examine(text, end - word.length, end, sink);
}

/** A {@link BLANK_PATTERN} hit `text[index, end)`: like {@link operatorAt}. */
export function blankAt(text: string, index: number, end: number, sink: SpanSink): number {
  return examine(text, index, end, sink);
}

/** The lowercase secret word `text[from, end)` (`bearer`, `authorization`) is exactly `word`. */
function wordIs(text: string, from: number, end: number, word: string): boolean {
  return end - from === word.length && text.slice(from, end).toLowerCase() === word;
}

/**
 * Read what follows the secret word `text[wordStart, end)`; returns where scanning may resume.
 * The checks run cheapest first: most hits (`tokenizer.eos_token)`) have no operator at all.
 */
function examine(text: string, wordStart: number, end: number, sink: SpanSink): number {
  const start = keyStart(text, wordStart);
  const before = text.charCodeAt(start - 1);
  if (isSpace(text.charCodeAt(end)) && start === wordStart && wordIs(text, wordStart, end, 'bearer')) {
    let at = end;
    while (isSpace(text.charCodeAt(at))) at += 1;
    return headerCredential(text, at, false, sink);
  }
  // `scheme://user:password@`: the URL rule reads userinfo.
  if (before === 47 && text.charCodeAt(start - 2) === 47 && text.charCodeAt(start - 3) === 58) return end;
  const isFlag = text.charCodeAt(start) === 45; /* - */
  // A quoted key: `"api_key": …`, `\"password\": …` (inside a JSON string), `["HF_TOKEN"] = …`.
  let position = end;
  let quotedKey = false;
  const opening = quoteEndingAt(text, start - 1);
  if (opening) {
    const closing = quoteAt(text, position);
    if (closing && closing.char === opening.char && closing.length === opening.length) {
      quotedKey = true;
      position += closing.length;
      if (text.charCodeAt(position) === 93 /* ] */) position += 1;
    }
  }
  const keyEnd = position;
  while (isSpace(text.charCodeAt(position))) position += 1;
  const spaceBefore = position > keyEnd;
  const code = text.charCodeAt(position);
  let operator: '=' | ':' | ' ' | ',';
  let annotated = false;
  if (code === 61 /* = */ && text.charCodeAt(position + 1) !== 61) {
    operator = '=';
    position += text.charCodeAt(position + 1) === 62 /* > */ ? 2 : 1;
  } else if (code === 58 /* : */ && text.charCodeAt(position + 1) !== 58) {
    operator = ':';
    position += 1;
    if (text.charCodeAt(position) === 61) {
      operator = '=';
      position += 1;
    } else if (!quotedKey && isSpace(text.charCodeAt(position))) {
      // A Python annotation: `api_key: str = "…"`.
      TYPE_ANNOTATION.lastIndex = position;
      const annotation = TYPE_ANNOTATION.exec(text);
      if (annotation && quotedValue(text, position + annotation[0].length)) {
        annotated = true;
        operator = '=';
        position += annotation[0].length;
      }
    }
  } else if (code === 44 /* , */ && quotedKey && isFlag) {
    // An argument list: ["--token", "…"].
    operator = ',';
    position += 1;
  } else if (spaceBefore && !quotedKey && position < text.length && !isWhitespace(code)) {
    operator = ' ';
  } else {
    return end;
  }
  const spaceAfter = isSpace(text.charCodeAt(position));
  while (isSpace(text.charCodeAt(position))) position += 1;
  const valueStart = position;
  const first = text.charCodeAt(valueStart);
  // $VAR, ${VAR}, <placeholder>, {template}, (tuple), [list], end of line: nothing to redact.
  if (first === 36 || first === 60 || first === 123 || first === 40 || first === 91 || first === 10 || first === 13 || Number.isNaN(first)) return end;

  if (operator === ':' || operator === '=') {
    if (wordIs(text, wordStart, end, 'authorization')) return headerCredential(text, valueStart, true, sink);
  }
  if (operator === ' ' && !isFlag && !(wordStart === start && /^passw(?:or)?d$/i.test(text.slice(start, end)))) return end;

  const quoted = quotedValue(text, valueStart);
  if (quoted) {
    if (quoted[1] - quoted[0] < 8) return Math.max(end, quoted[1]);
    // (A quoted .netrc password is not recognised; `password "…"` in prose is too common.)
    if (operator === ' ' && !isFlag) return end;
    const strength = strengthOf(text.slice(start, end), isFlag);
    if (!strength) return Math.max(end, quoted[1]);
    const value = text.slice(quoted[0], quoted[1]);
    if (isSecretLiteral(value, strength) && !(isFlag && isProseWord(value))) sink.push(quoted[0], quoted[1]);
    return Math.max(end, quoted[1]);
  }
  if (annotated || operator === ',') return end;
  let valueEnd = unquotedEnd(text, valueStart);
  const after = text.charCodeAt(valueEnd);
  // A call or a subscript: os.environ["X"], get_token(), Optional[str].
  if (after === 40 || after === 91) return Math.max(end, valueEnd);
  if (isFlag && first === 45) return end;
  const envStyle = operator === '=' && !spaceBefore && !spaceAfter && isEnvName(text, start, end);
  const urlParameter = operator === '=' && (before === 63 /* ? */ || before === 38 /* & */ || before === 59 /* ; */);
  // A .netrc password or a YAML/INI value runs to the next blank: `Tr0ub4dor&3xQ!`.
  if (operator === ' ' && !isFlag) {
    valueEnd = blankEnd(text, valueEnd);
  } else if (!isFlag && !envStyle && !urlParameter && isInnerPunctuation(text.charCodeAt(valueEnd))) {
    const extended = blankEnd(text, valueEnd);
    if (atLineEnd(text, extended)) valueEnd = extended;
  }
  if (valueEnd - valueStart < 8) return valueEnd > valueStart ? valueEnd : end;

  // Is the value a literal where it stands?
  let context: 'flag' | 'netrc' | 'env' | 'line';
  if (isFlag) {
    context = 'flag';
  } else if (operator === ' ') {
    // .netrc: `password` starts its line or follows `login NAME`; checked after the cheap tests.
    const value = text.slice(valueStart, valueEnd);
    if (isPlaceholder(value) || isProseWord(value)) return valueEnd;
    if (!NETRC_PREFIX.test(linePrefix(text, start))) return valueEnd;
    context = 'netrc';
  } else if (envStyle || urlParameter) {
    context = 'env';
  } else if (atLineEnd(text, valueEnd)) {
    context = 'line';
  } else {
    return valueEnd;
  }
  const strength = strengthOf(text.slice(start, end), isFlag);
  if (!strength) return valueEnd;
  const value = text.slice(valueStart, valueEnd);
  // The cheap rejection first: a weak key's value must look random (no words, no paths).
  if (strength === 'weak' && !looksRandom(value)) return valueEnd;
  if (isPlaceholder(value) || isAttributeChain(value)) return valueEnd;
  let literal: boolean;
  if (context === 'flag' || context === 'netrc') {
    literal = !isProseWord(value);
  } else if (context === 'env') {
    literal = true;
  } else {
    // YAML `key: value` holds literals, even words (`POSTGRES_PASSWORD: postgres`), but not a
    // class name (`api_key: SecretStr`); after `=` (Python, INI) a word is an identifier.
    literal = operator === ':' ? !(isWordy(value) && /[A-Z]/.test(value) && /[a-z]/.test(value)) : !isWordy(value);
  }
  if (literal && isSecretLiteral(value, strength)) sink.push(valueStart, valueEnd);
  return valueEnd;
}

/**
 * A lowercase word: a shell argument is a literal, but prose that mentions a flag
 * ("pass the --password argument") is not, and real passwords are rarely one short word.
 */
function isProseWord(value: string): boolean {
  return value.length < 20 && /^[a-z]+$/.test(value);
}

/** `HF_TOKEN`, `OPENAI_API_KEY`: an environment variable name (uppercase, digits, `_`). */
function isEnvName(text: string, start: number, end: number): boolean {
  for (let index = start; index < end; index += 1) {
    const code = text.charCodeAt(index);
    if (!((code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95)) return false;
  }
  return true;
}

/** Key names repeat (a log prints the same `cache_key=` thousands of times): remember them. */
const strengths = new Map<string, KeyStrength | null>();

function strengthOf(raw: string, isFlag: boolean): KeyStrength | undefined {
  let strength = strengths.get(raw);
  if (strength === undefined) {
    strength = (isFlag && FLAG_STRONG.has(normalizeKey(raw)) ? 'strong' : keyStrength(raw)) ?? null;
    if (strengths.size >= 4096) strengths.clear();
    strengths.set(raw, strength);
  }
  return strength ?? undefined;
}
