import type { LocalServerKind } from './fake-local-servers.js';

/** One tool call the fake model makes. */
export interface OpenAIScriptToolCall {
  name: string;
  /** An object is serialised; a string is sent verbatim (use it for invalid JSON). */
  arguments: Record<string, unknown> | string;
  /** Defaults to `call_<request>_<index>`. */
  id?: string;
  /** Number of argument deltas (default: about 8 characters per delta). */
  chunks?: number;
}

/** Token counts the fake reports; unset counts are estimated from the request and the answer (4 characters a token). */
export interface OpenAIScriptUsage {
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

/** A failure the fake plays instead of (or in the middle of) a normal answer. */
export type OpenAIFailure =
  /** 429 `rate_limit_exceeded` with `retry-after` (seconds) and/or `retry-after-ms` headers. */
  | { kind: 'rate_limit'; retryAfterSeconds?: number; retryAfterMs?: number; code?: string }
  /** 500 (default), 502 or 503 with an OpenAI `server_error` body. */
  | { kind: 'server_error'; status?: number }
  /** 400 `invalid_request_error` with code `context_length_exceeded`. */
  | { kind: 'context_length_exceeded' }
  /** A local server's own overflow error (status, shape and words of `server`) for a window of `contextWindow` (default 4096). */
  | { kind: 'context_overflow'; server: LocalServerKind; contextWindow?: number }
  /** Any status and JSON body. */
  | { kind: 'http_error'; status: number; body: unknown; headers?: Record<string, string> }
  /** An error frame after `afterFrames` frames (chat: `{"error":{…}}`; responses: `response.failed`, or `error` with `event: 'error'`). */
  | { kind: 'mid_stream_error'; afterFrames?: number; errorType?: string; code?: string | null; message?: string; event?: 'error' | 'response.failed' }
  /** Destroy the socket after `afterFrames` frames. */
  | { kind: 'cut'; afterFrames?: number }
  /** End the response cleanly after `afterFrames` frames, before the finish frame and `[DONE]`. */
  | { kind: 'truncated'; afterFrames?: number }
  /** Stop writing after `afterFrames` frames and keep the connection open until the client leaves. */
  | { kind: 'hang'; afterFrames?: number };

/** One scripted model answer, served to one `/v1/chat/completions` or `/v1/responses` request. */
export interface OpenAIScriptStep {
  text?: string;
  /** Number of text deltas (default: about 4 characters, one token, per delta). */
  textChunks?: number;
  /** Reasoning text: chat streams it as `reasoning_content` deltas, responses as a reasoning summary. */
  reasoning?: string;
  /** Responses only: the reasoning item's `encrypted_content` (default: a value derived from the request number). */
  encryptedReasoning?: string;
  toolCalls?: OpenAIScriptToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'tool_calls' | 'length' | 'content_filter';
  usage?: OpenAIScriptUsage;
  /** Wait this long before each frame (slow stream). */
  delayMs?: number;
  failure?: OpenAIFailure;
}

/**
 * Scenario mode: answer the first `times` requests with one call to `tool`, the next with
 * `finalText`, and any later one with the fake's short fallback text. `arguments` may be a function
 * of the call number (0-based).
 */
export interface OpenAIScenario {
  tool: string;
  arguments: Record<string, unknown> | ((call: number) => Record<string, unknown>);
  times: number;
  finalText?: string;
  /** Wait this long before each frame. */
  delayMs?: number;
}

/** What the fake knows about the request it is answering. */
export interface OpenAIStepContext {
  /** 0-based number of the model request (chat or responses). */
  index: number;
  model: string;
  body: Record<string, unknown>;
  /** Characters of the request body, the basis of the prompt token estimate. */
  bodyLength: number;
}

export type OpenAIScriptResponder = (context: OpenAIStepContext) => OpenAIScriptStep;

/** Split text into `count` pieces of near-equal length (never inside a surrogate pair). */
export function splitText(text: string, count: number): string[] {
  if (!text) return [];
  const pieces = Math.max(1, Math.min(text.length, Math.floor(count)));
  const result: string[] = [];
  let start = 0;
  for (let piece = 1; piece <= pieces; piece += 1) {
    let end = Math.floor((piece * text.length) / pieces);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end += 1;
    if (end > start) result.push(text.slice(start, end));
    start = end;
  }
  return result;
}

export function argumentsText(call: OpenAIScriptToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

export function textPieces(step: OpenAIScriptStep): string[] {
  const text = step.text ?? '';
  return splitText(text, step.textChunks ?? Math.ceil(text.length / 4));
}

export function reasoningPieces(step: OpenAIScriptStep): string[] {
  const text = step.reasoning ?? '';
  return splitText(text, Math.ceil(text.length / 4));
}

export function argumentPieces(call: OpenAIScriptToolCall): string[] {
  const text = argumentsText(call);
  return splitText(text, call.chunks ?? Math.ceil(text.length / 8));
}

export function finishReasonOf(step: OpenAIScriptStep): NonNullable<OpenAIScriptStep['finishReason']> {
  return step.finishReason ?? (step.toolCalls?.length ? 'tool_calls' : 'stop');
}

export function toolCallId(call: OpenAIScriptToolCall, context: OpenAIStepContext, position: number): string {
  return call.id ?? `call_${context.index + 1}_${position}`;
}

/** Token counts for a step, estimated where the script leaves them out. */
export function usageOf(step: OpenAIScriptStep, context: OpenAIStepContext) {
  const outputChars =
    (step.text ?? '').length + (step.reasoning ?? '').length + (step.toolCalls ?? []).reduce((sum, call) => sum + argumentsText(call).length, 0);
  const promptTokens = step.usage?.promptTokens ?? Math.max(1, Math.ceil(context.bodyLength / 4));
  const completionTokens = step.usage?.completionTokens ?? Math.max(1, Math.ceil(outputChars / 4));
  return {
    promptTokens,
    completionTokens,
    cachedTokens: step.usage?.cachedTokens ?? 0,
    reasoningTokens: step.usage?.reasoningTokens ?? Math.ceil((step.reasoning ?? '').length / 4),
  };
}

/** The step for a scenario request: a tool call for the first `times` requests, then the final text. */
export function scenarioStep(scenario: OpenAIScenario, index: number): OpenAIScriptStep {
  const timing = scenario.delayMs === undefined ? {} : { delayMs: scenario.delayMs };
  if (index < scenario.times) {
    const args = typeof scenario.arguments === 'function' ? scenario.arguments(index) : scenario.arguments;
    return { toolCalls: [{ name: scenario.tool, arguments: args }], ...timing };
  }
  return { text: scenario.finalText ?? 'Done.', ...timing };
}
