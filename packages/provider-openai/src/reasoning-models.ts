import type { ReasoningEffort } from '@ml-intern/core';

/** `org/name:provider` → `name`: the part of a model id that says which family it is. */
function familyName(model: string): string {
  const last = model.slice(model.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return (colon === -1 ? last : last.slice(0, colon)).toLowerCase();
}

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 and later, except the `-chat` variants). They are
 * served through the Responses API so their reasoning items can be kept across tool turns.
 */
export function isOpenAIReasoningModel(model: string): boolean {
  const name = familyName(model);
  return /^o\d/.test(name) || (/^gpt-5/.test(name) && !name.includes('-chat'));
}

/**
 * Models that accept a reasoning effort: OpenAI's reasoning models and the open-weight gpt-oss
 * family (served by the HF router, vLLM, Ollama, …). Other models reject the parameter, so it is
 * not sent to them.
 */
export function acceptsReasoningEffort(model: string): boolean {
  return isOpenAIReasoningModel(model) || familyName(model).startsWith('gpt-oss');
}

/**
 * The effort value to send. OpenAI's gpt-5 family takes the full scale; o-series and gpt-oss models,
 * and every other endpoint (the HF router included), take only low, medium and high, so the
 * extremes are clamped into that range.
 */
export function wireReasoningEffort(model: string, effort: ReasoningEffort, fullScale: boolean): ReasoningEffort {
  if (fullScale && /^gpt-5/.test(familyName(model))) return effort;
  if (effort === 'minimal') return 'low';
  if (effort === 'xhigh' || effort === 'max') return 'high';
  return effort;
}
