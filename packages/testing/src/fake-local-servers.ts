/**
 * What local and OpenAI-compatible servers say that OpenAI does not: their metadata endpoints
 * (how large the context window is) and their context-overflow errors, each in its own words and
 * shape, as the real servers send them.
 */

/** The servers imitated. */
export type LocalServerKind = 'vllm' | 'vllm_legacy' | 'llamacpp' | 'ollama' | 'lm_studio' | 'tgi';

/** How a {@link startFakeOpenAI} fake behaves like one of these servers. */
export interface FakeLocalServer {
  kind: LocalServerKind;
  /**
   * The window the server holds, in tokens. Reported by its metadata endpoint and enforced: a
   * request whose prompt (estimated at 4 characters a token) plus `max_tokens` does not fit is
   * answered with the server's overflow error.
   */
  contextWindow?: number;
  /** Ollama: also list `num_ctx` in `/api/show`'s parameters (what requests actually get); the trained length is `contextWindow`. */
  ollamaNumCtx?: number;
}

export interface LocalServerAnswer {
  status: number;
  body: unknown;
}

/** The overflow error of `kind` for a prompt of `promptTokens` plus `completionTokens` against `window`. */
export function localOverflowError(kind: LocalServerKind, window: number, promptTokens: number, completionTokens: number): LocalServerAnswer {
  const total = promptTokens + completionTokens;
  switch (kind) {
    case 'vllm':
    case 'vllm_legacy': {
      const message = `This model's maximum context length is ${window} tokens. However, you requested ${total} tokens (${promptTokens} in the messages, ${completionTokens} in the completion). Please reduce the length of the messages or completion.`;
      // vLLM before 0.10.2 answered with its error at the top level; later versions nest it as OpenAI does.
      const error = { message, type: 'BadRequestError', param: null, code: 400 };
      return { status: 400, body: kind === 'vllm_legacy' ? { object: 'error', ...error } : { error } };
    }
    case 'llamacpp':
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: `request (${promptTokens} tokens) exceeds the available context size (${window} tokens), try increasing it`,
            type: 'exceed_context_size_error',
            n_prompt_tokens: promptTokens,
            n_ctx: window,
          },
        },
      };
    case 'ollama':
      return { status: 400, body: { error: { message: 'the input length exceeds the context length', type: 'invalid_request_error', param: null, code: null } } };
    case 'lm_studio':
      return {
        status: 400,
        body: {
          error: `Trying to keep the first ${promptTokens} tokens when context the overflows. However, the model is loaded with context length of only ${window} tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input`,
        },
      };
    case 'tgi':
      return {
        status: 422,
        body: {
          error: `Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= ${window}. Given: ${promptTokens} \`inputs\` tokens and ${completionTokens} \`max_new_tokens\``,
          error_type: 'validation',
        },
      };
  }
}

/**
 * The server's metadata answer for a request, or `undefined` when the path is not one of its
 * metadata endpoints. `models` are the ids served.
 */
export function localMetadata(server: FakeLocalServer, method: string, path: string, body: unknown, models: readonly string[]): LocalServerAnswer | undefined {
  const window = server.contextWindow;
  const route = `${method} ${path.split('?')[0]}`;
  switch (server.kind) {
    case 'vllm':
    case 'vllm_legacy':
      if (route === 'GET /v1/models') {
        const data = models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'vllm', root: id, parent: null, max_model_len: window ?? 131_072, permission: [] }));
        return { status: 200, body: { object: 'list', data } };
      }
      return undefined;
    case 'llamacpp':
      if (route === 'GET /props') {
        return {
          status: 200,
          body: {
            default_generation_settings: { id: 0, n_ctx: window ?? 4_096, speculative: false, is_processing: false, params: { n_predict: -1, temperature: 0.8 } },
            total_slots: 1,
            model_path: `/models/${models[0] ?? 'model'}.gguf`,
            chat_template: '{{ messages }}',
            build_info: 'b6000-fake',
          },
        };
      }
      return undefined;
    case 'ollama':
      if (route === 'POST /api/show') {
        const name = typeof body === 'object' && body !== null ? (body as { model?: unknown; name?: unknown }).model ?? (body as { name?: unknown }).name : undefined;
        if (typeof name !== 'string' || !models.includes(name)) return { status: 404, body: { error: `model '${String(name)}' not found` } };
        const parameters = [`stop                           "<|im_end|>"`, ...(server.ollamaNumCtx ? [`num_ctx                        ${server.ollamaNumCtx}`] : [])].join('\n');
        return {
          status: 200,
          body: {
            modelfile: `FROM ${name}`,
            parameters,
            template: '{{ .Prompt }}',
            details: { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
            model_info: { 'general.architecture': 'qwen2', 'general.parameter_count': 7_615_616_512, 'qwen2.context_length': window ?? 32_768, 'qwen2.embedding_length': 3_584 },
            capabilities: ['completion', 'tools'],
          },
        };
      }
      return undefined;
    case 'lm_studio': {
      const prefix = 'GET /api/v0/models/';
      if (route.startsWith(prefix)) {
        const id = decodeURIComponent(route.slice(prefix.length));
        if (!models.includes(id)) return { status: 404, body: { error: `Model "${id}" not found` } };
        return {
          status: 200,
          body: { id, object: 'model', type: 'llm', publisher: 'lmstudio-community', arch: 'qwen2', compatibility_type: 'gguf', quantization: 'Q4_K_M', state: 'loaded', max_context_length: 32_768, loaded_context_length: window ?? 4_096 },
        };
      }
      return undefined;
    }
    case 'tgi':
      if (route === 'GET /info') {
        return { status: 200, body: { model_id: models[0] ?? 'model', max_input_tokens: (window ?? 4_096) - 1, max_total_tokens: window ?? 4_096, router: 'text-generation-router', version: '3.3.0' } };
      }
      return undefined;
  }
}

/** Whether a model request fits `server`'s window; the overflow answer when it does not. */
export function checkLocalWindow(server: FakeLocalServer, body: Record<string, unknown>, bodyLength: number): LocalServerAnswer | undefined {
  const window = server.contextWindow;
  if (window === undefined) return undefined;
  const promptTokens = Math.max(1, Math.ceil(bodyLength / 4));
  const requested = body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens;
  const completionTokens = typeof requested === 'number' ? requested : 0;
  if (promptTokens + completionTokens <= window) return undefined;
  return localOverflowError(server.kind, window, promptTokens, completionTokens);
}
