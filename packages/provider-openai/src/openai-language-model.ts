import {
  AbortError,
  ConfigError,
  ContextOverflowError,
  DEFAULT_CONTEXT_WINDOW,
  DEFAULT_MAX_OUTPUT_TOKENS,
  type LanguageModel,
  type ModelInfo,
  type ModelRequest,
  type ModelStreamPart,
  type ReasoningEffort,
  type StreamOptions,
  httpFetch,
  imageRefusal,
  readServerSentEvents,
} from '@ml-intern/core';
import OpenAI, { APIError, OpenAIError } from 'openai';
import { ChatStreamAssembler, buildChatRequest } from './chat-completion-stream.js';
import { probeContextWindow } from './context-window-probe.js';
import { lookupOpenAIModelInfo } from './model-catalog.js';
import { withReadableErrors } from './readable-errors.js';
import { streamIdleError, toProviderError, type EndpointDescription } from './openai-error.js';
import { acceptsReasoningEffort, isOpenAIReasoningModel, wireReasoningEffort } from './reasoning-models.js';
import type { RequestSettings } from './request-settings.js';
import { mergeDeltas } from './merge-deltas.js';
import type { StreamAssembler } from './stream-assembler.js';
import { ResponsesStreamAssembler, buildResponsesRequest } from './responses-stream.js';
import { capEventBytes, checkMaxResponseChars, maxEventBytes, responseChars, responseTooLargeError } from '@ml-intern/core';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Options of {@link createOpenAIModel}. */
export interface OpenAIModelOptions {
  /** Model name as the server knows it: `gpt-5.5`, `Qwen/Qwen3-Coder:fastest`, `llama3.1`. */
  model: string;
  /** Full id reported by the model (default `openai/<model>`). */
  id?: string;
  /** Endpoint including `/v1` (default: the SDK's default, `OPENAI_BASE_URL` or api.openai.com). */
  baseURL?: string;
  /** API key (default: the SDK's default, `OPENAI_API_KEY`). Local servers take any placeholder. */
  apiKey?: string;
  /** OpenAI organization and project headers; `null` sends none. Non-OpenAI providers default to `null`. */
  organization?: string | null;
  project?: string | null;
  /** Sends every request (default: core's `httpFetch`, which honours `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`). */
  fetch?: typeof globalThis.fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /**
   * Window, output limit and prices. Unset fields come from this package's catalog
   * (`OPENAI_MODEL_CATALOG`: OpenAI and HF router models), then from the server (see
   * `probeContextWindow`), then from core's defaults (128k window, no price).
   */
  info?: Partial<ModelInfo>;
  /**
   * Ask the server for its context window before the first request when neither `info` nor the
   * catalog gives one (default true). Local servers (`vllm`, `llamacpp`, `ollama`, `lm_studio`)
   * and OpenAI-compatible servers at another address than OpenAI's can say.
   */
  probeContextWindow?: boolean;
  /** `responses` is the default for OpenAI reasoning models (o-series, gpt-5*), `chat` for the rest. */
  api?: 'chat' | 'responses';
  /** Effort used when a request does not set one. */
  reasoningEffort?: ReasoningEffort;
  /** Whether the model reasons (accepts a reasoning effort); detected from the name by default. */
  reasoningModel?: boolean;
  /** Reasoning summaries asked from the Responses API (default `auto`; `null` for none). */
  reasoningSummary?: 'auto' | 'concise' | 'detailed' | null;
  /** Who serves the model: `openai` (default), `huggingface`, `ollama`, `vllm`, `lm_studio`, `llamacpp`, … */
  provider?: string;
  /** Name used in error messages (default derived from `provider`). */
  label?: string;
  /** Advice appended to connection errors, e.g. which variable sets the address. */
  connectionHint?: string;
  /** Time allowed until the response headers arrive, in ms (default: the SDK's 10 minutes). */
  timeoutMs?: number;
  /** Give up (retryably) on a stream that sends nothing for this long, in ms (default 10 minutes; 0 turns it off). */
  idleTimeoutMs?: number;
  /**
   * Cap on one response: characters of text, reasoning and tool-call arguments together (default
   * {@link DEFAULT_MAX_RESPONSE_CHARS}, 4 Mi; `Infinity` turns it off). A response that passes it
   * stops with a non-retryable `response_too_large` ProviderError instead of filling memory.
   */
  maxResponseChars?: number;
}

/** Reasoning models can think for minutes between events; a silent stream longer than this is treated as dropped. */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

const LABELS: Record<string, string> = {
  openai: 'OpenAI',
  huggingface: 'Hugging Face router',
  ollama: 'Ollama',
  vllm: 'vLLM',
  lm_studio: 'LM Studio',
  llamacpp: 'llama.cpp server',
};

/** Output tokens kept free for the answer once a window is learned: a quarter of it, at least 256. */
function outputReserveFor(window: number): number {
  return Math.max(256, Math.floor(window / 4));
}

