import type http from 'node:http';
import { type HttpFake, type RecordedRequest, sendJson, startHttpFake } from './http-fake.js';

/** Slack's documented limits, enforced by the fake like the real API does. */
const TEXT_LIMIT = 40_000;
const SECTION_TEXT_LIMIT = 3_000;
const BLOCK_LIMIT = 50;

export interface FakeSlackOptions {
  /** Tokens accepted; any other token gets `invalid_auth`. Default: every `xox…` token. */
  tokens?: string[];
  /** Channel ids that exist; others get `channel_not_found`. Default: every channel. */
  channels?: string[];
  /** Channels that exist but the bot was not invited to: `not_in_channel`. */
  notInChannels?: string[];
}

/** One Web API call the fake received, decoded from a form-urlencoded or JSON body. */
export interface FakeSlackCall {
  /** Web API method, e.g. `chat.postMessage`. */
  method: string;
  /** The credential sent, redacted to its first characters (never the secret). */
  token: string | undefined;
  /** Decoded arguments; JSON-valued form fields (`blocks`, `attachments`) are parsed. */
  args: Record<string, unknown>;
  contentType: 'form' | 'json' | 'other';
  /** What the fake answered: `ok` or the Slack error code, `http_<status>`, or `no_response`. */
  outcome: string;
}

/** How the fake misbehaves while "down". `refused` closes the server for good. */
export type FakeSlackDownMode = 'refused' | 'error' | 'hang';

