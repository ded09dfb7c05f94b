/**
 * OpenAI itself marks a context overflow with the code `context_length_exceeded`; the servers that
 * speak its API (vLLM, llama.cpp, Ollama, LM Studio, TGI, the providers behind the HF router) say
 * it only in words, each in their own. These are their words. A match turns the failure into a
 * `ContextOverflowError`, so the agent loop compacts and retries instead of failing on the same
 * 400 every turn; the window the message names, when it names one, is read too.
 */
const OVERFLOW_PATTERNS: readonly RegExp[] = [
  // vLLM, OpenAI, Mistral, Together, Groq, DeepInfra: "This model's maximum context length is 32768 tokens. However, you requested …"
  /maximum context length(?: is|:)?\s*\d+/i,
  // llama.cpp: "request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it"; older: "the request exceeds the available context size"
  /exceeds? the available context size/i,
  // Anthropic-style and Ollama: "prompt is too long", "prompt too long; exceeded max context length by 12 tokens"
  /prompt (?:is )?too long/i,
  // Ollama: "the input length exceeds the context length"; others: "exceeds the model's context window", "context length exceeded"
  /exceeds? (?:the |this )?(?:model'?s? )?(?:maximum |max )?context (?:length|window|size)/i,
  /context (?:length|window) (?:was |has been )?exceeded/i,
  // TGI: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: …" and "`inputs` must have less than 4096 tokens"
  /`?inputs`? tokens \+ `?max_new_tokens`? must be <=/i,
  /`?inputs`? must have less than \d+ tokens/i,
  // LM Studio: "Trying to keep the first 6269 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens"
  /context the overflows|context length of only \d+/i,
  // llama.cpp (older): "the number of tokens to keep from the initial prompt is greater than n_ctx"
  /greater than (?:the )?(?:n_ctx|context length)/i,
  // Moonshot and others: "Your request exceeded model token limit: 8192"
  /exceeded model token limit/i,
];

/** Error types that mean overflow whatever the message says. */
const OVERFLOW_TYPES = new Set(['context_length_exceeded', 'exceed_context_size_error']);

/** Where the window is named, in the same words: the first group is the window in tokens. */
const WINDOW_PATTERNS: readonly RegExp[] = [
  /maximum context length(?: is|:)?\s*(\d+)/i,
  /available context size \((\d+) tokens\)/i,
  /`?max_new_tokens`? must be <=\s*(\d+)/i,
  /`?inputs`? must have less than (\d+) tokens/i,
  /context length of only (\d+)/i,
  /greater than n_ctx \((\d+)\)/i,
  /exceeded model token limit:?\s*(\d+)/i,
];

/** What an overflow error says about the window. */
export interface ContextOverflowReading {
  /** Tokens the server can hold, when it said. */
  contextWindow?: number;
}

function windowFrom(message: string, body: unknown): number | undefined {
  // llama.cpp sends the numbers as fields of the error object.
  const nCtx = typeof body === 'object' && body !== null ? (body as { n_ctx?: unknown }).n_ctx : undefined;
  if (typeof nCtx === 'number' && Number.isInteger(nCtx) && nCtx > 0) return nCtx;
  for (const pattern of WINDOW_PATTERNS) {
    const match = pattern.exec(message);
    const value = match ? Number(match[1]) : Number.NaN;
    if (Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * Whether a failed request was a context overflow, read from its status, error code/type and the
 * server's message; `undefined` when it was not. A 429 never is (rate limits speak of tokens too),
 * and a 413 always is (the body was too large for something on the way; compaction makes it fit).
 */
export function readContextOverflow(failure: { status?: number | undefined; code?: string | undefined; type?: string | undefined; message: string; body?: unknown }): ContextOverflowReading | undefined {
  const { status, message } = failure;
  if (status === 429) return undefined;
  const byType = OVERFLOW_TYPES.has(failure.code ?? '') || OVERFLOW_TYPES.has(failure.type ?? '');
  const byWords = status === 413 || OVERFLOW_PATTERNS.some((pattern) => pattern.test(message));
  if (!byType && !byWords) return undefined;
  const contextWindow = windowFrom(message, failure.body);
  return contextWindow === undefined ? {} : { contextWindow };
}
