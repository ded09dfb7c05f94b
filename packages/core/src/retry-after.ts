/**
 * Response headers in any of the shapes HTTP clients hand them over: a fetch `Headers` (anything
 * with its `get`), or a plain record (octokit, Node's `IncomingHttpHeaders`) whose names are
 * matched case-insensitively.
 */
export type HeaderSource = Pick<Headers, 'get'> | Readonly<Record<string, string | number | readonly string[] | undefined>>;

const DELAY_NUMBER = /^\d+(?:\.\d+)?$/;
// Anything number-like the pattern above refuses (`-5`, `1e3`, `+2`): `Date.parse` would read some of them as years.
const OTHER_NUMBER = /^[+-]?[\d.]+(?:e[+-]?\d+)?$/i;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as Pick<Headers, 'get'>).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return typeof value === 'object' ? value[0] : String(value);
  }
  return undefined;
}

/** Milliseconds from a non-negative decimal number of `unit` ms, or undefined. */
function delayOf(value: string, unitMs: number): number | undefined {
  return DELAY_NUMBER.test(value) ? Math.round(Number(value) * unitMs) : undefined;
}

/** Milliseconds from a `Retry-After` value: delay-seconds (decimals accepted) or an HTTP date. */
function retryAfterValue(value: string, now: number): number | undefined {
  const seconds = delayOf(value, 1000);
  if (seconds !== undefined || OTHER_NUMBER.test(value)) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long a server asks the client to wait, in milliseconds: `retry-after-ms` first (OpenAI and
 * Anthropic send it), then `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3; a date
 * in the past gives 0). Given a string, reads it as a `Retry-After` value. Returns `undefined` when
 * the header is absent or unreadable (a negative number included), so the caller falls back to
 * its own backoff.
 *
 * @param source - the response headers, or one `Retry-After` value.
 * @param now - the current time in ms, for HTTP dates (default `Date.now()`).
 */
export function parseRetryAfter(source: HeaderSource | string | null | undefined, now: number = Date.now()): number | undefined {
  if (source === null || source === undefined) return undefined;
  if (typeof source === 'string') {
    const value = source.trim();
    return value === '' ? undefined : retryAfterValue(value, now);
  }
  const milliseconds = headerValue(source, 'retry-after-ms')?.trim();
  const delay = milliseconds === undefined ? undefined : delayOf(milliseconds, 1);
  if (delay !== undefined) return delay;
  const retryAfter = headerValue(source, 'retry-after')?.trim();
  return retryAfter ? retryAfterValue(retryAfter, now) : undefined;
}
