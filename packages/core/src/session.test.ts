import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentEvent } from '@ml-intern/events';
import { createApprovalPolicy } from './approval-policy.js';
import { createSession, type Session } from './session.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { defineTool } from './tool.js';

const echo = defineTool({
  name: 'echo',
  description: 'echo text back',
  inputSchema: z.object({ text: z.string(), delayMs: z.number().optional() }),
  readOnly: true,
  async execute({ text, delayMs }, ctx) {
    if (delayMs) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delayMs);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
    }
    return `echo:${text}`;
  },
});

const upload = defineTool({
  name: 'upload',
  description: 'pretend upload',
  inputSchema: z.object({ path: z.string() }),
  approval: () => ({ decision: 'ask', reason: 'uploads change the Hub' }),
  execute: ({ path }) => `uploaded ${path}`,
});

function collect(session: Session): AgentEvent[] {
  const events: AgentEvent[] = [];
  session.subscribe((event) => events.push(event));
  return events;
}

function waitFor(session: Session, type: AgentEvent['type']): Promise<AgentEvent> {
  return new Promise((resolve) => {
    const off = session.subscribe((event) => {
      if (event.type === type) {
        off();
        resolve(event);
      }
    });
  });
}

function toolResults(model: ScriptedModel, index: number) {
  return (model.requests[index]?.messages ?? []).filter((message) => message.role === 'tool');
}

describe('agent loop', () => {
  it('runs tools over several iterations and completes with the final text', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'echo', arguments: { text: 'a' } }), toolTurn({ name: 'echo', arguments: { text: 'b' } }), textTurn('all done')] });
    const session = createSession({ model, tools: [echo] });
    const events = collect(session);
    const outcome = await session.run('do it');
    expect(outcome).toMatchObject({ status: 'completed', reason: 'done', text: 'all done', iterations: 3 });
    expect(toolResults(model, 2).map((message) => message.role === 'tool' && message.content)).toEqual(['echo:a', 'echo:b']);
    expect(events[0]?.type).toBe('session_started');
    const seqs = events.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(events.filter((event) => event.type === 'llm_call')).toHaveLength(3);
    await session.close();
  });

  it('runs parallel calls concurrently and appends results in call order', async () => {
    const model = new ScriptedModel({
      turns: [
        toolTurn({ name: 'echo', arguments: { text: 'slow', delayMs: 80 } }, { name: 'echo', arguments: { text: 'fast', delayMs: 1 } }),
        textTurn('ok'),
      ],
    });
    const session = createSession({ model, tools: [echo] });
    const events = collect(session);
    await session.run('go');
    const outputs = events.filter((event) => event.type === 'tool_output').map((event) => event.type === 'tool_output' && event.output);
    expect(outputs).toEqual(['echo:fast', 'echo:slow']);
    expect(toolResults(model, 1).map((message) => message.role === 'tool' && message.content)).toEqual(['echo:slow', 'echo:fast']);
    await session.close();
  });

  it('turns invalid JSON, schema errors, unknown tools and throwing tools into results the model sees', async () => {
    const boom = defineTool({ name: 'boom', description: 'throws', inputSchema: z.object({}), execute: () => { throw new Error('kaput'); } });
    const model = new ScriptedModel({
      turns: [
        toolTurn({ name: 'echo', arguments: '{"text": "unterminated' }, { name: 'echo', arguments: { text: 5 } }, { name: 'nope', arguments: {} }, { name: 'boom', arguments: {} }),
        textTurn('recovered'),
      ],
    });
    const session = createSession({ model, tools: [echo, boom] });
    const outcome = await session.run('try');
    expect(outcome.status).toBe('completed');
    const results = toolResults(model, 1);
    expect(results).toHaveLength(4);
    expect(results.every((message) => message.role === 'tool' && message.isError)).toBe(true);
    const texts = results.map((message) => (message.role === 'tool' ? message.content : ''));
    expect(texts[0]).toMatch(/Invalid JSON in the arguments of echo/);
    expect(texts[1]).toMatch(/Invalid arguments for echo: text:/);
    expect(texts[2]).toMatch(/Unknown tool "nope". Available tools: boom, echo, plan_tool/);
    expect(texts[3]).toMatch(/boom failed.*kaput/);
    await session.close();
  });

  it('times out a hanging tool and keeps going', async () => {
    const hang = defineTool({ name: 'hang', description: 'never returns', inputSchema: z.object({}), timeoutMs: 50, execute: () => new Promise<string>(() => {}) });
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'hang', arguments: {} }), textTurn('moved on')] });
    const session = createSession({ model, tools: [hang] });
    const outcome = await session.run('go');
    expect(outcome.text).toBe('moved on');
    expect(toolResults(model, 1)[0]).toMatchObject({ isError: true, content: expect.stringMatching(/timed out/) });
    await session.close();
  });

  it('interrupts mid-stream, repairs nothing needed, and stays usable', async () => {
    const model = new ScriptedModel({ turns: [{ text: 'a long answer that streams slowly', chunks: 20, delayMs: 20 }, textTurn('second turn works')] });
    const session = createSession({ model, tools: [echo] });
    const pending = session.run('first');
    await waitFor(session, 'assistant_chunk');
    session.submit({ type: 'interrupt' });
    expect((await pending).status).toBe('interrupted');
    expect((await session.run('again')).text).toBe('second turn works');
    await session.close();
  });

  it('interrupts mid-tool: the tool is aborted and its call gets a not-executed result', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'echo', arguments: { text: 'x', delayMs: 10_000 } }), textTurn('after')] });
    const session = createSession({ model, tools: [echo] });
    const pending = session.run('go');
    await waitFor(session, 'tool_call');
    session.submit({ type: 'interrupt' });
    const outcome = await pending;
    expect(outcome.status).toBe('interrupted');
    const tool = session.history.messages.find((message) => message.role === 'tool');
    expect(tool).toMatchObject({ isError: true });
    expect(session.history.danglingToolCalls()).toEqual([]);
    await session.run('continue');
    expect(model.requests[1]?.messages.at(-1)).toMatchObject({ role: 'user', content: 'continue' });
    await session.close();
  });
});