/** A fake Slack Web API on 127.0.0.1; point `WebClient`'s `slackApiUrl` at `slackApiUrl`. */
export interface FakeSlack extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT/api/` (with the trailing slash the SDK needs). */
  readonly slackApiUrl: string;
  /** Raw requests (secret headers redacted). */
  readonly requests: RecordedRequest[];
  /** Every decoded call, in arrival order. */
  readonly calls: FakeSlackCall[];
  /** Arguments of each successful `chat.postMessage`, with the `ts` the fake assigned. */
  readonly messages: (Record<string, unknown> & { ts: string })[];
  /** Answer the next `times` calls (of `method`, default any) with `{ok:false, error}`. */
  failNext(error: string, options?: { times?: number; method?: string }): void;
  /** Answer the next `times` calls with HTTP 429, `Retry-After: seconds` and `{ok:false, error:"ratelimited"}`. */
  rateLimitNext(retryAfterSeconds: number, times?: number): void;
  /**
   * Simulate an outage: `error` answers HTTP 500, `hang` never answers, `refused` closes the
   * listening socket so connections are refused (cannot be undone). `false` ends `error`/`hang`.
   */
  setDown(mode: FakeSlackDownMode | false): void;
  close(): Promise<void>;
}

interface ScriptedFailure {
  kind: 'error' | 'ratelimited';
  value: string | number;
  remaining: number;
  method: string | undefined;
}

function decodeArgs(request: RecordedRequest): { args: Record<string, unknown>; contentType: FakeSlackCall['contentType'] } {
  const type = request.headers['content-type'] ?? '';
  if (type.includes('json')) {
    const json = request.json;
    return { args: typeof json === 'object' && json !== null ? { ...(json as Record<string, unknown>) } : {}, contentType: 'json' };
  }
  if (type.includes('x-www-form-urlencoded')) {
    const args: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(request.body)) {
      args[key] = (key === 'blocks' || key === 'attachments' || key === 'metadata') ? parseJsonOrText(value) : value;
    }
    return { args, contentType: 'form' };
  }
  return { args: {}, contentType: 'other' };
}

function parseJsonOrText(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function redact(token: string): string {
  return `${token.slice(0, 6)}…[redacted]`;
}

function bearerToken(raw: http.IncomingMessage, args: Record<string, unknown>): string | undefined {
  const header = raw.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return typeof args.token === 'string' ? args.token : undefined;
}

/** Slack answers `invalid_blocks` for these; returns the offending JSON pointer, if any. */
function invalidBlock(blocks: unknown): string | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return '/blocks';
  if (blocks.length > BLOCK_LIMIT) return '/blocks';
  for (const [index, block] of blocks.entries()) {
    const text = (block as { text?: { text?: unknown } })?.text?.text;
    if (typeof text === 'string' && (text.length === 0 || text.length > SECTION_TEXT_LIMIT)) return `/blocks/${index}/text/text`;
    const elements = (block as { elements?: { text?: unknown }[] })?.elements ?? [];
    for (const [elementIndex, element] of elements.entries()) {
      if (typeof element?.text === 'string' && element.text.length > SECTION_TEXT_LIMIT) return `/blocks/${index}/elements/${elementIndex}/text`;
    }
  }
  return undefined;
}

/**
 * Start a fake Slack Web API (`/api/chat.postMessage`, `/api/auth.test`) that validates tokens,
 * channels and Slack's message limits, records every call, and can be scripted to fail.
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const calls: FakeSlackCall[] = [];
  const messages: (Record<string, unknown> & { ts: string })[] = [];
  const scripted: ScriptedFailure[] = [];
  let down: FakeSlackDownMode | false = false;
  let counter = 0;

  const takeScripted = (method: string): ScriptedFailure | undefined => {
    const index = scripted.findIndex((failure) => failure.remaining > 0 && (failure.method === undefined || failure.method === method));
    if (index < 0) return undefined;
    const failure = scripted[index] as ScriptedFailure;
    failure.remaining -= 1;
    if (failure.remaining === 0) scripted.splice(index, 1);
    return failure;
  };

  const answer = (method: string, args: Record<string, unknown>, token: string | undefined): { status: number; body: Record<string, unknown> } => {
    if (token === undefined) return { status: 200, body: { ok: false, error: 'not_authed' } };
    const valid = options.tokens ? options.tokens.includes(token) : token.startsWith('xox');
    if (!valid) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    if (method === 'auth.test') {
      return { status: 200, body: { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'ml-intern', team_id: 'T0FAKE', user_id: 'U0FAKE', bot_id: 'B0FAKE' } };
    }
    if (method !== 'chat.postMessage') return { status: 200, body: { ok: false, error: 'unknown_method' } };
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (!channel || (options.channels && !options.channels.includes(channel))) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    if (options.notInChannels?.includes(channel)) return { status: 200, body: { ok: false, error: 'not_in_channel' } };
    const text = typeof args.text === 'string' ? args.text : '';
    if (!text && args.blocks === undefined) return { status: 200, body: { ok: false, error: 'no_text' } };
    if (text.length > TEXT_LIMIT) return { status: 200, body: { ok: false, error: 'msg_too_long' } };
    const pointer = invalidBlock(args.blocks);
    if (pointer) {
      const detail = `[ERROR] must be between 1 and ${SECTION_TEXT_LIMIT} characters, at most ${BLOCK_LIMIT} blocks [json-pointer:${pointer}]`;
      return { status: 200, body: { ok: false, error: 'invalid_blocks', response_metadata: { messages: [detail] } } };
    }
    counter += 1;
    const ts = `1700000000.${String(counter).padStart(6, '0')}`;
    messages.push({ ...args, ts });
    return { status: 200, body: { ok: true, channel, ts, message: { type: 'message', text, bot_id: 'B0FAKE', ts } } };
  };

  const fake: HttpFake = await startHttpFake((request, response, raw) => {
    const method = request.path.replace(/^\/api\//, '');
    const { args, contentType } = decodeArgs(request);
    const token = bearerToken(raw, args);
    if ('token' in args) args.token = redact(String(args.token));
    const call: FakeSlackCall = { method, token: token === undefined ? undefined : redact(token), args, contentType, outcome: 'no_response' };
    calls.push(call);
    if (down === 'hang') return;
    if (down === 'error') {
      call.outcome = 'http_500';
      response.writeHead(500, { 'content-type': 'text/html' });
      response.end('<html><body>Internal Server Error</body></html>');
      return;
    }
    const failure = takeScripted(method);
    if (failure?.kind === 'ratelimited') {
      call.outcome = 'ratelimited';
      sendJson(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.value) });
      return;
    }
    const result = failure ? { status: 200, body: { ok: false, error: String(failure.value) } } : answer(method, args, token);
    call.outcome = result.body.ok === true ? 'ok' : String(result.body.error);
    sendJson(response, result.status, result.body);
  });

  return {
    url: fake.url,
    slackApiUrl: `${fake.url}/api/`,
    requests: fake.requests,
    calls,
    messages,
    failNext(error, failOptions = {}) {
      scripted.push({ kind: 'error', value: error, remaining: failOptions.times ?? 1, method: failOptions.method });
    },
    rateLimitNext(retryAfterSeconds, times = 1) {
      scripted.push({ kind: 'ratelimited', value: retryAfterSeconds, remaining: times, method: undefined });
    },
    setDown(mode) {
      down = mode;
      if (mode === 'refused') void fake.close();
    },
    close: fake.close,
    [Symbol.asyncDispose]: fake.close,
  };
}
