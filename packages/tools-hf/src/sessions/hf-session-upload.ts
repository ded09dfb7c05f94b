import { ConfigError, isAbortError, type SessionHeader, type SessionStore, type SessionWriter } from '@ml-intern/core';
import { resolveHfConfig, type HfRetryOptions } from '../hf-config.js';
import { toClaudeCodeJsonl } from './claude-code-jsonl.js';
import { SessionDataset, SessionUploadError } from './session-dataset.js';
import { SessionTranscript } from './session-transcript.js';

/** Options of {@link withHfSessionUpload}. Apps pass environment values in; nothing is read from `process.env`. */
export interface HfSessionUploadOptions {
  /** Hugging Face token with write access to the dataset's namespace (`HF_TOKEN`). */
  token: string;
  /** Hub base URL (`HF_ENDPOINT`), default `https://huggingface.co`. */
  hubUrl?: string | undefined;
  /** Custom fetch (proxies, tests). */
  fetch?: typeof fetch | undefined;
  /** Target dataset: `owner/name`, or `name` under the token owner. Default `{user}/ml-intern-sessions`. */
  repo?: string | undefined;
  /** Upload a running session this often when it changed (default 60 000 ms; 0 = only on close). */
  intervalMs?: number | undefined;
  /** How long `close()` waits for the final upload (default 10 000 ms); then the upload is cancelled. */
  closeTimeoutMs?: number | undefined;
  /** Applied to every string of the uploaded transcript (the app's secret redactor). */
  redact: (text: string) => string;
  /** Told once (per store) when uploads fail; the message never contains the token. */
  report?: ((message: string) => void) | undefined;
  /** Attempts per upload (default 3) and first backoff delay (default 1000 ms, doubling). */
  retry?: HfRetryOptions | undefined;
  /** Also upload into an existing public dataset (default false: only private datasets are written). */
  allowPublic?: boolean | undefined;
}

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const REPO_NAME = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

/** State shared by the writers of one store: the dataset, whether to keep trying, and the one report. */
interface UploadContext {
  dataset: SessionDataset;
  redact: (text: string) => string;
  intervalMs: number;
  closeTimeoutMs: number;
  /** A permanent failure (no access, public dataset): later uploads are skipped. */
  disabled: boolean;
  fail(message: string): void;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result < 0) throw new ConfigError(`${name} must be a non-negative number of milliseconds, got ${String(value)}`, { keyPath: name });
  return result;
}

/**
 * Wrap a session store so each session is also uploaded to a private Hugging Face dataset
 * (`{user}/ml-intern-sessions` by default) as `sessions/<id>.jsonl` in Claude Code JSONL, the
 * format the Hub's agent trace viewer renders (SPEC section 8). Records still go to the wrapped
 * store first; uploads run in the background (never inside `append`): every `intervalMs` while
 * the history changed, and once on `close()`, which waits for it up to `closeTimeoutMs`.
 * Transient failures are retried with backoff; failures are reported once and never affect the
 * session. The dataset is created private (with a card) when missing; a public one is refused
 * unless `allowPublic`.
 */
export function withHfSessionUpload(store: SessionStore, options: HfSessionUploadOptions): SessionStore {
  const token = options.token?.trim();
  if (!token) throw new ConfigError('session upload needs a Hugging Face token (HF_TOKEN)', { keyPath: 'token' });
  if (options.repo !== undefined && !REPO_NAME.test(options.repo)) {
    throw new ConfigError(`session dataset must be "owner/name" or "name", got "${options.repo}"`, { keyPath: 'repo' });
  }
  const config = resolveHfConfig({
    token,
    ...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // One retry layer: the upload retries as a whole (commits are POSTs the fetch layer would not retry).
    retry: { attempts: 1 },
  });
  const retry = { attempts: Math.max(1, options.retry?.attempts ?? 3), baseDelayMs: Math.max(0, options.retry?.baseDelayMs ?? 1_000) };
  const report = options.report ?? (() => {});
  let reported = false;
  const context: UploadContext = {
    dataset: new SessionDataset({ config, repo: options.repo, allowPublic: options.allowPublic, retry }),
    redact: options.redact,
    intervalMs: nonNegative(options.intervalMs, DEFAULT_INTERVAL_MS, 'intervalMs'),
    closeTimeoutMs: nonNegative(options.closeTimeoutMs, DEFAULT_CLOSE_TIMEOUT_MS, 'closeTimeoutMs'),
    disabled: false,
    fail(message) {
      if (reported) return;
      reported = true;
      report(options.redact(message));
    },
  };
  return {
    create: (header) => createUploadingWriter(store.create(header), header, context),
    load: (reference) => store.load(reference),
  };
}

function createUploadingWriter(inner: SessionWriter, header: SessionHeader, context: UploadContext): SessionWriter {
  const transcript = new SessionTranscript();
  const controller = new AbortController();
  const path = `sessions/${header.id.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`;
  let uploadedVersion = 0;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const upload = (): Promise<void> | undefined => {
    if (inFlight) return inFlight;
    if (context.disabled || transcript.version === uploadedVersion || transcript.messages.length === 0) return undefined;
    const version = transcript.version;
    let text: string;
    try {
      text = toClaudeCodeJsonl(header, transcript.messages, { redact: context.redact, info: transcript.info });
    } catch (error) {
      context.disabled = true;
      context.fail(`Session traces are not uploaded: converting the session failed (${(error as Error).message}). The local session log is unaffected.`);
      return undefined;
    }
    inFlight = context.dataset
      .upload(path, text, controller.signal)
      .then(
        () => {
          uploadedVersion = version;
        },
        (error: unknown) => {
          if (!isAbortError(error) && !controller.signal.aborted) reportFailure(error, context);
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const timer = context.intervalMs > 0 ? setInterval(() => void upload(), context.intervalMs) : undefined;
  timer?.unref();

  return {
    location: inner.location,
    append(record) {
      inner.append(record);
      if (!closed) transcript.apply(record);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      try {
        await inner.close();
      } finally {
        // The last changes, after any upload in flight; bounded so quitting never hangs on the network.
        const finished = await settlesWithin(
          (async () => {
            await inFlight;
            await upload();
          })(),
          context.closeTimeoutMs,
        );
        if (!finished) {
          controller.abort();
          context.fail(
            `Session traces: the final upload to ${describeTarget(context)} did not finish within ${Math.round(context.closeTimeoutMs / 100) / 10} s and was cancelled; the latest changes of this session are only in the local session log.`,
          );
        }
      }
    },
  };
}

function describeTarget(context: UploadContext): string {
  return context.dataset.id ? `dataset ${context.dataset.id}` : 'the Hugging Face Hub';
}

/** Permanent failures (no access, a public dataset, a bug) stop later uploads; all are reported once. */
function reportFailure(error: unknown, context: UploadContext): void {
  const permanent = !(error instanceof SessionUploadError) || !error.retryable;
  if (permanent) context.disabled = true;
  const message = error instanceof Error ? error.message : String(error);
  context.fail(`Session traces could not be uploaded to ${describeTarget(context)}: ${message}${permanent ? '' : ' Retrying in the background.'} The local session log is unaffected.`);
}

/** Whether `work` settles within `ms` (it keeps running otherwise; the caller cancels it). */
async function settlesWithin(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
