import { createCharEstimateCounter, isSummaryNotice, type Message } from '@ml-intern/context';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContextOverflowError } from './errors.js';
import { createSession } from './session.js';
import { ScriptedModel, textTurn, type ScriptedTurn } from './scripted-model.js';
import type { ModelRequest } from './model.js';
import { defineTool } from './tool.js';

const bigTool = defineTool({
  name: 'dump',
  description: 'returns a lot of text',
  inputSchema: z.object({ n: z.number() }),
  execute: ({ n }) => `result ${n}: ${'lorem ipsum '.repeat(400)}`,
});

const isSummaryRequest = (request: ModelRequest) => request.system.startsWith('You compress');

/** A model that uses the dump tool `calls` times, answers summary requests, then finishes. */
function scriptedWorker(calls: number, summary = '## Goal\ntrain\n## Artifacts\njob 123') {
  let used = 0;
  return new ScriptedModel({
    info: { contextWindow: 12_000, maxOutputTokens: 1_000 },
    turns: (request): ScriptedTurn => {
      if (isSummaryRequest(request)) return textTurn(summary);
      if (used < calls) return { toolCalls: [{ name: 'dump', arguments: { n: used++ } }] };
      return textTurn('finished');
    },
  });
}

function history(messages: readonly Message[]) {
  return messages.map((message) => (message.role === 'notice' ? `notice:${message.kind}` : message.role));
}

describe('compaction', () => {
  it('triggers at the threshold, keeps the task, the latest request and call/result pairs', async () => {
    const model = scriptedWorker(12);
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 2_500 } });
    const compacted: unknown[] = [];
    session.subscribe((event) => event.type === 'compacted' && compacted.push(event));
    await session.run('first: the original task');
    const outcome = await session.run('second: the latest request');
    expect(outcome.status).toBe('completed');
    expect(compacted.length).toBeGreaterThan(0);
    expect(compacted[0]).toMatchObject({ trigger: 'threshold', messages_removed: expect.any(Number) });
    const messages = session.history.messages;
    expect(messages[0]).toEqual({ role: 'user', content: 'first: the original task' });
    expect(isSummaryNotice(messages[1])).toBe(true);
    expect(messages.some((message) => message.role === 'user' && message.content === 'second: the latest request')).toBe(true);
    // Every tool result still follows its call.
    const callIds = new Set(messages.flatMap((message) => (message.role === 'assistant' ? message.content.filter((part) => part.type === 'tool_call').map((part) => (part as { id: string }).id) : [])));
    for (const message of messages) if (message.role === 'tool') expect(callIds.has(message.toolCallId)).toBe(true);
    expect(session.history.danglingToolCalls()).toEqual([]);
    const request = model.requests.find(isSummaryRequest);
    expect(request?.toolChoice).toBe('none');
    await session.close();
  });

  it('merges a previous snapshot and keeps user messages verbatim', async () => {
    const model = scriptedWorker(30, '## Goal\nsnapshot');
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 2_000 } });
    let count = 0;
    session.subscribe((event) => event.type === 'compacted' && count++);
    await session.run('the task');
    expect(count).toBeGreaterThan(1);
    const summaryRequests = model.requests.filter(isSummaryRequest);
    const second = summaryRequests[1]?.messages[0];
    expect(second && second.role === 'user' && second.content).toMatch(/^Previous snapshot:\n\[State snapshot/);
    expect(history(session.history.messages).filter((kind) => kind === 'notice:summary')).toHaveLength(1);
    await session.close();
  });

  it('a summary larger than what it replaces is rejected and the session terminates', async () => {
    const model = scriptedWorker(12, 'x '.repeat(20_000));
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 2_000 } });
    const outcome = await session.run('task');
    expect(outcome.status).toBe('terminated');
    expect(outcome.error).toMatchObject({ code: 'compaction_failed', message: expect.stringMatching(/not smaller/) });
    await session.close();
  });

  it('compacts and retries once when the provider reports context overflow', async () => {
    let overflowed = false;
    const model = new ScriptedModel({
      info: { contextWindow: 1_000_000 },
      turns: (request, index) => {
        if (isSummaryRequest(request)) return textTurn('short summary');
        if (index < 3) return { toolCalls: [{ name: 'dump', arguments: { n: index } }] };
        if (!overflowed) {
          overflowed = true;
          return { error: new ContextOverflowError('prompt is too long', { status: 400 }) };
        }
        return textTurn('done after compaction');
      },
    });
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 500 } });
    const triggers: string[] = [];
    session.subscribe((event) => event.type === 'compacted' && triggers.push(event.trigger));
    const outcome = await session.run('task');
    expect(outcome.text).toBe('done after compaction');
    expect(triggers).toEqual(['overflow']);
    await session.close();
  });

  it('manual compact works below the threshold', async () => {
    const model = scriptedWorker(3, 'tiny');
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 100 } });
    await session.run('task');
    const done = new Promise((resolve) => session.subscribe((event) => event.type === 'compacted' && resolve(event)));
    session.submit({ type: 'compact' });
    expect(await done).toMatchObject({ trigger: 'manual' });
    expect(history(session.history.messages)[1]).toBe('notice:summary');
    await session.close();
  });
});

