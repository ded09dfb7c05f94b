import { AbortError, isAbortError, sleep } from '@ml-intern/core';
import type { HfConfig, HfRetryOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { HubHttpError, isHubApiError } from '../hub-error.js';
import { loadHub } from '../hub-library.js';
import { HubNetworkError } from '../hub-fetch.js';
import { sessionDatasetCard } from './session-dataset-card.js';

/** Default dataset name under the token owner's namespace. */
export const DEFAULT_SESSION_DATASET_NAME = 'ml-intern-sessions';

/** Why an upload failed, already redacted; `retryable` failures may succeed later. */
export class SessionUploadError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, cause?: unknown) {
    super(message, { cause });
    this.name = 'SessionUploadError';
    this.retryable = retryable;
  }
}

export interface SessionDatasetOptions {
  config: HfConfig;
  /** `owner/name`, or `name` under the token owner's namespace; default `{user}/ml-intern-sessions`. */
  repo?: string | undefined;
  /** Upload into an existing public dataset too (default false: only private ones). */
  allowPublic?: boolean | undefined;
  /** Attempts per upload and the first backoff delay (doubling, with jitter). */
  retry: Required<HfRetryOptions>;
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof HubHttpError) return error.status;
  if (isHubApiError(error)) return error.statusCode;
  return undefined;
}

function isRetryable(error: unknown): boolean {
  if (error instanceof HubNetworkError || error instanceof TypeError) return true;
  const status = statusOf(error);
  return status !== undefined && (status >= 500 || status === 429 || status === 408);
}

/**
 * The private dataset sessions are uploaded to: resolves `{user}` with whoami once, creates the
 * dataset (private, with a card warning about its contents) when it does not exist, refuses a
 * public one unless allowed, and commits files to it.
 */
export class SessionDataset {
  readonly #options: SessionDatasetOptions;
  #target: Promise<string> | undefined;
  /** The dataset was created here and its card is not uploaded yet. */
  #cardPending = false;
  /** Set once the dataset is known, for messages. */
  id: string | undefined;

  constructor(options: SessionDatasetOptions) {
    this.#options = options;
    const repo = options.repo;
    if (repo !== undefined && repo.includes('/')) this.id = repo;
  }

  /** Commit one file, retrying transient failures (network, 5xx, 429) with a bounded exponential backoff. */
  async upload(path: string, text: string, signal: AbortSignal): Promise<void> {
    const { attempts, baseDelayMs } = this.#options.retry;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#uploadOnce(path, text, signal);
      } catch (error) {
        if (signal.aborted || isAbortError(error)) throw new AbortError();
        if (!(error instanceof SessionUploadError) || !error.retryable || attempt >= attempts) throw error;
      }
      const delay = baseDelayMs * 2 ** (attempt - 1);
      await sleep(delay + delay * 0.25 * Math.random(), signal);
    }
  }

  async #uploadOnce(path: string, text: string, signal: AbortSignal): Promise<void> {
    const call = createHubCall(this.#options.config, signal);
    try {
      const id = await (this.#target ??= this.#prepare(call));
      const withCard = this.#cardPending;
      const files = [{ path, content: new Blob([text], { type: 'application/jsonl' }) }];
      if (withCard) files.push({ path: 'README.md', content: new Blob([sessionDatasetCard(id)], { type: 'text/markdown' }) });
      const { uploadFiles } = await loadHub();
      await uploadFiles({ ...call.library, repo: { type: 'dataset', name: id }, files, commitTitle: `Upload session ${path}`, abortSignal: signal });
      if (withCard) this.#cardPending = false;
    } catch (error) {
      // Check the dataset again next time: it may have been deleted, made public or created meanwhile.
      this.#target = undefined;
      if (signal.aborted) throw new AbortError();
      if (error instanceof SessionUploadError) throw error;
      // Another upload sharing the preparation was cancelled; this one can simply try again.
      if (isAbortError(error)) throw new SessionUploadError('an upload sharing this one was cancelled', true, error);
      const label = this.id ? `dataset "${this.id}"` : 'the session dataset';
      throw new SessionUploadError(call.describe(error, { label, kind: 'repo', ...(this.id ? { pageUrl: `${this.#options.config.hubUrl}/datasets/${this.id}` } : {}) }), isRetryable(error), error);
    }
  }

  async #prepare(call: HubCall): Promise<string> {
    const { createRepo, whoAmI } = await loadHub();
    const configured = this.#options.repo;
    const id = configured?.includes('/') ? configured : `${(await whoAmI({ ...call.library })).name}/${configured ?? DEFAULT_SESSION_DATASET_NAME}`;
    this.id = id;
    const existing = await this.#visibility(call, id);
    if (existing === undefined) {
      try {
        await createRepo({ ...call.library, repo: { type: 'dataset', name: id }, visibility: 'private' });
        this.#cardPending = true;
        return id;
      } catch (error) {
        // Created concurrently by another session: check it like any existing dataset.
        if (statusOf(error) !== 409) throw error;
        return this.#checkVisibility(id, await this.#visibility(call, id));
      }
    }
    return this.#checkVisibility(id, existing);
  }

  #checkVisibility(id: string, isPrivate: boolean | undefined): string {
    if (isPrivate === false && !this.#options.allowPublic) {
      throw new SessionUploadError(
        `dataset "${id}" is public, and session traces are only uploaded to private datasets; make it private in its settings or configure another session_dataset_repo.`,
        false,
      );
    }
    return id;
  }

  /** `true`/`false` for an existing dataset's privacy, `undefined` when it does not exist. */
  async #visibility(call: HubCall, id: string): Promise<boolean | undefined> {
    try {
      const info = await call.json<{ private?: boolean }>(`${this.#options.config.hubUrl}/api/datasets/${id}`);
      return info.private === true;
    } catch (error) {
      if (error instanceof HubHttpError && error.status === 404) return undefined;
      throw error;
    }
  }
}
