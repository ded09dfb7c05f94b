import {
  argumentPieces,
  argumentsText,
  finishReasonOf,
  reasoningPieces,
  textPieces,
  toolCallId,
  usageOf,
  type OpenAIScriptStep,
  type OpenAIStepContext,
} from './fake-openai-script.js';

/** SSE frames of one streamed answer; `finishIndex` is the position of the frame carrying `finish_reason`. */
export interface FakeFrames {
  frames: string[];
  finishIndex: number;
}

const CREATED = 1_700_000_000;

function chatUsage(step: OpenAIScriptStep, context: OpenAIStepContext) {
  const usage = usageOf(step, context);
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function dataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/**
 * The `data:` frames OpenAI writes for a streamed chat completion: a role frame, content (or
 * `reasoning_content`, as vLLM and DeepSeek send it) deltas, tool calls by index (id and name first,
 * then argument pieces), the finish frame, the usage frame when `stream_options.include_usage` is
 * set, and `[DONE]`.
 */
export function chatStreamFrames(step: OpenAIScriptStep, context: OpenAIStepContext): FakeFrames {
  const includeUsage = (context.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const base = { id: `chatcmpl-fake-${context.index + 1}`, object: 'chat.completion.chunk', created: CREATED, model: context.model, system_fingerprint: 'fp_fake' };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    dataFrame({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const frames: string[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of reasoningPieces(step)) frames.push(chunk({ reasoning_content: piece }));
  for (const piece of textPieces(step)) frames.push(chunk({ content: piece }));
  (step.toolCalls ?? []).forEach((call, position) => {
    frames.push(
      chunk({ tool_calls: [{ index: position, id: toolCallId(call, context, position), type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const piece of argumentPieces(call)) frames.push(chunk({ tool_calls: [{ index: position, function: { arguments: piece } }] }));
  });
  const finishIndex = frames.length;
  frames.push(chunk({}, finishReasonOf(step)));
  if (includeUsage) frames.push(dataFrame({ ...base, choices: [], usage: chatUsage(step, context) }));
  frames.push('data: [DONE]\n\n');
  return { frames, finishIndex };
}

/** A non-streamed `chat.completion` object for the step. */
export function chatCompletion(step: OpenAIScriptStep, context: OpenAIStepContext): Record<string, unknown> {
  const toolCalls = (step.toolCalls ?? []).map((call, position) => ({
    id: toolCallId(call, context, position),
    type: 'function',
    function: { name: call.name, arguments: argumentsText(call) },
  }));
  return {
    id: `chatcmpl-fake-${context.index + 1}`,
    object: 'chat.completion',
    created: CREATED,
    model: context.model,
    system_fingerprint: 'fp_fake',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: step.text ?? (toolCalls.length ? null : ''),
          refusal: null,
          ...(step.reasoning ? { reasoning_content: step.reasoning } : {}),
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf(step),
      },
    ],
    usage: chatUsage(step, context),
  };
}

/** The error frame OpenAI-compatible servers write when generation fails mid-stream. */
export function chatErrorFrame(error: { message: string; type: string; code: string | null }): string {
  return dataFrame({ error: { message: error.message, type: error.type, param: null, code: error.code } });
}
