import { AbortError, ModelBehaviorError } from './errors.js';
import type { FinishReason, LanguageModel, ModelInfo, ModelRequest, ModelStreamPart, ModelUsage, StreamOptions } from './model.js';
import { sleep } from './sleep.js';

export interface ScriptedToolCall {
  name: string;
  /** An object is serialised; a string is sent verbatim (use it for invalid JSON). */
  arguments: Record<string, unknown> | string;
  id?: string;
}

/** One scripted model response. */
export interface ScriptedTurn {
  text?: string;
  reasoning?: string;
  toolCalls?: ScriptedToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: FinishReason;
  usage?: Partial<ModelUsage>;
  /** Throw this error instead of (or, with `errorAfterText`, after) streaming. */
  error?: Error;
  errorAfterText?: boolean;
  /** Split text into this many deltas (default: one delta per ~20 characters). */
  chunks?: number;
  /** Wait this long before each delta (to test interrupts mid-stream). */
  delayMs?: number;
  /** Never finish (until aborted). */
  hang?: boolean;
}

export type ScriptedResponder = (request: ModelRequest, index: number) => ScriptedTurn;

export interface ScriptedModelOptions {
  id?: string;
  info?: Partial<ModelInfo>;
  /** A fixed script, or a function of the request (for long or adaptive runs). */
  turns: ScriptedTurn[] | ScriptedResponder;
}

function split(text: string, chunks: number | undefined): string[] {
  const count = Math.max(1, chunks ?? Math.ceil(text.length / 20));
  const size = Math.ceil(text.length / count);
  const parts: string[] = [];
  for (let index = 0; index < text.length; index += size) parts.push(text.slice(index, index + size));
  return parts;
}

/**
 * A LanguageModel that plays a script and records every request. For tests and offline demos;
 * it never touches the network.
 */
export class ScriptedModel implements LanguageModel {
  readonly id: string;
  readonly info: ModelInfo;
  /** Every request received, in order (messages copied at call time). */
  readonly requests: ModelRequest[] = [];
  readonly #turns: ScriptedTurn[] | ScriptedResponder;
  #callIds = 0;

  constructor(options: ScriptedModelOptions) {
    this.id = options.id ?? 'scripted/model';
    this.info = { contextWindow: 200_000, maxOutputTokens: 8_192, ...options.info };
    this.#turns = options.turns;
  }

  get callCount(): number {
    return this.requests.length;
  }

  async *stream(request: ModelRequest, options: StreamOptions = {}): AsyncGenerator<ModelStreamPart> {
    const index = this.requests.length;
    this.requests.push({ ...request, messages: structuredClone([...request.messages]) });
    const turn = typeof this.#turns === 'function' ? this.#turns(request, index) : this.#turns[index];
    if (!turn) throw new ModelBehaviorError(`ScriptedModel has no turn ${index + 1} (script has ${(this.#turns as ScriptedTurn[]).length})`);
    const { signal } = options;
    const pause = async () => {
      if (turn.delayMs) await sleep(turn.delayMs, signal);
      if (signal?.aborted) throw new AbortError();
    };

    if (turn.error && !turn.errorAfterText) throw turn.error;
    if (turn.reasoning) {
      await pause();
      yield { type: 'reasoning-delta', text: turn.reasoning };
      yield { type: 'reasoning', text: turn.reasoning, provider: 'scripted' };
    }
    for (const text of split(turn.text ?? '', turn.chunks)) {
      await pause();
      yield { type: 'text-delta', text };
    }
    if (turn.error) throw turn.error;
    if (turn.hang) {
      await sleep(2 ** 31 - 1, signal);
    }
    for (const call of turn.toolCalls ?? []) {
      await pause();
      this.#callIds += 1;
      const id = call.id ?? `call_${this.#callIds}`;
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
      yield { type: 'tool-call-start', id, name: call.name };
      for (const delta of split(args, Math.ceil(args.length / 50))) yield { type: 'tool-call-delta', id, argumentsDelta: delta };
      yield { type: 'tool-call-end', id };
    }
    // Without scripted usage, report a plausible input size (≈4 characters per token) so token
    // calibration in the session behaves as it would against a real provider.
    const input = turn.usage?.inputTokens ?? Math.ceil((request.system.length + JSON.stringify(request.messages).length) / 4);
    yield {
      type: 'usage',
      usage: {
        inputTokens: input,
        cachedInputTokens: turn.usage?.cachedInputTokens ?? 0,
        cacheCreationTokens: turn.usage?.cacheCreationTokens ?? 0,
        outputTokens: turn.usage?.outputTokens ?? 20,
        reasoningTokens: turn.usage?.reasoningTokens ?? 0,
      },
    };
    yield { type: 'finish', reason: turn.finishReason ?? (turn.toolCalls?.length ? 'tool_calls' : 'stop') };
  }
}

/** Shorthand for a text-only turn. */
export function textTurn(text: string): ScriptedTurn {
  return { text };
}

/** Shorthand for a turn that calls one or more tools. */
export function toolTurn(...calls: ScriptedToolCall[]): ScriptedTurn {
  return { toolCalls: calls };
}
