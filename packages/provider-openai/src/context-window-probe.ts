/**
 * Ask a local OpenAI-compatible server how large its context window is, where it can say:
 *
 * - vLLM: `GET /v1/models` lists each model's `max_model_len`;
 * - llama.cpp server: `GET /props` has `default_generation_settings.n_ctx` (older builds: `n_ctx`);
 * - Ollama: `POST /api/show` has the model's `parameters` (`num_ctx 8192`, what a request gets) and
 *   `model_info["<arch>.context_length"]` (what the model was trained for);
 * - LM Studio: `GET /api/v0/models/<model>` has `loaded_context_length` and `max_context_length`.
 *
 * Every probe is bounded in time and never throws: a server that cannot say leaves the window as
 * it was.
 */

export interface ContextWindowProbeTarget {
  /** `vllm`, `llamacpp`, `ollama`, `lm_studio`, or `openai` for an OpenAI-compatible server elsewhere. */
  provider: string;
  model: string;
  /** The API root including `/v1`. */
  baseURL: string;
  apiKey?: string | undefined;
  fetch: typeof globalThis.fetch;
  signal?: AbortSignal | undefined;
  /** Per request (default 5 s). */
  timeoutMs?: number;
}

type Probe = (target: ContextWindowProbeTarget, get: (url: string, init?: RequestInit) => Promise<unknown>) => Promise<number | undefined>;

function positive(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
}

function serverRoot(baseURL: string): string {
  return baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** vLLM (and servers that copy it): `max_model_len` of the model in `/v1/models`. */
const fromModelList: Probe = async (target, get) => {
  const list = (await get(`${target.baseURL.replace(/\/+$/, '')}/models`)) as { data?: unknown } | undefined;
  const models = Array.isArray(list?.data) ? (list.data as Record<string, unknown>[]) : [];
  const entry = models.find((model) => model?.id === target.model) ?? (models.length === 1 ? models[0] : undefined);
  return positive(entry?.max_model_len) ?? positive(entry?.context_length) ?? positive(entry?.context_window);
};

const fromLlamaCppProps: Probe = async (target, get) => {
  const props = (await get(`${serverRoot(target.baseURL)}/props`)) as { n_ctx?: unknown; default_generation_settings?: { n_ctx?: unknown } } | undefined;
  return positive(props?.default_generation_settings?.n_ctx) ?? positive(props?.n_ctx);
};

const fromOllamaShow: Probe = async (target, get) => {
  const show = (await get(`${serverRoot(target.baseURL)}/api/show`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: target.model }),
  })) as { parameters?: unknown; model_info?: Record<string, unknown> } | undefined;
  const numCtx = typeof show?.parameters === 'string' ? /(?:^|\n)\s*num_ctx\s+(\d+)/.exec(show.parameters)?.[1] : undefined;
  if (numCtx) return positive(numCtx);
  const info = show?.model_info ?? {};
  for (const [key, value] of Object.entries(info)) if (key.endsWith('.context_length') && positive(value)) return positive(value);
  return undefined;
};

const fromLmStudio: Probe = async (target, get) => {
  const model = (await get(`${serverRoot(target.baseURL)}/api/v0/models/${encodeURIComponent(target.model)}`)) as Record<string, unknown> | undefined;
  return positive(model?.loaded_context_length) ?? positive(model?.max_context_length);
};

const PROBES: Record<string, Probe[]> = {
  vllm: [fromModelList],
  llamacpp: [fromLlamaCppProps, fromModelList],
  ollama: [fromOllamaShow],
  lm_studio: [fromLmStudio, fromModelList],
  openai: [fromModelList],
};

/** The window the server reports for the model, or `undefined` when it cannot say. */
export async function probeContextWindow(target: ContextWindowProbeTarget): Promise<number | undefined> {
  const probes = PROBES[target.provider] ?? [];
  const timeoutMs = target.timeoutMs ?? 5_000;
  const get = async (url: string, init: RequestInit = {}): Promise<unknown> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = target.signal ? AbortSignal.any([target.signal, timeout]) : timeout;
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json');
    if (target.apiKey) headers.set('authorization', `Bearer ${target.apiKey}`);
    const response = await target.fetch(url, { ...init, headers, signal });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    return response.json();
  };
  for (const probe of probes) {
    if (target.signal?.aborted) return undefined;
    try {
      const window = await probe(target, get);
      if (window !== undefined) return window;
    } catch {
      // Not this server, or it is down: the next probe, or the window stays as it was.
    }
  }
  return undefined;
}
