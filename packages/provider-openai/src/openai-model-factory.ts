import { ConfigError, type LanguageModel, type ModelFactory, type ModelInfo, type ModelRoute, type ReasoningEffort } from '@ml-intern/core';
import { OPENAI_BASE_URL, createOpenAIModel } from './openai-language-model.js';

export const HF_ROUTER_BASE_URL = 'https://router.huggingface.co/v1';

/** Environment variables read from the record the app passes in (never from `process.env` directly). */
export type OpenAIEnvironment = Readonly<Record<string, string | undefined>>;

/** Where a route's requests go and how they authenticate. */
export interface OpenAIEndpoint {
  provider: ModelRoute['provider'];
  baseURL: string;
  apiKey: string;
  /** OpenAI organization/project (only for `openai/…`). */
  organization: string | null;
  project: string | null;
  /** Advice for connection failures. */
  connectionHint?: string;
}

interface LocalServer {
  variable: string;
  /** Also accepted, for configurations written for the Python ml-intern. */
  alternative?: string;
  defaultURL: string;
  label: string;
}

const LOCAL_SERVERS: Record<string, LocalServer> = {
  ollama: { variable: 'OLLAMA', defaultURL: 'http://localhost:11434', label: 'Ollama' },
  vllm: { variable: 'VLLM', defaultURL: 'http://localhost:8000', label: 'vLLM' },
  lm_studio: { variable: 'LM_STUDIO', alternative: 'LMSTUDIO', defaultURL: 'http://localhost:1234', label: 'LM Studio' },
  llamacpp: { variable: 'LLAMACPP', defaultURL: 'http://localhost:8080', label: 'llama.cpp server' },
};

