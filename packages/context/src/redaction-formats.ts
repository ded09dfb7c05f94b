/**
 * Provider token formats, private-key blocks and credentials inside URLs.
 *
 * The token formats are ported from the rules of `@secretlint/secretlint-rule-preset-recommend`
 * 12.0 (MIT, azu — https://github.com/secretlint/secretlint) and gitleaks' default config (MIT,
 * https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml). They are deliberately
 * looser about body length than those linters (a truncated, test or newer-format token is still a
 * token: `hf_` + 20 alphanumerics rather than exactly 34 letters) and stricter about what a body
 * looks like (a run of one repeated character, `hf_xxxxxxxxxxxxxxxxxxxx`, is a placeholder).
 * Separators may be URL-encoded (`hf%5F…`, `sk%2Dproj%2D…`).
 *
 * Speed: scanning 1 MB with one regular expression per rule costs ~0.1–0.3 ms per rule, so the
 * rules are not scanned one by one. Two anchored scans find candidates instead — a separator
 * (`_`, `-`, `%5F`, `%2D`) followed by 12 alphanumerics, which every `prefix_body` token contains
 * (scanned in one expression with the keyword operators, see redaction.ts), and one alternation
 * of the few prefixes without such a separator — and only then is the token start checked
 * against the rules with sticky expressions.
 */

/** Collected secret ranges: `[start0, end0, start1, end1, …]`. */
export type SpanSink = number[];

const ENCODED_SEP = /^%(?:5[Ff]|2[Dd])/;

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isTokenChar(code: number): boolean {
  return isAlnum(code) || code === 95 /* _ */ || code === 45 /* - */;
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/** An encoded character `%XX` ends at `index` (exclusive): 1 for a separator, -1 for another, 0 for none. */
function encodedBefore(text: string, index: number): number {
  if (index < 3 || text.charCodeAt(index - 3) !== 37 /* % */ || !isHex(text.charCodeAt(index - 2)) || !isHex(text.charCodeAt(index - 1))) return 0;
  return ENCODED_SEP.test(text.slice(index - 3, index)) ? 1 : -1;
}

/**
 * Where the token that contains `index` starts: walk back over token characters and encoded
 * separators (`%5F`); an other encoded character (`%3D`) ends the token. -1 when the walk is
 * longer than any token prefix could be.
 */
function tokenStart(text: string, index: number): number {
  let position = index;
  for (let steps = 0; steps < 256; steps += 1) {
    const encoded = encodedBefore(text, position);
    if (encoded === 1) {
      position -= 3;
      continue;
    }
    if (encoded === -1) return position;
    if (position > 0 && isTokenChar(text.charCodeAt(position - 1))) {
      position -= 1;
      continue;
    }
    return position;
  }
  return -1;
}

/** Where the run of token characters (and encoded separators) that contains `index` ends. */
function tokenEnd(text: string, index: number): number {
  let position = index;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (isTokenChar(code)) position += 1;
    else if (code === 37 && ENCODED_SEP.test(text.slice(position, position + 3))) position += 3;
    else break;
  }
  return position;
}

/** True when the character before `index` cannot be part of a token (start of a word). */
function atBoundary(text: string, index: number): boolean {
  if (index === 0) return true;
  if (isAlnum(text.charCodeAt(index - 1))) return false;
  return true;
}

/** Fewer than 5 distinct characters in a token body: a placeholder such as `hf_xxxxxxxx…`. */
function lowVariety(body: string): boolean {
  const seen = new Set<string>();
  for (const char of body) {
    if (char === '_' || char === '-' || char === '%') continue;
    seen.add(char);
    if (seen.size >= 5) return false;
  }
  return true;
}

const U = '(?:_|%5[Ff])';
const D = '(?:-|%2[Dd])';
/** A body character of tokens whose body may contain `_` or `-` (possibly URL-encoded). */
const W = '(?:[A-Za-z0-9_-]|%5[Ff]|%2[Dd])';
const END = '(?![A-Za-z0-9])';

interface FormatRule {
  /** The secretlint / gitleaks rule it is ported from. */
  name: string;
  pattern: RegExp;
  /** Extra check on the matched text; the body variety check always applies. */
  check?: (match: string) => boolean;
}

