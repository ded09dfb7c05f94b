import type { FakeFrames } from './fake-openai-chat.js';
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

const CREATED = 1_700_000_000;

function responseBase(context: OpenAIStepContext): Record<string, unknown> {
  const body = context.body;
  const reasoning = (body.reasoning ?? {}) as { effort?: string; summary?: string };
  return {
    id: `resp_fake_${context.index + 1}`,
    object: 'response',
    created_at: CREATED,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: context.model,
    output: [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    store: body.store ?? true,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: 1,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: {},
  };
}

function responseUsage(step: OpenAIScriptStep, context: OpenAIStepContext) {
  const usage = usageOf(step, context);
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

function wantsEncryptedReasoning(context: OpenAIStepContext): boolean {
  const include = context.body.include;
  return Array.isArray(include) && include.includes('reasoning.encrypted_content');
}

/** Builds the Responses event sequence of one answer; every event gets the next `sequence_number`. */
class ResponsesEventWriter {
  readonly frames: string[] = [];
  #sequence = 0;

  push(type: string, fields: Record<string, unknown>): void {
    const payload = { type, ...fields, sequence_number: this.#sequence };
    this.#sequence += 1;
    this.frames.push(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  get nextSequence(): number {
    return this.#sequence;
  }
}

function reasoningItem(step: OpenAIScriptStep, context: OpenAIStepContext, writer: ResponsesEventWriter, outputIndex: number) {
  const id = `rs_fake_${context.index + 1}`;
  const text = step.reasoning ?? '';
  writer.push('response.output_item.added', { output_index: outputIndex, item: { id, type: 'reasoning', summary: [] } });
  writer.push('response.reasoning_summary_part.added', { item_id: id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
  for (const delta of reasoningPieces(step)) {
    writer.push('response.reasoning_summary_text.delta', { item_id: id, output_index: outputIndex, summary_index: 0, delta });
  }
  writer.push('response.reasoning_summary_text.done', { item_id: id, output_index: outputIndex, summary_index: 0, text });
  writer.push('response.reasoning_summary_part.done', { item_id: id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text } });
  const item = {
    id,
    type: 'reasoning',
    summary: [{ type: 'summary_text', text }],
    ...(wantsEncryptedReasoning(context) ? { encrypted_content: step.encryptedReasoning ?? `gAAAA-fake-encrypted-${context.index + 1}` } : {}),
  };
  writer.push('response.output_item.done', { output_index: outputIndex, item });
  return item;
}

function messageItem(step: OpenAIScriptStep, context: OpenAIStepContext, writer: ResponsesEventWriter, outputIndex: number) {
  const id = `msg_fake_${context.index + 1}`;
  const text = step.text ?? '';
  const location = { item_id: id, output_index: outputIndex, content_index: 0 };
  writer.push('response.output_item.added', { output_index: outputIndex, item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' } });
  writer.push('response.content_part.added', { ...location, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
  for (const delta of textPieces(step)) writer.push('response.output_text.delta', { ...location, delta, logprobs: [] });
  writer.push('response.output_text.done', { ...location, text, logprobs: [] });
  const part = { type: 'output_text', annotations: [], logprobs: [], text };
  writer.push('response.content_part.done', { ...location, part });
  const item = { id, type: 'message', status: 'completed', content: [part], role: 'assistant' };
  writer.push('response.output_item.done', { output_index: outputIndex, item });
  return item;
}

function functionCallItems(step: OpenAIScriptStep, context: OpenAIStepContext, writer: ResponsesEventWriter, firstIndex: number) {
  return (step.toolCalls ?? []).map((call, position) => {
    const outputIndex = firstIndex + position;
    const id = `fc_fake_${context.index + 1}_${position}`;
    const base = { id, type: 'function_call', call_id: toolCallId(call, context, position), name: call.name };
    writer.push('response.output_item.added', { output_index: outputIndex, item: { ...base, status: 'in_progress', arguments: '' } });
    for (const delta of argumentPieces(call)) writer.push('response.function_call_arguments.delta', { item_id: id, output_index: outputIndex, delta });
    const args = argumentsText(call);
    writer.push('response.function_call_arguments.done', { item_id: id, output_index: outputIndex, name: call.name, arguments: args });
    const item = { ...base, status: 'completed', arguments: args };
    writer.push('response.output_item.done', { output_index: outputIndex, item });
    return item;
  });
}

/** The final `response` object (as in `response.completed`, `response.incomplete` and non-streamed answers). */
function finalResponse(step: OpenAIScriptStep, context: OpenAIStepContext, output: unknown[]): Record<string, unknown> {
  const finish = finishReasonOf(step);
  const incomplete = finish === 'length' || finish === 'content_filter';
  return {
    ...responseBase(context),
    status: incomplete ? 'incomplete' : 'completed',
    incomplete_details: incomplete ? { reason: finish === 'length' ? 'max_output_tokens' : 'content_filter' } : null,
    output,
    usage: responseUsage(step, context),
  };
}

/**
 * The `event:`/`data:` frames of a streamed Responses answer, with the real event types:
 * `response.created`, `response.in_progress`, reasoning summary events, `response.output_item.added`,
 * `response.output_text.delta`, `response.function_call_arguments.delta/done`,
 * `response.output_item.done`, then `response.completed` (or `response.incomplete`) with usage.
 * The Responses API sends no `[DONE]`.
 */
export function responsesStreamFrames(step: OpenAIScriptStep, context: OpenAIStepContext): FakeFrames {
  const writer = new ResponsesEventWriter();
  writer.push('response.created', { response: responseBase(context) });
  writer.push('response.in_progress', { response: responseBase(context) });
  const output: unknown[] = [];
  if (step.reasoning) output.push(reasoningItem(step, context, writer, output.length));
  if (step.text) output.push(messageItem(step, context, writer, output.length));
  output.push(...functionCallItems(step, context, writer, output.length));
  const finishIndex = writer.frames.length;
  const response = finalResponse(step, context, output);
  writer.push(response.status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
  return { frames: writer.frames, finishIndex };
}

/** A non-streamed Responses answer. */
export function responseObject(step: OpenAIScriptStep, context: OpenAIStepContext): Record<string, unknown> {
  const streamed = new ResponsesEventWriter();
  const output: unknown[] = [];
  if (step.reasoning) output.push(reasoningItem(step, context, streamed, output.length));
  if (step.text) output.push(messageItem(step, context, streamed, output.length));
  output.push(...functionCallItems(step, context, streamed, output.length));
  return finalResponse(step, context, output);
}

/** A mid-stream failure: `response.failed` (default) or a bare `error` event. */
export function responsesErrorFrame(
  context: OpenAIStepContext,
  error: { message: string; code: string | null },
  event: 'error' | 'response.failed',
  sequence: number,
): string {
  const payload =
    event === 'error'
      ? { type: 'error', code: error.code, message: error.message, param: null, sequence_number: sequence }
      : {
          type: 'response.failed',
          response: { ...responseBase(context), status: 'failed', error: { code: error.code, message: error.message } },
          sequence_number: sequence,
        };
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}
