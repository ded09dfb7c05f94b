import { JsonlSessionStore, readSessionLog } from '@ml-intern/context';
import type { AgentEvent } from '@ml-intern/events';
import { temporaryDirectories } from '@ml-intern/context/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApprovalPolicy } from './approval-policy.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { createSession, type Session } from './session.js';
import { defineTool } from './tool.js';
import { nextEvent } from './next-event.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());
const temporaryDirectory = (prefix: string) => directories.make(prefix);

const upload = defineTool({
  name: 'upload',
  description: 'pretend upload',
  inputSchema: z.object({ path: z.string() }),
  approval: () => ({ decision: 'ask', reason: 'uploads change the Hub' }),
  execute: ({ path: file }) => `uploaded ${file}`,
});

describe('set_approval_mode', () => {
  it('yolo approves what asked before, and a budget set later caps billable calls', async () => {
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'upload', arguments: { path: 'a' } }), textTurn('done')] });
    const policy = createApprovalPolicy({ mode: 'default' });
    const session = createSession({ model, tools: [upload], policy, interactive: true });
    const events: AgentEvent[] = [];
    session.subscribe((event) => events.push(event));
    session.submit({ type: 'set_approval_mode', mode: 'yolo', budget_usd: 3 });
    expect(policy.mode).toBe('yolo');
    expect(policy.budgetUsd).toBe(3);
    expect(session.budgetUsd).toBe(3);
    const outcome = await session.run('upload a');
    expect(outcome.status).toBe('completed');
    expect(events.some((event) => event.type === 'approval_required')).toBe(false);
    expect(events.find((event) => event.type === 'tool_output')).toMatchObject({ output: 'uploaded a', is_error: false });
    expect(events.find((event) => event.type === 'approval_mode_changed')).toMatchObject({ mode: 'yolo', budget_usd: 3 });
    session.submit({ type: 'set_approval_mode', mode: 'default', budget_usd: null });
    expect(policy.mode).toBe('default');
    expect(policy.budgetUsd).toBeUndefined();
    await session.close();
  });

  it('a read-only session refuses yolo and stays read-only', async () => {
    const policy = createApprovalPolicy({ mode: 'read-only' });
    const session = createSession({ model: new ScriptedModel({ turns: [] }), policy });
    const error = nextEvent(session, 'error');
    session.submit({ type: 'set_approval_mode', mode: 'yolo' });
    expect(await error).toMatchObject({ code: 'read_only' });
    expect(policy.mode).toBe('read-only');
    await session.close();
  });
});

describe('seq and the turn in progress', () => {
  it('firstSeq continues the numbering; recentEvents holds the streamed chunks the log leaves out', async () => {
    const dir = temporaryDirectory('ml-intern-web-');
    const store = new JsonlSessionStore(dir);
    const model = new ScriptedModel({ turns: [{ text: 'one two three four five six seven eight nine ten', chunks: 5, delayMs: 5 }] });
    const session = createSession({ model, store, firstSeq: 40, dataRoot: dir });
    const started = await nextEvent(session, 'session_started');
    expect(started.seq).toBe(40);
    const running = session.run('count');
    await nextEvent(session, 'assistant_chunk');
    const midTurn = session.recentEvents();
    expect(midTurn[0]).toMatchObject({ type: 'processing' });
    expect(midTurn.some((event) => event.type === 'assistant_chunk')).toBe(true);
    await running;
    const chunks = session.recentEvents().filter((event) => event.type === 'assistant_chunk');
    expect(chunks.map((event) => (event.type === 'assistant_chunk' ? event.text : '')).join('')).toBe('one two three four five six seven eight nine ten');
    const after = chunks[2]?.seq ?? 0;
    expect(session.recentEvents(after).every((event) => event.seq > after)).toBe(true);
    const logged = readSessionLog(session.logLocation ?? '').records.flatMap((record) => (record.kind === 'event' ? [record.event] : []));
    expect(logged.some((event) => event.type === 'assistant_chunk')).toBe(false);
    expect(logged.every((event, index) => index === 0 || event.seq > (logged[index - 1]?.seq ?? -1))).toBe(true);
    expect(session.nextSeq).toBeGreaterThan(Math.max(...logged.map((event) => event.seq)));
    await session.close();
  });
});