function sticky(source: string): RegExp {
  return new RegExp(source, 'y');
}

/** Has a run of ≥ 16 letters and digits, with both, that is not one repeated character. */
function hasRandomRun(match: string): boolean {
  const runs = match.split(/[^A-Za-z0-9]+/);
  return runs.some((run) => run.length >= 16 && /[0-9]/.test(run) && /[A-Za-z]/.test(run) && !lowVariety(run));
}

/** Rules tried at the start of a token found by the separator scan, by first character. */
const SEPARATED: Record<string, FormatRule[]> = {
  h: [{ name: 'huggingface', pattern: sticky(`hf${U}[A-Za-z0-9]{20,}${END}`) }],
  a: [{ name: 'huggingface-org', pattern: sticky(`api${U}org${U}[A-Za-z0-9]{20,}${END}`) }],
  s: [
    { name: 'anthropic', pattern: sticky(`sk${D}ant${D}${W}{16,}`) },
    { name: 'openai-project', pattern: sticky(`sk${D}(?:proj|svcacct|admin)${D}${W}{16,}`) },
    { name: 'openrouter', pattern: sticky(`sk${D}or${D}v1${D}[a-f0-9]{32,}${END}`) },
    { name: 'stripe', pattern: sticky(`sk${U}(?:live|test)${U}[A-Za-z0-9]{20,}${END}`) },
    // Older OpenAI keys (`sk-` + 48), DeepSeek, Moonshot and the like: `sk-` and a long random run.
    { name: 'openai', pattern: sticky(`sk${D}${W}{20,}`), check: hasRandomRun },
    { name: 'shopify', pattern: sticky(`shp(?:at|ca|pa|ss)${U}[a-fA-F0-9]{32}${END}`) },
  ],
  r: [
    { name: 'replicate', pattern: sticky(`r8${U}[A-Za-z0-9]{30,}${END}`) },
    { name: 'stripe-restricted', pattern: sticky(`rk${U}(?:live|test)${U}[A-Za-z0-9]{20,}${END}`) },
  ],
  g: [
    { name: 'github', pattern: sticky(`gh[pousr]${U}[A-Za-z0-9]{20,}${END}`) },
    { name: 'github-fine-grained', pattern: sticky(`github${U}pat${U}${W}{20,}`) },
    { name: 'gitlab', pattern: sticky(`gl(?:pat|dt|rt|ptt|cbt|soat|ft|imt)${D}${W}{20,}`) },
    { name: 'groq', pattern: sticky(`gsk${U}[A-Za-z0-9]{30,}${END}`) },
    { name: 'grafana-cloud', pattern: sticky(`glc${U}[A-Za-z0-9+/]{32,}={0,2}`) },
    { name: 'grafana-service-account', pattern: sticky(`glsa${U}[A-Za-z0-9]{32}${U}[A-Fa-f0-9]{8}${END}`) },
  ],
  G: [{ name: 'gcp-oauth-client-secret', pattern: sticky(`GOCSPX${D}${W}{24,}`) }],
  n: [
    { name: 'npm', pattern: sticky(`npm${U}[A-Za-z0-9]{30,}${END}`) },
    { name: 'notion', pattern: sticky(`ntn${U}[0-9]{11}[A-Za-z0-9]{30,}${END}`) },
  ],
  d: [{ name: 'docker', pattern: sticky(`dckr${U}pat${U}${W}{20,}`) }],
  l: [
    { name: 'linear', pattern: sticky(`lin${U}api${U}[A-Za-z0-9]{32,}${END}`) },
    { name: 'langsmith', pattern: sticky(`lsv2${U}(?:pt|sk)${U}[a-f0-9]{32}${U}[a-f0-9]{10}${END}`) },
  ],
  f: [{ name: 'figma', pattern: sticky(`figd${U}${W}{40,}`) }],
  o: [{ name: '1password', pattern: sticky(`ops${U}eyJ[A-Za-z0-9+/=]{60,}`) }],
  p: [
    { name: 'pypi', pattern: sticky(`pypi${D}AgE[A-Za-z0-9_-]{40,}`) },
    { name: 'pinecone', pattern: sticky(`pcsk${U}${W}{30,}`) },
    { name: 'perplexity', pattern: sticky(`pplx${D}[A-Za-z0-9]{40,}${END}`) },
  ],
  x: [
    { name: 'xai', pattern: sticky(`xai${D}[A-Za-z0-9]{40,}${END}`) },
    { name: 'slack-app', pattern: sticky(`xapp${D}[A-Za-z0-9-]{20,}`) },
  ],
  t: [{ name: 'tavily', pattern: sticky(`tvly${D}${W}{20,}`) }],
  v: [{ name: 'vercel', pattern: sticky(`vc[pikar]${U}[A-Za-z0-9]{20,}${END}`) }],
};