describe('compaction when the summary request itself does not fit', () => {
  const summaryNotice = (messages: readonly Message[]) => messages.find(isSummaryNotice)?.content ?? '';

  it('drops the oldest turns by halves until the summary request fits, and says so', async () => {
    let workerCalls = 0;
    const transcripts: number[] = [];
    const model = new ScriptedModel({
      info: { contextWindow: 1_000_000, maxOutputTokens: 1_000 },
      turns: (request): ScriptedTurn => {
        if (isSummaryRequest(request)) {
          const prompt = request.messages[0];
          const length = prompt && prompt.role === 'user' ? prompt.content.length : 0;
          transcripts.push(length);
          // The server holds less than the model's catalog says: long summary requests are refused.
          if (length > 12_000) return { error: new ContextOverflowError('This model\'s maximum context length is 4096 tokens.', { status: 400 }) };
          return textTurn('## Goal\nthe newer half');
        }
        if (workerCalls < 12) return { toolCalls: [{ name: 'dump', arguments: { n: workerCalls++ } }] };
        return textTurn('finished');
      },
    });
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 2_000 } });
    const done = new Promise((resolve) => session.subscribe((event) => event.type === 'compacted' && resolve(event)));
    const warnings: string[] = [];
    session.subscribe((event) => event.type === 'tool_log' && event.level === 'warn' && warnings.push(event.message));
    await session.run('task');
    session.submit({ type: 'compact' });
    expect(await done).toMatchObject({ trigger: 'manual' });
    // The user is told too, not only the model.
    expect(warnings.some((message) => /^Compaction dropped the \d+ oldest messages of the conversation without summarising them/.test(message))).toBe(true);
    // Refused, then tried again with fewer (newer) messages until it fitted.
    expect(transcripts.length).toBeGreaterThan(1);
    expect(transcripts.at(-1)).toBeLessThanOrEqual(12_000);
    const notice = summaryNotice(session.history.messages);
    expect(notice).toMatch(/## Goal\nthe newer half/);
    expect(notice).toMatch(/\d+ older messages were dropped without a summary: the summary request did not fit/);
    expect(session.history.danglingToolCalls()).toEqual([]);
    await session.close();
  });

  it('a summary that never fits drops the whole span: the overflow retry still goes on', async () => {
    let overflowed = false;
    const model = new ScriptedModel({
      info: { contextWindow: 1_000_000 },
      turns: (request, index) => {
        if (isSummaryRequest(request)) return { error: new ContextOverflowError('prompt is too long', { status: 400 }) };
        if (index < 3) return { toolCalls: [{ name: 'dump', arguments: { n: index } }] };
        if (!overflowed) {
          overflowed = true;
          return { error: new ContextOverflowError('prompt is too long', { status: 400 }) };
        }
        return textTurn('done after dropping');
      },
    });
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 500 } });
    const triggers: string[] = [];
    session.subscribe((event) => event.type === 'compacted' && triggers.push(event.trigger));
    const outcome = await session.run('task');
    expect(outcome.status).toBe('completed');
    expect(outcome.text).toBe('done after dropping');
    expect(triggers).toEqual(['overflow']);
    expect(summaryNotice(session.history.messages)).toMatch(/older messages were dropped without a summary/);
    expect(session.history.messages[0]).toEqual({ role: 'user', content: 'task' });
    await session.close();
  });

  it('a span larger than the window is cut before asking, so a server that would refuse is not asked to', async () => {
    const prompts: number[] = [];
    let workerCalls = 0;
    const model = new ScriptedModel({
      info: { contextWindow: 12_000, maxOutputTokens: 1_000 },
      turns: (request): ScriptedTurn => {
        if (isSummaryRequest(request)) {
          const prompt = request.messages[0];
          prompts.push(prompt && prompt.role === 'user' ? prompt.content.length : 0);
          return textTurn('## Goal\nshort');
        }
        if (workerCalls < 30) return { toolCalls: [{ name: 'dump', arguments: { n: workerCalls++ } }] };
        return textTurn('finished');
      },
    });
    // Nothing compacts on its own (a high threshold); the manual compaction then faces a span over the window.
    const session = createSession({ model, tools: [bigTool], counter: createCharEstimateCounter(), compaction: { keepRecentTokens: 500, threshold: 100 } });
    await session.run('task');
    const done = new Promise((resolve) => session.subscribe((event) => event.type === 'compacted' && resolve(event)));
    session.submit({ type: 'compact' });
    await done;
    expect(prompts).toHaveLength(1);
    // 4 characters a token: the prompt fits in the window less the answer's reserve.
    expect((prompts[0] as number) / 4).toBeLessThan(12_000 - 1_000);
    expect(summaryNotice(session.history.messages)).toMatch(/older messages were dropped without a summary/);
    await session.close();
  });
});
