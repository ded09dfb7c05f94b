import Anthropic from '@anthropic-ai/sdk';
import { AbortError, DEFAULT_CONTEXT_WINDOW, DEFAULT_MAX_OUTPUT_TOKENS, httpFetch, imageRefusal } from '@ml-intern/core';
import type { LanguageModel, ModelFactory, ModelInfo, ModelRequest, ModelStreamPart, StreamOptions } from '@ml-intern/core';
import { buildAnthropicRequest } from './build-anthropic-request.js';
import { ANTHROPIC_IMAGE_LIMITS, lookupAnthropicModelInfo } from './model-catalog.js';
import type { AnthropicThinking, BuildRequestSettings } from './build-anthropic-request.js';
import { readModelStream } from './read-model-stream.js';
import { checkMaxResponseChars } from '@ml-intern/core';
import { toProviderError } from './to-provider-error.js';

/** Connection settings shared by every model built from them. */
export interface AnthropicClientOptions {
  /** Defaults to the SDK's own resolution (`ANTHROPIC_API_KEY`, then profiles). Sent as a Bearer token. */
  apiKey?: string;
  /** Without `/v1`. Defaults to `ANTHROPIC_BASE_URL`, then `https://api.anthropic.com`. */
  baseURL?: string;
  /** A `fetch` implementation to send requests with (default: core's `httpFetch`, which honours `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`). */
  fetch?: typeof globalThis.fetch;
  /** Extra headers on every request (e.g. `anthropic-beta`). */
  headers?: Record<string, string>;
  /**
   * SDK retries for `countTokens` only (default 2). Streaming calls are always sent with
   * `maxRetries: 0`: they are retried by core's `streamWithRetry`, which needs every failure.
   */
  maxRetries?: number;
  /** Time allowed until the response headers arrive, in ms (SDK default: 10 minutes). */
  timeoutMs?: number;
  /**
   * Give up (retryably) on a stream that sends nothing, not even a `ping`, for this long, in ms
   * (default {@link DEFAULT_IDLE_TIMEOUT_MS}; 0 turns it off).
   */
  idleTimeoutMs?: number;
  /**
   * Cap on one response: characters of text, thinking and tool-call arguments together (default
   * {@link DEFAULT_MAX_RESPONSE_CHARS}, 4 Mi; `Infinity` turns it off). A response that passes it
   * stops with a non-retryable `response_too_large` ProviderError instead of filling memory.
   */
  maxResponseChars?: number;
}

/** Long thinking can leave minutes between content events (pings keep coming); silence beyond this is a dropped stream. */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

/** Behaviour settings of one model. */
export interface AnthropicModelSettings {
  /** Extended thinking; see {@link AnthropicThinking}. */
  thinking?: AnthropicThinking;
  /** `cache_control` breakpoints on the system prompt, the last tool and the last user block (default true). */
  promptCaching?: boolean;
}

export interface AnthropicModelOptions extends AnthropicClientOptions, AnthropicModelSettings {
  /** The API's model name, e.g. `claude-opus-4-6`. */
  model: string;
  /** Full id as configured (default `anthropic/<model>`). */
  id?: string;
  /** Window, output reserve and prices; unset fields come from `ANTHROPIC_MODEL_CATALOG`, then core's defaults. */
  info?: Partial<ModelInfo>;
}

/** Options of {@link anthropicModelFactory}: the route supplies the model and the catalog its info. */
export type AnthropicFactoryOptions = AnthropicClientOptions & AnthropicModelSettings & { info?: Partial<ModelInfo> };

/** A LanguageModel whose exact token count (`/v1/messages/count_tokens`) is always available. */
export interface AnthropicLanguageModel extends LanguageModel {
  countTokens(request: ModelRequest, options?: StreamOptions): Promise<number>;
}

const DEFAULT_COUNT_RETRIES = 2;