describe('approvals', () => {
  async function approvalRun(answer: (session: Session, id: string) => void) {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'upload', arguments: { path: 'a.txt' } }), textTurn('done')] });
    const session = createSession({ model, tools: [upload] });
    const events = collect(session);
    const pending = session.run('upload it');
    const request = await waitFor(session, 'approval_required');
    const id = request.type === 'approval_required' ? (request.tools[0]?.tool_call_id ?? '') : '';
    answer(session, id);
    const outcome = await pending;
    return { model, session, events, outcome, request };
  }

  it('approve runs the call', async () => {
    const { model, session, request } = await approvalRun((session, id) => session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: id, approved: true }] }));
    expect(request).toMatchObject({ tools: [{ tool: 'upload', reason: 'uploads change the Hub', always_scope: 'allow upload' }] });
    expect(toolResults(model, 1)[0]).toMatchObject({ content: 'uploaded a.txt', isError: false });
    await session.close();
  });

  it('reject with feedback tells the model why', async () => {
    const { model, session } = await approvalRun((session, id) => session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: id, approved: false, feedback: 'use the staging repo' }] }));
    expect(toolResults(model, 1)[0]).toMatchObject({ isError: true, content: expect.stringContaining('use the staging repo') });
    await session.close();
  });

  it('edited arguments are validated and used, and the model is told what ran', async () => {
    const { model, session, events } = await approvalRun((session, id) => session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: id, approved: true, edited_arguments: { path: 'b.txt' } }] }));
    expect(toolResults(model, 1)[0]).toMatchObject({ content: 'The user edited this call before approving it; it ran with these arguments: {"path":"b.txt"}\n\nuploaded b.txt' });
    // UIs hear what really runs: the running state carries the edited arguments.
    expect(events.filter((event) => event.type === 'tool_state_change' && event.state === 'running')).toMatchObject([{ arguments: { path: 'b.txt' } }]);
    await session.close();
    const invalid = await approvalRun((session, id) => session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: id, approved: true, edited_arguments: { path: 42 } }] }));
    expect(toolResults(invalid.model, 1)[0]).toMatchObject({ isError: true, content: expect.stringContaining("The user's edited arguments were invalid") });
    await invalid.session.close();
  });

  it('an edited call counts its own estimated cost against the budget, not the original one', async () => {
    const launch = defineTool({
      name: 'launch',
      description: 'pretend GPU job',
      inputSchema: z.object({ gpus: z.number() }),
      approval: ({ gpus }) => ({ decision: 'ask', reason: 'costs money', costUsd: gpus * 10 }),
      execute: ({ gpus }) => `launched on ${gpus} GPUs`,
    });
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'launch', arguments: { gpus: 1 } }), textTurn('done')] });
    const session = createSession({ model, tools: [launch] });
    const pending = session.run('train');
    const request = await waitFor(session, 'approval_required');
    expect(request).toMatchObject({ tools: [{ estimated_cost_usd: 10 }] });
    const id = request.type === 'approval_required' ? (request.tools[0]?.tool_call_id ?? '') : '';
    session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: id, approved: true, edited_arguments: { gpus: 3 } }] });
    await pending;
    expect(session.usage.jobCostUsd).toBe(30);
    await session.close();
  });

  it('a new user message abandons the pending approval and the next turn starts with that message', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'upload', arguments: { path: 'a.txt' } }), textTurn('second')] });
    const session = createSession({ model, tools: [upload] });
    const events = collect(session);
    const first = session.run('upload');
    await waitFor(session, 'approval_required');
    const second = session.run('never mind');
    // The old turn ends without calling the model again.
    expect(await first).toMatchObject({ status: 'completed', reason: 'superseded', text: '' });
    expect((await second).text).toBe('second');
    expect(model.requests).toHaveLength(2);
    const messages = model.requests[1]?.messages ?? [];
    expect(messages.at(-1)).toMatchObject({ role: 'user', content: 'never mind' });
    expect(toolResults(model, 1)[0]).toMatchObject({ isError: true, content: expect.stringMatching(/new message instead of answering/) });
    expect(events.filter((event) => event.type === 'tool_state_change' && event.state === 'abandoned')).toHaveLength(1);
    await session.close();
  });

  it('"always" adds a session rule that is honoured next time', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'upload', arguments: { path: 'a' } }), textTurn('1'), toolTurn({ name: 'upload', arguments: { path: 'b' } }), textTurn('2')] });
    const session = createSession({ model, tools: [upload] });
    const events = collect(session);
    const first = session.run('one');
    const request = await waitFor(session, 'approval_required');
    const id = request.type === 'approval_required' ? (request.tools[0]?.tool_call_id ?? '') : '';
    session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: id, approved: true, always: true }] });
    await first;
    await session.run('two');
    expect(events.filter((event) => event.type === 'approval_required')).toHaveLength(1);
    expect(toolResults(model, 3).at(-1)).toMatchObject({ content: 'uploaded b' });
    await session.close();
  });

  it('headless mode denies calls that need approval instead of hanging', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'upload', arguments: { path: 'a' } }), textTurn('gave up')] });
    const session = createSession({ model, tools: [upload], policy: createApprovalPolicy({ mode: 'headless' }) });
    const outcome = await session.run('go');
    expect(outcome.text).toBe('gave up');
    expect(toolResults(model, 1)[0]).toMatchObject({ isError: true, content: expect.stringMatching(/headless approval mode/) });
    await session.close();
  });

  it('a malformed operation is an error event, not a crash', async () => {
    const session = createSession({ model: new ScriptedModel({ turns: [textTurn('fine')] }) });
    const events = collect(session);
    session.submit({ type: 'exec_approval', decisions: 'yes' });
    session.submit({ nonsense: true });
    expect((await session.run('hi')).text).toBe('fine');
    expect(events.filter((event) => event.type === 'error').map((event) => event.type === 'error' && event.code)).toEqual(['invalid_operation', 'invalid_operation']);
    await session.close();
  });
});