/** Placeholder key for servers that need none: the SDK refuses to run without one. */
export const LOCAL_API_KEY_PLACEHOLDER = 'not-needed';

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `http://host:11434` → `http://host:11434/v1`; an URL already ending in `/v1` is kept. */
export function withVersionPath(url: string): string {
  const base = withoutTrailingSlash(url);
  return base.endsWith('/v1') ? base : `${base}/v1`;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

function openAIEndpoint(env: OpenAIEnvironment): OpenAIEndpoint {
  const baseURL = withoutTrailingSlash(nonEmpty(env.OPENAI_BASE_URL) ?? OPENAI_BASE_URL);
  const apiKey = nonEmpty(env.OPENAI_API_KEY) ?? (isLoopback(baseURL) ? LOCAL_API_KEY_PLACEHOLDER : undefined);
  if (!apiKey) {
    throw new ConfigError(
      'OPENAI_API_KEY is not set: openai/ models need an OpenAI API key. Create one at https://platform.openai.com/api-keys and set it in your shell (export OPENAI_API_KEY=sk-…) or in .env.',
    );
  }
  return { provider: 'openai', baseURL, apiKey, organization: nonEmpty(env.OPENAI_ORG_ID) ?? null, project: nonEmpty(env.OPENAI_PROJECT_ID) ?? null };
}

function huggingFaceEndpoint(env: OpenAIEnvironment): OpenAIEndpoint {
  const apiKey = nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  if (!apiKey) {
    throw new ConfigError(
      'HF_TOKEN is not set: huggingface/ models go through the Hugging Face Inference Providers router, which needs a token with the "Make calls to Inference Providers" permission. Create one at https://huggingface.co/settings/tokens and set it in your shell (export HF_TOKEN=hf_…) or in .env.',
    );
  }
  const baseURL = withoutTrailingSlash(nonEmpty(env.HF_ROUTER_BASE_URL) ?? HF_ROUTER_BASE_URL);
  return { provider: 'huggingface', baseURL, apiKey, organization: null, project: null };
}

/**
 * Resolve where a route's requests go (SPEC section 2): `openai/` → `OPENAI_BASE_URL` with
 * `OPENAI_API_KEY`; `huggingface/` → the HF router (`HF_ROUTER_BASE_URL` overrides it) with
 * `HF_TOKEN`; `ollama/`, `vllm/`, `lm_studio/`, `llamacpp/` → `<NAME>_BASE_URL` (or the default
 * local port) with `/v1` appended, `<NAME>_API_KEY` optional. A missing key for a remote route is a
 * `ConfigError` naming the variable.
 */
export function resolveOpenAIEndpoint(route: ModelRoute, env: OpenAIEnvironment): OpenAIEndpoint {
  if (route.provider === 'openai') return openAIEndpoint(env);
  if (route.provider === 'huggingface') return huggingFaceEndpoint(env);
  const local = LOCAL_SERVERS[route.provider];
  if (!local) {
    throw new ConfigError(`"${route.id}" is not an OpenAI-compatible model: ${route.provider}/ models are served by their own provider package.`, {
      keyPath: 'model_name',
    });
  }
  const variable = `${local.variable}_BASE_URL`;
  const configured = nonEmpty(env[variable]) ?? (local.alternative ? nonEmpty(env[`${local.alternative}_BASE_URL`]) : undefined);
  const apiKey =
    nonEmpty(env[`${local.variable}_API_KEY`]) ?? (local.alternative ? nonEmpty(env[`${local.alternative}_API_KEY`]) : undefined) ?? LOCAL_API_KEY_PLACEHOLDER;
  return {
    provider: route.provider,
    baseURL: withVersionPath(configured ?? local.defaultURL),
    apiKey,
    organization: null,
    project: null,
    connectionHint: `Is ${local.label} running? Set ${variable} to its address.`,
  };
}

/** Options of {@link openAIModelFactory}. */
export interface OpenAIModelFactoryOptions {
  /** Usually `process.env`, passed in by the app. */
  env: OpenAIEnvironment;
  fetch?: typeof globalThis.fetch;
  headers?: Record<string, string>;
  /** API for `openai/` models (default: Responses for reasoning models, Chat Completions otherwise). */
  openAIApi?: 'chat' | 'responses';
  /** Effort used when a request does not set one. */
  reasoningEffort?: ReasoningEffort;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  /** Cap on one response in characters (see `OpenAIModelOptions.maxResponseChars`; default 4 Mi). */
  maxResponseChars?: number;
  /** Ask local servers for their context window (see `OpenAIModelOptions.probeContextWindow`; default true). */
  probeContextWindow?: boolean;
}

/**
 * A core `ModelFactory` for every OpenAI-compatible route (`openai/`, `huggingface/`, `ollama/`,
 * `vllm/`, `lm_studio/`, `llamacpp/`). Endpoints and keys come from `env`, resolved when a model is
 * created, so a missing key fails at startup with a `ConfigError`. `info` is what the app's own
 * table says; the rest comes from this package's catalog, then from the server.
 */
export function openAIModelFactory(options: OpenAIModelFactoryOptions): ModelFactory {
  return (route: ModelRoute, info: Partial<ModelInfo>): LanguageModel => {
    const endpoint = resolveOpenAIEndpoint(route, options.env);
    const isOpenAI = endpoint.provider === 'openai';
    return createOpenAIModel({
      model: route.model,
      id: route.id,
      provider: endpoint.provider,
      baseURL: endpoint.baseURL,
      apiKey: endpoint.apiKey,
      organization: endpoint.organization,
      project: endpoint.project,
      info,
      // Only OpenAI itself serves the Responses API reliably; compatible servers get Chat Completions.
      ...(isOpenAI ? (options.openAIApi ? { api: options.openAIApi } : {}) : { api: 'chat' as const }),
      ...(endpoint.connectionHint ? { connectionHint: endpoint.connectionHint } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.reasoningEffort ? { reasoningEffort: options.reasoningEffort } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.maxResponseChars === undefined ? {} : { maxResponseChars: options.maxResponseChars }),
      ...(options.probeContextWindow === undefined ? {} : { probeContextWindow: options.probeContextWindow }),
    });
  };
}