function createClient(options: AnthropicClientOptions): Anthropic {
  return new Anthropic({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    fetch: options.fetch ?? httpFetch,
    ...(options.headers === undefined ? {} : { defaultHeaders: options.headers }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    maxRetries: 0,
  });
}

/** A LanguageModel over the Anthropic Messages API (streaming, tools, thinking, prompt caching). */
class AnthropicMessagesModel implements AnthropicLanguageModel {
  readonly id: string;
  readonly info: ModelInfo;
  readonly #client: Anthropic;
  readonly #settings: BuildRequestSettings;
  readonly #countRetries: number;
  readonly #idleTimeoutMs: number;
  readonly #maxResponseChars: number;

  constructor(client: Anthropic, options: AnthropicModelOptions) {
    this.id = options.id ?? `anthropic/${options.model}`;
    const given = Object.fromEntries(Object.entries(options.info ?? {}).filter(([, value]) => value !== undefined)) as Partial<ModelInfo>;
    // Every Claude model on the Messages API takes images; `info.imageInput` can still be overridden.
    this.info = { contextWindow: DEFAULT_CONTEXT_WINDOW, maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS, imageInput: ANTHROPIC_IMAGE_LIMITS, ...lookupAnthropicModelInfo(options.model), ...given };
    this.#client = client;
    this.#countRetries = options.maxRetries ?? DEFAULT_COUNT_RETRIES;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#maxResponseChars = checkMaxResponseChars(options.maxResponseChars);
    this.#settings = {
      model: options.model,
      maxOutputTokens: this.info.maxOutputTokens,
      promptCaching: options.promptCaching ?? true,
      imageRefusal: (image) => imageRefusal(this.id, this.info, image),
      ...(options.thinking === undefined ? {} : { thinking: options.thinking }),
    };
  }

  async *stream(request: ModelRequest, options: StreamOptions = {}): AsyncGenerator<ModelStreamPart> {
    const { signal } = options;
    if (signal?.aborted) throw new AbortError();
    const body = buildAnthropicRequest(request, this.#settings);
    // One controller per call, so the SDK's abort listener never piles up on a long-lived caller signal.
    const call = new AbortController();
    const forward = () => call.abort();
    signal?.addEventListener('abort', forward, { once: true });
    let completed = false;
    try {
      let response: Response;
      try {
        response = await this.#client.messages.create({ ...body, stream: true }, { signal: call.signal }).asResponse();
      } catch (error) {
        throw toProviderError(error, 'request', signal, this.#client.baseURL);
      }
      try {
        yield* readModelStream(response, call.signal, { idleTimeoutMs: this.#idleTimeoutMs, maxResponseChars: this.#maxResponseChars });
        completed = true;
      } catch (error) {
        throw toProviderError(error, 'stream', signal);
      }
    } finally {
      signal?.removeEventListener('abort', forward);
      // Stopped early or failed: cancel the request. A completed one keeps its pooled connection.
      if (!completed) call.abort();
    }
  }

  async countTokens(request: ModelRequest, options: StreamOptions = {}): Promise<number> {
    const { max_tokens: _unused, ...body } = buildAnthropicRequest(request, this.#settings);
    try {
      const result = await this.#client.messages.countTokens(body, { maxRetries: this.#countRetries, ...(options.signal ? { signal: options.signal } : {}) });
      return result.input_tokens;
    } catch (error) {
      throw toProviderError(error, 'request', options.signal, this.#client.baseURL);
    }
  }
}

/**
 * Create a LanguageModel for one Claude model. The SDK is constructed with `maxRetries: 0`; wrap
 * calls in core's `streamWithRetry`, which acts on the ProviderError classification given here.
 */
export function createAnthropicModel(options: AnthropicModelOptions): AnthropicLanguageModel {
  return new AnthropicMessagesModel(createClient(options), options);
}

/**
 * A `ModelFactory` for `resolveModel`: `resolveModel(id, { factories: { anthropic:
 * anthropicModelFactory({ apiKey, baseURL }) } })`. Models built by one factory share one client
 * (and its connection pool).
 */
export function anthropicModelFactory(options: AnthropicFactoryOptions = {}): ModelFactory {
  let client: Anthropic | undefined;
  return (route, info) => {
    client ??= createClient(options);
    return new AnthropicMessagesModel(client, { ...options, model: route.model, id: route.id, info: { ...info, ...options.info } });
  };
}
