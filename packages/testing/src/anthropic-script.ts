/**
 * How a test scripts the fake Anthropic server. A script is a queue of steps, one per
 * `POST /v1/messages`: an answer (content blocks, stop reason, usage) or a failure (HTTP error,
 * mid-stream `event: error`, a cut connection). The same concepts (step queue, scenario, fallback
 * text) are meant to be mirrored by the other provider fakes.
 */

export type AnthropicStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'refusal'
  | 'pause_turn'
  | 'model_context_window_exceeded';

/** One content block of a scripted answer. `chunkSize` overrides the fake's delta size (characters). */
export type AnthropicBlockScript =
  | { type: 'text'; text: string; chunkSize?: number }
  /** `signature` defaults to one the fake can verify when the block is replayed. */
  | { type: 'thinking'; thinking: string; signature?: string; chunkSize?: number }
  | { type: 'redacted_thinking'; data: string }
  /** A string `input` is streamed verbatim as `partial_json` (use it for invalid JSON). */
  | { type: 'tool_use'; name: string; input: Record<string, unknown> | string; id?: string; chunkSize?: number };

/** Usage numbers to report instead of the fake's estimates. */
export interface AnthropicUsageScript {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  thinking_tokens?: number;
}

export type AnthropicFailureScript =
  /** An HTTP error answer with the real error body; `retryAfterSeconds` sets `retry-after`. */
  | {
      kind: 'http';
      status: number;
      errorType: string;
      message?: string;
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      /** Sent as `error.details.error_code`. */
      errorCode?: string;
      headers?: Record<string, string>;
    }
  /** Stream `afterFrames` frames of the answer, then an `event: error` frame, then end the response. */
  | { kind: 'stream-error'; errorType: string; message?: string; afterFrames?: number }
  /** Stream `afterFrames` frames of the answer, then destroy the socket (no `message_stop`). */
  | { kind: 'stream-cut'; afterFrames?: number }
  /** Stream `afterFrames` frames, then end the response cleanly without `message_stop`. */
  | { kind: 'stream-truncated'; afterFrames?: number }
  /** Stream `afterFrames` frames, then keep the connection open and silent until the client leaves. */
  | { kind: 'stream-hang'; afterFrames?: number };

/** One scripted answer to one `POST /v1/messages`. */
export interface AnthropicScriptStep {
  content?: AnthropicBlockScript[];
  /** Defaults to `tool_use` when a tool_use block is present, else `end_turn`. */
  stopReason?: AnthropicStopReason;
  usage?: AnthropicUsageScript;
  fail?: AnthropicFailureScript;
  /** Wait this long before each SSE frame (a slow stream). */
  delayMs?: number;
}

/**
 * Scenario mode, for end-to-end runs configured only through env vars: answer with a call of `tool`
 * until the conversation holds `times` results of it, then with `finalText`. The count is read from
 * the request's own messages, so retries and concurrent sessions do not disturb it.
 */
export interface AnthropicScenario {
  tool: string;
  /** Arguments of call number `index` (0-based). */
  arguments: Record<string, unknown> | ((index: number) => Record<string, unknown>);
  times: number;
  finalText?: string;
  /** Text streamed before each tool call. */
  text?: string;
  /** When set, every scenario answer starts with a signed thinking block with this text. */
  thinking?: string;
  /** Wait this long before each frame. */
  delayMs?: number;
}

/** What the fake knows about the request it is answering. */
export interface AnthropicStepContext {
  /** 0-based number of the `/v1/messages` request. */
  index: number;
  body: Record<string, unknown>;
}

/** A script written as a function of the request (adaptive or very long runs). */
export type AnthropicScriptResponder = (context: AnthropicStepContext) => AnthropicScriptStep;

function textBlock(text: string): AnthropicBlockScript {
  return { type: 'text', text };
}

/** Short builders for the common steps. */
export const anthropicScript = {
  /** A text answer. */
  text(text: string, extra: Omit<AnthropicScriptStep, 'content'> = {}): AnthropicScriptStep {
    return { content: [textBlock(text)], ...extra };
  },
  /** One or more tool calls (parallel when several), optionally after some text. */
  toolUse(calls: { name: string; input: Record<string, unknown> | string; id?: string }[], text?: string): AnthropicScriptStep {
    const content: AnthropicBlockScript[] = text ? [textBlock(text)] : [];
    for (const call of calls) content.push({ type: 'tool_use', ...call });
    return { content };
  },
  /** 429 `rate_limit_error` with `retry-after`. */
  rateLimited(retryAfterSeconds = 1): AnthropicScriptStep {
    return { fail: { kind: 'http', status: 429, errorType: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit', retryAfterSeconds } };
  },
  /** 500 `api_error`. */
  serverError(status = 500): AnthropicScriptStep {
    return { fail: { kind: 'http', status, errorType: 'api_error', message: 'Internal server error' } };
  },
  /** 529 `overloaded_error`. */
  overloaded(): AnthropicScriptStep {
    return { fail: { kind: 'http', status: 529, errorType: 'overloaded_error', message: 'Overloaded' } };
  },
  /** 400 `invalid_request_error` "prompt is too long", as Anthropic reports a context overflow. */
  contextOverflow(tokens = 210_000, maximum = 200_000): AnthropicScriptStep {
    return {
      fail: { kind: 'http', status: 400, errorType: 'invalid_request_error', message: `prompt is too long: ${tokens} tokens > ${maximum} maximum` },
    };
  },
  /** Some text, then a mid-stream `event: error` of the given type. */
  errorMidStream(errorType = 'overloaded_error', text = 'Partial answer that will be discarded.'): AnthropicScriptStep {
    return { content: [textBlock(text)], fail: { kind: 'stream-error', errorType, message: errorType === 'overloaded_error' ? 'Overloaded' : 'Internal server error' } };
  },
  /** Some text, then the connection is destroyed before `message_stop`. */
  cutMidStream(text = 'Partial answer that will be cut.'): AnthropicScriptStep {
    return { content: [textBlock(text)], fail: { kind: 'stream-cut' } };
  },
};
