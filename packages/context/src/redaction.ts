/**
 * Secret redaction for tool output, events, the session log, spill files and uploads
 * (SECURITY.md: "secrets ↔ everything the user or model sees").
 *
 * Three detectors, all synchronous:
 * - the exact values of configured secrets (and their URL-encoded, JSON-escaped and base64 forms),
 *   found by one alternation of literals;
 * - provider token formats, private-key blocks and URL credentials (redaction-formats.ts, ported
 *   from secretlint's recommended preset and gitleaks);
 * - values given under a secret name (redaction-keywords.ts): literals only, never code.
 * The last two share one case-insensitive scan (separators inside `prefix_body` tokens, secret
 * words before an operator or a blank) plus one scan for the other prefixes; small parsers read
 * each hit. Scans, not rules, are what costs: each pass over 1 MB is ~1 ms.
 *
 * Why not `@secretlint/core` at run time: its `lintSource` is asynchronous (the redactor must be
 * synchronous: it runs inside event emission and the session log), it costs ~8 ms per MB and
 * ~250 µs per call on small strings (events carry many), and its preset misses JSON
 * `api_key`/`password`/`client_secret`, `--token` flags and URL-encoded tokens, and only
 * recognises tokens of the exact current length. Its rules run synchronously cost ~16 ms/MB. The
 * preset stays a dev-time oracle instead: the corpus test checks that everything it finds in the
 * secret corpus is redacted here too.
 *
 * Measured (bench/redaction.mjs, on a shared 2-core VM where secretlint's `lintSource` takes
 * ~8 ms/MB for its preset alone): ~8 ms of CPU per MB of tool output with five configured secrets
 * (within 10 ms/MB; streamed in 64 KiB chunks, ~90 MB/s), ~0.5 µs per short event string.
 */
import { SEPARATOR_PATTERN, findPrefixedSecrets, separatedTokenAt, type SpanSink } from './redaction-formats.js';
import { BLANK_PATTERN, OPERATOR_PATTERN, blankAt, isPlaceholder, isSecretLiteral, keyStrength, operatorAt } from './redaction-keywords.js';

/** Replacement text for a redacted secret. */
export const REDACTED = '[REDACTED]';

export interface RedactorOptions {
  /** Exact secret values (from the environment or config) to redact wherever they appear. */
  secrets?: readonly (string | undefined)[];
}

export type Redactor = (text: string) => string;

/** Secret ranges in a text: `[start0, end0, start1, end1, …]`, sorted, merged, non-overlapping. */
export type SecretSpans = number[];

/** The span finder behind each redactor built here (the stream redactor needs the ranges). */
const finders = new WeakMap<Redactor, (text: string) => SecretSpans>();

/** Values shorter than this are not redacted by value: they would match ordinary words. */
const MIN_SECRET_LENGTH = 8;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The forms a configured secret takes in output: itself, URL-encoded, JSON-escaped, and base64 at
 * each of the three byte alignments (the characters that depend only on the secret's own bytes,
 * so `base64(user:token)` in a Basic header is caught too), standard and URL-safe.
 */