describe('limits and guards', () => {
  it('max_iterations ends with a tool-less summary call', async () => {
    const model = new ScriptedModel({ turns: (request) => (request.toolChoice === 'none' ? textTurn('summary of progress') : toolTurn({ name: 'echo', arguments: { text: String(Math.random()) } })) });
    const session = createSession({ model, tools: [echo], maxIterations: 3 });
    const outcome = await session.run('loop forever');
    expect(outcome).toMatchObject({ status: 'completed', reason: 'max_iterations', text: 'summary of progress', iterations: 3 });
    expect(model.callCount).toBe(4);
    expect(model.requests[3]?.toolChoice).toBe('none');
    expect(model.requests[3]?.messages.at(-1)).toMatchObject({ role: 'notice', kind: 'max_iterations' });
    await session.close();
  });

  it('doom loop: nudges once, then stops a headless run', async () => {
    const model = new ScriptedModel({ turns: () => toolTurn({ name: 'echo', arguments: { text: 'same' } }) });
    const session = createSession({ model, tools: [echo] });
    const events = collect(session);
    const outcome = await session.run('go');
    expect(outcome).toMatchObject({ status: 'completed', reason: 'loop_detected' });
    const detections = events.filter((event) => event.type === 'loop_detected');
    expect(detections.map((event) => event.type === 'loop_detected' && event.action)).toEqual(['nudge', 'stop']);
    const notices = session.history.messages.filter((message) => message.role === 'notice' && message.kind === 'loop_guard');
    expect(notices).toHaveLength(1);
    expect(model.callCount).toBe(6);
    await session.close();
  });

  it('detects a cycle of two different calls', async () => {
    let index = 0;
    const model = new ScriptedModel({ turns: () => toolTurn({ name: 'echo', arguments: { text: index++ % 2 ? 'b' : 'a' } }) });
    const session = createSession({ model, tools: [echo], interactive: true });
    const events = collect(session);
    const outcome = await session.run('go');
    expect(outcome.reason).toBe('loop_detected');
    expect(events.find((event) => event.type === 'loop_detected')).toMatchObject({ pattern: 'cycle', tools: ['echo', 'echo'], action: 'nudge' });
    expect(events.filter((event) => event.type === 'loop_detected').at(-1)).toMatchObject({ action: 'ask' });
    await session.close();
  });

  it('polling with changing results is not a loop', async () => {
    let polls = 0;
    const status = defineTool({ name: 'job_status', description: 'poll', inputSchema: z.object({ id: z.string() }), execute: () => `running, step ${++polls}` });
    const model = new ScriptedModel({ turns: (_request, index) => (index < 8 ? toolTurn({ name: 'job_status', arguments: { id: 'j1' } }) : textTurn('finished')) });
    const session = createSession({ model, tools: [status] });
    const events = collect(session);
    expect((await session.run('watch the job')).text).toBe('finished');
    expect(events.some((event) => event.type === 'loop_detected')).toBe(false);
    await session.close();
  });

  it('finish_reason length drops truncated calls and tells the model how to split', async () => {
    const model = new ScriptedModel({ turns: [{ toolCalls: [{ name: 'echo', arguments: '{"text": "very long' }], finishReason: 'length' }, textTurn('split it')] });
    const session = createSession({ model, tools: [echo] });
    const outcome = await session.run('write');
    expect(outcome.text).toBe('split it');
    const last = model.requests[1]?.messages.at(-1);
    expect(last).toMatchObject({ role: 'notice', kind: 'truncation', content: expect.stringMatching(/output token limit.*echo/) });
    expect(model.requests[1]?.messages.some((message) => message.role === 'assistant' && message.content.some((part) => part.type === 'tool_call'))).toBe(false);
    await session.close();
  });

  it('a truncated text answer is reported as truncated', async () => {
    const session = createSession({ model: new ScriptedModel({ turns: [{ text: 'half an ans', finishReason: 'length' }] }) });
    expect((await session.run('q')).reason).toBe('truncated');
    await session.close();
  });

  it('plan_tool replaces the plan and emits plan_update', async () => {
    const todos = [{ id: '1', content: 'inspect dataset', status: 'in_progress' }, { id: '2', content: 'train', status: 'pending' }];
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'plan_tool', arguments: { todos } }), textTurn('planned')] });
    const session = createSession({ model });
    const events = collect(session);
    await session.run('plan');
    expect(events.find((event) => event.type === 'plan_update')).toMatchObject({ plan: todos });
    expect(session.plan).toEqual(todos);
    await session.close();
  });

  it('budget: an exhausted budget ends the turn before the next call', async () => {
    const model = new ScriptedModel({ info: { pricing: { input: 1_000_000, output: 0 } }, turns: () => ({ ...toolTurn({ name: 'echo', arguments: { text: String(Math.random()) } }), usage: { inputTokens: 100 } }) });
    const session = createSession({ model, tools: [echo], budgetUsd: 50 });
    const outcome = await session.run('spend');
    expect(outcome.reason).toBe('budget_exceeded');
    expect(model.callCount).toBe(1);
    await session.close();
  });

  it('undo removes the last user turn', async () => {
    const session = createSession({ model: new ScriptedModel({ turns: [textTurn('one'), textTurn('two')] }) });
    await session.run('first');
    await session.run('second');
    const undone = waitFor(session, 'undo_complete');
    session.submit({ type: 'undo' });
    expect(await undone).toMatchObject({ messages_removed: 2 });
    expect(session.history.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    await session.close();
  });
});

