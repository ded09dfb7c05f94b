import { ContextOverflowError, ProviderError, type ModelRequest } from '@ml-intern/core';
import { startFakeOpenAI } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { BASH_TOOL, collect, userRequest } from './collect-stream.test-helper.js';
import { createOpenAIModel } from './index.js';

type HistoryMessage = ModelRequest['messages'][number];

function reasoningModel(baseURL: string, model = 'gpt-5-mini') {
  return createOpenAIModel({ model, baseURL, apiKey: 'sk-test-key' });
}

describe('Responses API', () => {
  test('is used for OpenAI reasoning models, with store off and encrypted reasoning requested', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'Fine-tuning plan ready.' }] });
    const model = reasoningModel(fake.baseURL);
    expect(model.api).toBe('responses');
    expect(createOpenAIModel({ model: 'o3', apiKey: 'k', baseURL: fake.baseURL }).api).toBe('responses');
    expect(createOpenAIModel({ model: 'gpt-4.1', apiKey: 'k', baseURL: fake.baseURL }).api).toBe('chat');

    const answer = await collect(model.stream(userRequest('Plan it', { tools: [BASH_TOOL], reasoningEffort: 'high', maxOutputTokens: 4096 })));
    expect(answer.text).toBe('Fine-tuning plan ready.');
    expect(answer.finish).toBe('stop');
    const request = fake.modelRequests[0];
    expect(request?.path).toBe('/v1/responses');
    expect(request?.json).toEqual({
      model: 'gpt-5-mini',
      instructions: 'You are a test assistant.',
      input: [{ role: 'user', content: 'Plan it' }],
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'high', summary: 'auto' },
      tools: [{ type: 'function', name: 'bash', description: 'Run a shell command', parameters: BASH_TOOL.inputSchema, strict: false }],
      tool_choice: 'auto',
      max_output_tokens: 4096,
    });
  });

  test('streams reasoning summaries, keeps the encrypted reasoning item and assembles function calls', async () => {
    await using fake = await startFakeOpenAI({
      steps: [
        {
          reasoning: 'I should look at the GPU first.',
          encryptedReasoning: 'gAAAAB-opaque-blob',
          toolCalls: [
            { name: 'bash', id: 'call_gpu', arguments: { command: 'nvidia-smi' } },
            { name: 'bash', id: 'call_disk', arguments: { command: 'df -h' }, chunks: 5 },
          ],
          usage: { promptTokens: 900, cachedTokens: 512, completionTokens: 300, reasoningTokens: 120 },
        },
      ],
    });
    const answer = await collect(reasoningModel(fake.baseURL).stream(userRequest('Check the box', { tools: [BASH_TOOL] })));

    expect(answer.reasoning).toBe('I should look at the GPU first.');
    expect(answer.parts).toContainEqual({
      type: 'reasoning',
      text: 'I should look at the GPU first.',
      signature: 'rs_fake_1',
      redacted: 'gAAAAB-opaque-blob',
      provider: 'openai-responses',
    });
    expect(answer.toolCalls).toEqual([
      { id: 'call_gpu', name: 'bash', arguments: '{"command":"nvidia-smi"}' },
      { id: 'call_disk', name: 'bash', arguments: '{"command":"df -h"}' },
    ]);
    expect(answer.usage).toEqual({ inputTokens: 900, cachedInputTokens: 512, cacheCreationTokens: 0, outputTokens: 300, reasoningTokens: 120 });
    expect(answer.finish).toBe('tool_calls');
    expect(answer.parts.slice(-2).map((part) => part.type)).toEqual(['usage', 'finish']);
  });

  test('replays reasoning items before the function calls they led to, and never replays foreign reasoning', async () => {
    await using fake = await startFakeOpenAI({
      steps: [{ reasoning: 'Need the file list.', toolCalls: [{ name: 'bash', id: 'call_ls', arguments: { command: 'ls' } }] }, { text: 'There are 3 files.' }],
    });
    const model = reasoningModel(fake.baseURL);
    const first = await collect(model.stream(userRequest('What is here?', { tools: [BASH_TOOL] })));
    const reasoning = first.parts.find((part) => part.type === 'reasoning');
    if (reasoning?.type !== 'reasoning') throw new Error('no reasoning part');

    const history: HistoryMessage[] = [
      { role: 'user', content: 'What is here?' },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Anthropic thinking', signature: 'sig', provider: 'anthropic' },
          { type: 'reasoning', text: reasoning.text, signature: reasoning.signature!, redacted: reasoning.redacted!, provider: reasoning.provider! },
          { type: 'tool_call', id: 'call_ls', name: 'bash', arguments: first.toolCalls[0]!.arguments },
        ],
      },
      { role: 'tool', toolCallId: 'call_ls', toolName: 'bash', content: 'a.py\nb.py\nc.py', isError: false },
      { role: 'notice', kind: 'info', content: 'Budget: $1 left.' },
    ];
    const second = await collect(model.stream({ system: 'sys', messages: history, tools: [BASH_TOOL] }));

    expect(second.text).toBe('There are 3 files.');
    expect((fake.modelRequests[1]?.json as { input: unknown }).input).toEqual([
      { role: 'user', content: 'What is here?' },
      { type: 'reasoning', id: 'rs_fake_1', encrypted_content: 'gAAAA-fake-encrypted-1', summary: [{ type: 'summary_text', text: 'Need the file list.' }] },
      { type: 'function_call', call_id: 'call_ls', name: 'bash', arguments: '{"command":"ls"}' },
      { type: 'function_call_output', call_id: 'call_ls', output: 'a.py\nb.py\nc.py' },
      { role: 'user', content: '<system-notice>Budget: $1 left.</system-notice>' },
    ]);
  });

  test('reports truncation and content filtering from response.incomplete', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'Partial ans', finishReason: 'length' }, { text: '', finishReason: 'content_filter' }] });
    const model = reasoningModel(fake.baseURL);
    const truncated = await collect(model.stream(userRequest('long')));
    expect(truncated.text).toBe('Partial ans');
    expect(truncated.finish).toBe('length');
    expect(truncated.usage?.outputTokens).toBeGreaterThan(0);
    expect((await collect(model.stream(userRequest('bad')))).finish).toBe('content_filter');
  });

  test('sends tool_choice none, and no reasoning fields for a non-reasoning model on Responses', async () => {
    await using fake = await startFakeOpenAI();
    await collect(reasoningModel(fake.baseURL).stream(userRequest('sum up', { tools: [BASH_TOOL], toolChoice: 'none' })));
    await collect(createOpenAIModel({ model: 'gpt-4.1', api: 'responses', baseURL: fake.baseURL, apiKey: 'k' }).stream(userRequest('x')));
    expect(fake.modelRequests[0]?.json).toMatchObject({ tool_choice: 'none' });
    expect(fake.modelRequests[1]?.json).not.toHaveProperty('reasoning');
    expect(fake.modelRequests[1]?.json).not.toHaveProperty('include');
  });

  test('turns response.failed and error events into classified provider errors', async () => {
    await using fake = await startFakeOpenAI({
      steps: [
        { text: 'partial answer', failure: { kind: 'mid_stream_error', afterFrames: 5 } },
        { text: 'x', failure: { kind: 'mid_stream_error', event: 'error', code: 'context_length_exceeded', message: 'Input too long' } },
        { text: 'x', failure: { kind: 'mid_stream_error', code: 'invalid_prompt', message: 'Prompt flagged' } },
        { text: 'never completes', failure: { kind: 'truncated', afterFrames: 6 } },
      ],
    });
    const model = reasoningModel(fake.baseURL);
    const failed = await collect(model.stream(userRequest('a'))).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ProviderError);
    expect(failed).toMatchObject({ isRetryable: true, errorType: 'server_error', requestId: 'req_fake_1' });

    const overflow = await collect(model.stream(userRequest('b'))).catch((error: unknown) => error);
    expect(overflow).toBeInstanceOf(ContextOverflowError);

    const invalid = await collect(model.stream(userRequest('c'))).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ isRetryable: false, errorType: 'invalid_prompt' });

    const dropped = await collect(model.stream(userRequest('d'))).catch((error: unknown) => error);
    expect(dropped).toMatchObject({ isRetryable: true, errorType: 'stream_dropped' });
  });
});