function isOpenAIItself(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

function createClient(options: OpenAIModelOptions, provider: string): OpenAI {
  const isOpenAI = provider === 'openai';
  try {
    return new OpenAI({
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.organization !== undefined ? { organization: options.organization } : isOpenAI ? {} : { organization: null }),
      ...(options.project !== undefined ? { project: options.project } : isOpenAI ? {} : { project: null }),
      fetch: withReadableErrors(options.fetch ?? httpFetch),
      ...(options.headers ? { defaultHeaders: options.headers } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      // Retries live in core (streamWithRetry), which also retries streams that fail midway.
      maxRetries: 0,
    });
  } catch (error) {
    if (error instanceof OpenAIError) {
      throw new ConfigError(
        'No OpenAI API key: set OPENAI_API_KEY (create one at https://platform.openai.com/api-keys) or pass `apiKey`.',
        { cause: error },
      );
    }
    throw error;
  }
}

/** The LanguageModel {@link createOpenAIModel} returns; `api` says which OpenAI API it calls. */
export interface OpenAILanguageModel extends LanguageModel {
  readonly api: 'chat' | 'responses';
  /**
   * Ask the server for its context window now (once; later calls share the answer) and return the
   * info it led to. `stream` does this itself before its first request; apps call it at startup so
   * the window is right from the first compaction check.
   */
  probeInfo(options?: StreamOptions): Promise<ModelInfo>;
}

/** A {@link LanguageModel} on the openai SDK, for OpenAI and every OpenAI-compatible server. */
class OpenAICompatibleModel implements OpenAILanguageModel {
  readonly id: string;
  readonly info: ModelInfo;
  readonly #client: OpenAI;
  readonly #api: 'chat' | 'responses';
  readonly #settings: RequestSettings;
  readonly #endpoint: EndpointDescription;
  readonly #idleTimeoutMs: number;
  readonly #maxResponseChars: number;
  readonly #provider: string;
  readonly #model: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof globalThis.fetch;
  /** The output limit came from the caller or the catalog: a learned window does not lower it. */
  readonly #maxOutputGiven: boolean;
  /** Whether the window still has to be asked of the server. */
  #probe: 'pending' | 'done' | Promise<ModelInfo>;

  constructor(options: OpenAIModelOptions) {
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#maxResponseChars = checkMaxResponseChars(options.maxResponseChars);
    const provider = options.provider ?? 'openai';
    this.id = options.id ?? `${provider}/${options.model}`;
    const catalog = lookupOpenAIModelInfo(provider, options.model);
    const given = Object.fromEntries(Object.entries(options.info ?? {}).filter(([, value]) => value !== undefined)) as Partial<ModelInfo>;
    this.info = { contextWindow: DEFAULT_CONTEXT_WINDOW, maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS, ...catalog, ...given };
    this.#maxOutputGiven = given.maxOutputTokens !== undefined || catalog.maxOutputTokens !== undefined;
    this.#provider = provider;
    this.#model = options.model;
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? httpFetch;
    this.#client = createClient(options, provider);
    const windowKnown = given.contextWindow !== undefined || catalog.contextWindow !== undefined;
    const canSay = provider !== 'huggingface' && !(provider === 'openai' && isOpenAIItself(this.#client.baseURL));
    this.#probe = options.probeContextWindow !== false && !windowKnown && canSay ? 'pending' : 'done';
    const isOpenAI = provider === 'openai';
    this.#api = options.api ?? (isOpenAI && isOpenAIReasoningModel(options.model) ? 'responses' : 'chat');
    const reasoningModel = options.reasoningModel ?? acceptsReasoningEffort(options.model);
    this.#settings = {
      model: options.model,
      maxTokensField: isOpenAI ? 'max_completion_tokens' : 'max_tokens',
      reasoningModel,
      reasoningSummary: options.reasoningSummary === undefined ? 'auto' : options.reasoningSummary,
      reasoningEffort: (request) => {
        const effort = request.reasoningEffort ?? options.reasoningEffort;
        return reasoningModel && effort !== undefined ? wireReasoningEffort(options.model, effort, isOpenAI) : undefined;
      },
      imageRefusal: (image) => imageRefusal(this.id, this.info, image),
    };
    this.#endpoint = {
      label: options.label ?? LABELS[provider] ?? provider,
      baseURL: this.#client.baseURL,
      ...(options.connectionHint ? { connectionHint: options.connectionHint } : {}),
    };
  }

  /** Which API this model calls. */
  get api(): 'chat' | 'responses' {
    return this.#api;
  }

  probeInfo(options: StreamOptions = {}): Promise<ModelInfo> {
    if (this.#probe === 'done') return Promise.resolve(this.info);
    if (this.#probe !== 'pending') return this.#probe;
    const probing = probeContextWindow({
      provider: this.#provider,
      model: this.#model,
      baseURL: this.#client.baseURL,
      apiKey: this.#apiKey,
      fetch: this.#fetch,
      signal: options.signal,
    }).then((window) => {
      if (window !== undefined) this.#learnWindow(window);
      // An aborted probe may be tried again by the next call; an answered one (even "can't say") is final.
      this.#probe = options.signal?.aborted ? 'pending' : 'done';
      return this.info;
    });
    this.#probe = probing;
    return probing;
  }

  /** The server said how large its window is: believe it, and keep the answer's reserve inside it. */
  #learnWindow(window: number): void {
    this.info.contextWindow = window;
    if (!this.#maxOutputGiven || this.info.maxOutputTokens >= window) this.info.maxOutputTokens = Math.min(this.info.maxOutputTokens, outputReserveFor(window));
  }

  stream(request: ModelRequest, options: StreamOptions = {}): AsyncGenerator<ModelStreamPart> {
    if (this.#probe !== 'done') return this.#streamAfterProbe(request, options);
    return this.#stream(request, options);
  }

  async *#streamAfterProbe(request: ModelRequest, options: StreamOptions): AsyncGenerator<ModelStreamPart> {
    const before = this.info.maxOutputTokens;
    await this.probeInfo(options);
    if (options.signal?.aborted) throw new AbortError();
    // The request was built with the output reserve of the assumed window; keep it inside the real one.
    const limit = this.info.maxOutputTokens;
    const adjusted = request.maxOutputTokens !== undefined && limit < before && request.maxOutputTokens > limit ? { ...request, maxOutputTokens: limit } : request;
    yield* this.#stream(adjusted, options);
  }

  #stream(request: ModelRequest, options: StreamOptions): AsyncGenerator<ModelStreamPart> {
    const signal = options.signal;
    const requestOptions = signal ? { signal } : {};
    if (this.#api === 'responses') {
      const body = buildResponsesRequest(request, this.#settings);
      return this.#drive(() => this.#client.responses.create(body, requestOptions).asResponse(), new ResponsesStreamAssembler(this.#endpoint), signal);
    }
    const body = buildChatRequest(request, this.#settings);
    return this.#drive(() => this.#client.chat.completions.create(body, requestOptions).asResponse(), new ChatStreamAssembler(this.#endpoint), signal);
  }

  /**
   * Run one streamed request. The SDK sends it and turns HTTP failures into its error classes; the
   * body is framed by `readServerSentEvents` and read with the SDK's rules (`[DONE]` ends the
   * stream, a frame with an `error` field is an API error) so a fast stream costs one part per
   * network read rather than several promise hops per token. An answer longer than the response
   * cap stops the download with a final (non-retryable) `response_too_large` error.
   */
  async *#drive<Item>(open: () => Promise<Response>, assembler: StreamAssembler<Item>, signal: AbortSignal | undefined): AsyncGenerator<ModelStreamPart> {
    if (signal?.aborted) throw new AbortError();
    const parts: ModelStreamPart[] = [];
    try {
      const response = await open();
      assembler.requestId = response.headers.get('x-request-id') ?? undefined;
      if (!response.body) throw new TypeError('the response has no body');
      const idleMs = this.#idleTimeoutMs;
      const idle = idleMs > 0 ? { ms: idleMs, error: () => streamIdleError(this.#endpoint, idleMs, assembler.requestId) } : undefined;
      const maxChars = this.#maxResponseChars;
      const label = this.#endpoint.label;
      const body = capEventBytes(response.body, maxEventBytes(maxChars), () =>
        responseTooLargeError(label, maxEventBytes(maxChars), assembler.requestId, 'bytes in one stream event'),
      );
      let received = 0;
      for await (const events of readServerSentEvents(body, idle)) {
        let failure: unknown;
        try {
          for (const event of events) {
            if (event.data.startsWith('[DONE]')) continue;
            const item = JSON.parse(event.data) as Item & { error?: unknown };
            if (item.error) throw new APIError(undefined, item.error as object, undefined, response.headers);
            const start = parts.length;
            assembler.accept(item, parts);
            for (let index = start; index < parts.length; index += 1) received += responseChars(parts[index] as ModelStreamPart);
            if (received > maxChars) throw responseTooLargeError(label, maxChars, assembler.requestId);
          }
        } catch (error) {
          failure = error;
        }
        mergeDeltas(parts);
        for (const part of parts) yield part;
        parts.length = 0;
        if (failure !== undefined) throw failure;
      }
    } catch (error) {
      const failure = toProviderError(error, this.#endpoint, assembler.requestId);
      // The server named its window: the compaction that follows, and every later request, use it.
      if (ContextOverflowError.isInstance(failure) && failure.contextWindow !== undefined && failure.contextWindow < this.info.contextWindow) {
        this.#learnWindow(failure.contextWindow);
      }
      throw failure;
    }
    // An aborted body can end without an error on some runtimes; the caller must still learn it was cut short.
    if (signal?.aborted) throw new AbortError();
    yield* assembler.end();
  }
}


/**
 * A language model on OpenAI's Chat Completions or Responses API. Serves OpenAI and every
 * OpenAI-compatible endpoint (HF Inference Providers router, vLLM, Ollama, LM Studio, llama.cpp).
 * The SDK never retries (`maxRetries: 0`): errors come out as core `ProviderError`s classified for
 * `streamWithRetry`.
 */
export function createOpenAIModel(options: OpenAIModelOptions): OpenAILanguageModel {
  return new OpenAICompatibleModel(options);
}