export function secretVariants(value: string): string[] {
  const variants = new Set<string>([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  const bytes = Buffer.from(value, 'utf8');
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    if (core.length >= 12) {
      variants.add(core);
      variants.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...variants].filter((variant) => variant.length >= MIN_SECRET_LENGTH);
}

function valueMatcher(secrets: readonly (string | undefined)[]): RegExp | undefined {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    for (const variant of secretVariants(secret)) values.add(variant);
  }
  if (values.size === 0) return undefined;
  // One alternation, longest first: faster than one indexOf per value once there are several.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
}

/**
 * One case-insensitive scan for three kinds of hits, dispatched by capture group: (1) a separator
 * inside a `prefix_body` token, (2) the secret word before an operator, (3) a secret word before a
 * blank. One expression costs ~30% less than three (irregexp checks one leading character class).
 */
const SCAN = new RegExp(`(${SEPARATOR_PATTERN})|${OPERATOR_PATTERN}|(${BLANK_PATTERN})`, 'gi');

function scanTokensAndKeys(text: string, sink: SpanSink): void {
  const scan = SCAN;
  scan.lastIndex = 0;
  // Keyword hits inside a value already read are skipped; token hits never are.
  let keywordResume = 0;
  let match: RegExpExecArray | null;
  while ((match = scan.exec(text)) !== null) {
    const at = match.index;
    if (match[1] !== undefined) {
      const runEnd = separatedTokenAt(text, at, sink);
      if (runEnd > scan.lastIndex) scan.lastIndex = runEnd;
      continue;
    }
    if (at < keywordResume) continue;
    const resume = match[2] !== undefined ? operatorAt(text, at, match[2], sink) : blankAt(text, at, at + match[0].length, sink);
    if (resume > keywordResume) keywordResume = resume;
  }
}

function mergeSpans(sink: SpanSink): SecretSpans {
  if (sink.length <= 2) return sink;
  const pairs: [number, number][] = [];
  for (let index = 0; index < sink.length; index += 2) pairs.push([sink[index] as number, sink[index + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: SecretSpans = [];
  for (const [start, end] of pairs) {
    const last = merged.length - 1;
    if (last > 0 && start <= (merged[last] as number)) {
      if (end > (merged[last] as number)) merged[last] = end;
    } else {
      merged.push(start, end);
    }
  }
  return merged;
}

/** Replace each span of `text[from, to)` with {@link REDACTED}. */
export function applySpans(text: string, spans: SecretSpans, from = 0, to = text.length): string {
  let result = '';
  let cursor = from;
  for (let index = 0; index < spans.length; index += 2) {
    const start = Math.max(spans[index] as number, from);
    const end = Math.min(spans[index + 1] as number, to);
    if (end <= start) continue;
    result += text.slice(cursor, start) + REDACTED;
    cursor = end;
  }
  return result + text.slice(cursor, to);
}

/**
 * Build a redactor for secret shapes plus the exact values of configured secrets. Values shorter
 * than 8 characters are ignored (they would redact ordinary words).
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const values = valueMatcher(options.secrets ?? []);
  const find = (text: string): SecretSpans => {
    const sink: SpanSink = [];
    if (!text) return sink;
    if (values) {
      values.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = values.exec(text)) !== null) sink.push(match.index, match.index + match[0].length);
    }
    scanTokensAndKeys(text, sink);
    findPrefixedSecrets(text, sink, isPlaceholder);
    return mergeSpans(sink);
  };
  const redact: Redactor = (text: string): string => {
    if (!text) return text;
    const spans = find(text);
    return spans.length === 0 ? text : applySpans(text, spans);
  };
  finders.set(redact, find);
  return redact;
}

/** The secret ranges a redactor from {@link createRedactor} would replace; undefined for others. */
export function spanFinder(redact: Redactor): ((text: string) => SecretSpans) | undefined {
  return finders.get(redact);
}

/** Environment variable names whose values are secrets. */
export function isSecretName(name: string): boolean {
  return /(TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i.test(name);
}

/**
 * Secret values from an environment record, for `createRedactor({ secrets })`. File paths and
 * plain numbers (`SSL_KEY_FILE=/etc/…`, `GOOGLE_APPLICATION_CREDENTIALS=/home/…`) are not secrets
 * and would corrupt every output that mentions them.
 */
export function secretsFromEnv(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && typeof value === 'string' && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value as string)
    .filter((value) => !/^(?:\/|~\/|\.{1,2}\/|[A-Za-z]:\\)/.test(value) && !/^[0-9]+$/.test(value));
}

/** A string stored under a secret-named key (`{ WANDB_API_KEY: "…" }`) is the secret itself. */
function secretByKey(key: string, value: string): boolean {
  const strength = keyStrength(key);
  if (!strength || value.length > 512 || /\s/.test(value)) return false;
  return isSecretLiteral(value, strength);
}

/**
 * Apply a redactor to every string inside a JSON-like value (events, log records). A string under
 * a secret-named key (`env: { HF_TOKEN: "…" }`) is redacted whole: the key is its context.
 */
export function redactValue<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact)) as T;
  if (value && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    // An image part's base64 bytes are not text: a pattern matched by chance would corrupt the image.
    const image = (value as { type?: unknown }).type === 'image' && typeof (value as { mediaType?: unknown }).mediaType === 'string';
    for (const [key, item] of Object.entries(value)) {
      if (image && key === 'data') {
        result[key] = item;
        continue;
      }
      result[key] = typeof item === 'string' && secretByKey(key, item) ? REDACTED : redactValue(item, redact);
    }
    return result as T;
  }
  return value;
}
