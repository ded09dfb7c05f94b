/** Replacement text for a redacted secret. */
export const REDACTED = '[REDACTED]';

/** Secret shapes redacted wherever they appear (SPEC section 8). */
const PATTERNS: { name: string; pattern: RegExp; keep?: number }[] = [
  { name: 'anthropic', pattern: /\bsk-ant-[A-Za-z0-9_-]{10,}/g },
  { name: 'openai', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g },
  { name: 'huggingface', pattern: /\bhf_[A-Za-z0-9]{20,}/g },
  { name: 'github', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g },
  { name: 'github-pat', pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/g },
  { name: 'slack', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'aws-access-key', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { name: 'bearer', pattern: /\b(Bearer|Authorization:\s*token)\s+[A-Za-z0-9._~+/=-]{12,}/gi, keep: 1 },
  {
    name: 'assignment',
    // The name must end in the secret word (`HF_TOKEN=`, `api_key:`), so `max_new_tokens=512` or
    // `TOKEN_COUNT=9` stay readable; values are token-like and at least 8 characters.
    pattern: /\b([A-Za-z0-9_]*(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD)\s*[=:]\s*)(["']?)[A-Za-z0-9_\-./+=~]{8,}\2/gi,
    keep: 1,
  },
];

export interface RedactorOptions {
  /** Exact secret values (from the environment or config) to redact wherever they appear. */
  secrets?: readonly (string | undefined)[];
}

export type Redactor = (text: string) => string;

/**
 * Build a redactor for secret shapes plus the exact values of configured secrets. Values shorter
 * than 8 characters are ignored (they would redact ordinary words).
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const values = [...new Set((options.secrets ?? []).filter((value): value is string => typeof value === 'string' && value.length >= 8))].sort(
    (a, b) => b.length - a.length,
  );
  return (text: string): string => {
    if (!text) return text;
    let result = text;
    for (const value of values) {
      if (result.includes(value)) result = result.split(value).join(REDACTED);
    }
    for (const { pattern, keep } of PATTERNS) {
      pattern.lastIndex = 0;
      result = keep ? result.replace(pattern, (_match, prefix: string) => `${prefix}${prefix.endsWith(' ') || /[=:]\s*$/.test(prefix) ? '' : ' '}${REDACTED}`) : result.replace(pattern, REDACTED);
    }
    return result;
  };
}

/** Environment variable names whose values are secrets. */
export function isSecretName(name: string): boolean {
  return /(TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i.test(name);
}

/** Secret values from an environment record, for `createRedactor({ secrets })`. */
export function secretsFromEnv(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && typeof value === 'string' && value.length >= 8)
    .map(([, value]) => value as string);
}

/** Apply a redactor to every string inside a JSON-like value (events, log records). */
export function redactValue<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact)) as T;
  if (value && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = redactValue(item, redact);
    return result as T;
  }
  return value;
}