/**
 * Finds `prefix_body` tokens: every one has a separator followed by ≥ 12 alphanumerics. Scanned
 * together with the keyword operators (see redaction.ts); {@link separatedTokenAt} reads a hit.
 */
export const SEPARATOR_PATTERN = '(?:[_-]|%5[Ff]|%2[Dd])[A-Za-z0-9]{12}';

/**
 * Prefixes without such a separator, and the anchors of the block and URL rules. Factored by
 * first character: irregexp scans a leading character class much faster than an alternation of
 * literals (1.2 ms/MB against 2.4 ms/MB measured). The GitLab, Google OAuth, Docker and Figma
 * prefixes are here too: their bodies are short and may hold separators, so the separator scan
 * can miss them.
 */
const OTHER_SCAN =
  /[AeySh\-:xdgGf](?:KIA|SIA|3T[A-Z0-9]|GPA|IDA|ROA|IPA|NPA|NVA|BIA|CCA|Iza|yJ|a29\.|G\.|v[sbr]\.|----BEGIN|\/\/(?=[^\s:@/?#"'`<>\\]{0,128}:[^\s@/?#"'`<>\\]{1,256}@|hooks\.slack\.com\/services\/|discord(?:app)?\.com\/api\/webhooks\/)|ox[abposre]-|api[a-f0-9]|l(?:pat|dt|rt|ptt|cbt|soat|ft|imt)-|OCSPX-|ckr_pat_|igd_)/g;

const WRAPPED_JSON: Record<string, FormatRule> = {
  ops_: { name: '1password', pattern: sticky(`ops_eyJ[A-Za-z0-9+/=]{60,}`) },
  glc_: { name: 'grafana-cloud', pattern: sticky(`glc_eyJ[A-Za-z0-9+/]{29,}={0,2}`) },
};

const OTHER_RULES: { prefix: string; rule: FormatRule }[] = [
  { prefix: 'AIza', rule: { name: 'gcp-api-key', pattern: sticky(`AIza[A-Za-z0-9_-]{30,}`) } },
  { prefix: 'A', rule: { name: 'aws-access-key', pattern: sticky(`(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}${END}`) } },
  { prefix: 'eyJ', rule: { name: 'jwt', pattern: sticky(`eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_\\-/+]*={0,2}`) } },
  { prefix: 'ya29.', rule: { name: 'gcp-oauth-access-token', pattern: sticky(`ya29\\.[A-Za-z0-9_-]{20,}`) } },
  { prefix: 'SG.', rule: { name: 'sendgrid', pattern: sticky(`SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}`) } },
  { prefix: 'hv', rule: { name: 'hashicorp-vault', pattern: sticky(`hv[sbr]\\.[A-Za-z0-9_-]{24,}`) } },
  { prefix: 'xox', rule: { name: 'slack', pattern: sticky(`xox[abposre]-[A-Za-z0-9-]{10,}`) } },
  { prefix: 'dapi', rule: { name: 'databricks', pattern: sticky(`dapi[a-f0-9]{32}(?:-[0-9])?${END}`) } },
  { prefix: 'gl', rule: separatedRule('gitlab') },
  { prefix: 'GOCSPX', rule: separatedRule('gcp-oauth-client-secret') },
  { prefix: 'dckr', rule: separatedRule('docker') },
  { prefix: 'figd', rule: separatedRule('figma') },
];

function separatedRule(name: string): FormatRule {
  const rule = Object.values(SEPARATED)
    .flat()
    .find((candidate) => candidate.name === name);
  if (!rule) throw new Error(`no format rule ${name}`);
  return rule;
}

function tryRule(text: string, start: number, rule: FormatRule, sink: SpanSink): number {
  rule.pattern.lastIndex = start;
  const match = rule.pattern.exec(text);
  if (!match) return -1;
  const value = match[0];
  // A placeholder body (`hf_xxxxxxxx…`, `ghp_000000…`): the second half has hardly any variety.
  if (lowVariety(value.slice(value.length >> 1))) return -1;
  if (rule.check && !rule.check(value)) return -1;
  const end = start + value.length;
  sink.push(start, end);
  return end;
}

/**
 * A separator scan hit at `index`: try the rules at the start of its token. Returns the end of the
 * run of token characters: every later hit in it has the same start, so scanning resumes there.
 */
export function separatedTokenAt(text: string, index: number, sink: SpanSink): number {
  const start = tokenStart(text, index);
  const rules = start === -1 ? undefined : SEPARATED[text[start] ?? ''];
  if (rules) {
    for (const rule of rules) {
      if (tryRule(text, start, rule, sink) !== -1) break;
    }
  }
  return tokenEnd(text, index + 1);
}

const PEM_HEADER = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/y;
/** A line of a PEM body: base64, or an RFC 1421 header such as `Proc-Type: 4,ENCRYPTED`. */
const PEM_BODY_LINE = /^(?:[A-Za-z0-9+/=]*|[A-Za-z-]+: .*)$/;
const MAX_PEM_CHARS = 64 * 1024;

/** `-----BEGIN … PRIVATE KEY-----` … `-----END …-----`: the body between the two lines. */
function privateKeyBlock(text: string, at: number, sink: SpanSink, ends: Map<string, number>): number {
  PEM_HEADER.lastIndex = at;
  const header = PEM_HEADER.exec(text);
  if (!header) return at + 1;
  let bodyStart = at + header[0].length;
  const endMarker = `-----END ${header[1] ?? ''}PRIVATE KEY${header[2] ?? ''}-----`;
  // Remember where each kind of END line is: a text of BEGIN lines without ENDs stays linear.
  let endAt = ends.get(endMarker);
  if (endAt === undefined || (endAt !== -1 && endAt < bodyStart)) {
    endAt = text.indexOf(endMarker, bodyStart);
    ends.set(endMarker, endAt);
  }
  let bodyEnd: number;
  if (endAt !== -1 && endAt - bodyStart <= MAX_PEM_CHARS) {
    bodyEnd = endAt;
  } else {
    // No end line (cut output, a stream that has not got there yet): take the lines that look
    // like the body, whether the newlines are real or JSON-escaped.
    bodyEnd = bodyStart;
    const limit = Math.min(text.length, bodyStart + MAX_PEM_CHARS);
    while (bodyEnd < limit) {
      const newline = nextNewline(text, bodyEnd, limit);
      const line = text.slice(bodyEnd, newline.at).trim();
      if (line !== '' && !PEM_BODY_LINE.test(line)) break;
      bodyEnd = newline.at + newline.length;
      if (newline.length === 0) break;
    }
  }
  // Keep the line breaks around the body so the result still reads as a key block.
  for (;;) {
    if (bodyStart < bodyEnd && /\s/.test(text[bodyStart] ?? '')) bodyStart += 1;
    else if (bodyStart + 1 < bodyEnd && text[bodyStart] === '\\' && text[bodyStart + 1] === 'n') bodyStart += 2;
    else break;
  }
  let trimmedEnd = bodyEnd;
  for (;;) {
    if (trimmedEnd > bodyStart && /\s/.test(text[trimmedEnd - 1] ?? '')) trimmedEnd -= 1;
    else if (trimmedEnd - 1 > bodyStart && text[trimmedEnd - 2] === '\\' && text[trimmedEnd - 1] === 'n') trimmedEnd -= 2;
    else break;
  }
  if (trimmedEnd > bodyStart) sink.push(bodyStart, trimmedEnd);
  return Math.max(bodyEnd, at + 1);
}

function nextNewline(text: string, from: number, limit: number): { at: number; length: number } {
  for (let index = from; index < limit; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 10) return { at: index, length: 1 };
    if (code === 92 /* \ */ && text.charCodeAt(index + 1) === 110 /* n */) return { at: index, length: 2 };
  }
  return { at: limit, length: 0 };
}

const URL_USER = /[^\s:@/?#"'`<>\\]{0,128}:/y;
const URL_PASSWORD = /[^\s@/?#"'`<>\\]{1,256}(?=@)/y;
const WEBHOOK = /(?:hooks\.slack\.com\/services\/|(?:discord|discordapp)\.com\/api\/webhooks\/)([A-Za-z0-9/_-]{16,})/y;

/** `scheme://user:password@host`: the password. Slack and Discord webhook URLs: their path. */
function urlCredentials(text: string, at: number, sink: SpanSink, isPlaceholder: (value: string) => boolean): number {
  let scheme = at;
  while (scheme > at - 32 && scheme > 0) {
    const code = text.charCodeAt(scheme - 1);
    if (!(isAlnum(code) || code === 43 || code === 46 || code === 45)) break;
    scheme -= 1;
  }
  if (at - scheme < 2) return at + 3;
  const after = at + 3;
  WEBHOOK.lastIndex = after;
  const webhook = WEBHOOK.exec(text);
  if (webhook) {
    const end = after + webhook[0].length;
    sink.push(end - (webhook[1] ?? '').length, end);
    return after + webhook[0].length;
  }
  URL_USER.lastIndex = after;
  const user = URL_USER.exec(text);
  if (!user) return after;
  const passwordStart = after + user[0].length;
  URL_PASSWORD.lastIndex = passwordStart;
  const password = URL_PASSWORD.exec(text);
  if (!password || isPlaceholder(password[0])) return after;
  // `host:port@`-like text is not a login: a password of a few digits is a port number.
  if (/^[0-9]{1,5}$/.test(password[0])) return after;
  sink.push(passwordStart, passwordStart + password[0].length);
  return passwordStart + password[0].length + 1;
}

/**
 * Add the ranges of tokens with the prefixes of {@link OTHER_SCAN}, private-key bodies and URL
 * passwords in `text` to `sink` (`prefix_body` tokens come from {@link separatedTokenAt}).
 * `isPlaceholder` decides whether a URL password is a placeholder (`${DB_PASSWORD}`, `<password>`).
 */
export function findPrefixedSecrets(text: string, sink: SpanSink, isPlaceholder: (value: string) => boolean): void {
  const ends = new Map<string, number>();
  const scan = OTHER_SCAN;
  scan.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = scan.exec(text)) !== null) {
    const at = match.index;
    const found = match[0];
    if (found === '://') {
      scan.lastIndex = Math.max(scan.lastIndex, urlCredentials(text, at, sink, isPlaceholder));
      continue;
    }
    if (found === '-----BEGIN') {
      scan.lastIndex = Math.max(scan.lastIndex, privateKeyBlock(text, at, sink, ends));
      continue;
    }
    if (found === 'eyJ' && at >= 4 && text.charCodeAt(at - 1) === 95 /* _ */) {
      // 1Password and Grafana Cloud tokens wrap base64 JSON: `ops_eyJ…`, `glc_eyJ…`.
      const wrapped = WRAPPED_JSON[text.slice(at - 4, at)];
      if (wrapped && atBoundary(text, at - 4) && tryRule(text, at - 4, wrapped, sink) !== -1) {
        scan.lastIndex = Math.max(scan.lastIndex, tokenEnd(text, at));
        continue;
      }
    }
    if (!atBoundary(text, at) && !(at >= 3 && text[at - 3] === '%')) continue;
    for (const { prefix, rule } of OTHER_RULES) {
      if (!found.startsWith(prefix)) continue;
      const end = tryRule(text, at, rule, sink);
      if (end !== -1) {
        if (end > scan.lastIndex) scan.lastIndex = end;
        break;
      }
    }
  }
}