describe('run() while busy', () => {
  it('a run() submitted during a turn resolves with its own turn', async () => {
    const model = new ScriptedModel({ turns: [{ text: 'slow first', chunks: 5, delayMs: 20 }, textTurn('second answer')] });
    const session = createSession({ model });
    const first = session.run('one');
    await waitFor(session, 'assistant_chunk');
    const second = session.run('two');
    expect((await first).text).toBe('slow first');
    expect((await second).text).toBe('second answer');
    await session.close();
  });
});

describe('research sub-agent', () => {
  it('runs a read-only sub-session and returns its report; write tools are withheld', async () => {
    const { createResearchTool } = await import('./research-tool.js');
    const model = new ScriptedModel({
      turns: (request) => {
        const last = request.messages.at(-1);
        if (request.system.startsWith('You are a research sub-agent')) {
          expect(request.tools.map((tool) => tool.name)).toEqual(['echo']);
          return last?.role === 'tool' ? textTurn('report: found it') : toolTurn({ name: 'echo', arguments: { text: 'docs' } });
        }
        return last?.role === 'tool' ? textTurn(`parent saw: ${last.content}`) : toolTurn({ name: 'research', arguments: { task: 'find docs' } });
      },
    });
    let tools: import('./tool.js').AnyTool[] = [];
    const policy = createApprovalPolicy();
    const research = createResearchTool({ model, tools: () => tools, policy });
    tools = [echo, upload, research];
    const session = createSession({ model, tools, policy });
    const logs: string[] = [];
    session.subscribe((event) => event.type === 'tool_log' && logs.push(event.message));
    const outcome = await session.run('research something');
    expect(outcome.text).toBe('parent saw: report: found it');
    expect(logs.some((line) => line.includes('research › echo'))).toBe(true);
    await session.close();
  });
});

describe('abort listeners', () => {
  it('listeners a provider leaves on the call signal do not pile up on the turn', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    let calls = 0;
    const leaky = {
      id: 'leaky/model',
      info: { contextWindow: 100_000, maxOutputTokens: 1_000 },
      async *stream(_request: unknown, options: { signal?: AbortSignal } = {}) {
        // Like an SDK that links its own controller and never unlinks it.
        options.signal?.addEventListener('abort', () => {});
        calls += 1;
        if (calls <= 15) {
          yield { type: 'tool-call-start' as const, id: `c${calls}`, name: 'echo' };
          yield { type: 'tool-call-delta' as const, id: `c${calls}`, argumentsDelta: JSON.stringify({ text: String(calls) }) };
          yield { type: 'tool-call-end' as const, id: `c${calls}` };
          yield { type: 'finish' as const, reason: 'tool_calls' as const };
        } else {
          yield { type: 'text-delta' as const, text: 'done' };
          yield { type: 'finish' as const, reason: 'stop' as const };
        }
      },
    };
    const session = createSession({ model: leaky, tools: [echo] });
    expect((await session.run('go')).text).toBe('done');
    await session.close();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
