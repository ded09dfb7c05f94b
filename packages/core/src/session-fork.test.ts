import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JsonlSessionStore, readSessionLog, replayHistory, type Message } from '@ml-intern/context';
import type { AgentEvent } from '@ml-intern/events';
import { temporaryDirectories } from '@ml-intern/context/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSession, type Session } from './session.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { defineTool } from './tool.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());
const temporaryDirectory = (prefix: string) => directories.make(prefix);

const tempDir = () => temporaryDirectory('ml-intern-fork-');

function collect(session: Session): AgentEvent[] {
  const events: AgentEvent[] = [];
  session.subscribe((event) => events.push(event));
  return events;
}

const planTurn = toolTurn({ name: 'plan_tool', arguments: { todos: [{ id: '1', content: 'train the model', status: 'in_progress' }] } });

describe('resume forks (SPEC section 8)', () => {
  it('the resume operation continues in a new session that names the old one; the old log is untouched and the plan survives', async () => {
    const store = new JsonlSessionStore(tempDir());
    const first = createSession({ model: new ScriptedModel({ turns: [planTurn, textTurn('planned')] }), store });
    await first.run('make a plan');
    await first.close();
    expect(first.plan).toHaveLength(1);
    const oldLog = readFileSync(store.pathFor(first.id), 'utf8');

    const model = new ScriptedModel({ turns: [textTurn('continuing')] });
    const second = createSession({ model, store });
    const events = collect(second);
    second.submit({ type: 'resume', session: first.id });
    await second.run('go on');
    const id = second.id;
    await second.close();

    expect(id).not.toBe(first.id);
    expect(second.forkedFrom).toBe(first.id);
    expect(readFileSync(store.pathFor(first.id), 'utf8')).toBe(oldLog);
    const started = events.filter((event) => event.type === 'session_started').at(-1);
    expect(started).toMatchObject({ session_id: id, resumed: true, forked_from: first.id });
    expect(events.some((event) => event.type === 'tool_log' && event.message.includes(`Resumed session ${first.id} as new session ${id}`))).toBe(true);
    expect(second.plan).toEqual([{ id: '1', content: 'train the model', status: 'in_progress' }]);
    expect(events.some((event) => event.type === 'plan_update' && event.session_id === id && event.plan.length === 1)).toBe(true);
    expect(model.requests[0]?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);

    const fork = readSessionLog(store.pathFor(id));
    expect(fork.header.forked_from).toBe(first.id);
    expect(replayHistory(fork.records)).toHaveLength(6);
    // The fork's own log carries the plan, so resuming the fork keeps it too.
    expect((await store.load(id)).plan).toHaveLength(1);
  });

  it('a session whose log another live run holds is forked, announced, instead of writing into it', async () => {
    const store = new JsonlSessionStore(tempDir());
    const first = createSession({ model: new ScriptedModel({ turns: [textTurn('one'), textTurn('still mine')] }), store });
    await first.run('first task');
    const loaded = await store.load(first.id);
    // `first` is still open: it holds its log. A second run resumes the same id in place.
    const second = createSession({ model: new ScriptedModel({ turns: [textTurn('two')] }), store, id: first.id, history: loaded.messages, resumed: true });
    const events = collect(second);
    await second.run('second task');
    await first.run('first again');
    await Promise.all([first.close(), second.close()]);

    expect(second.id).not.toBe(first.id);
    const warning = events.find((event) => event.type === 'tool_log' && event.level === 'warn');
    expect(warning && warning.type === 'tool_log' && warning.message).toMatch(new RegExp(`session ${first.id} is in use by another session of this process, so this run continues as a new session ${second.id} forked from it`));
    const firstLog = replayHistory(readSessionLog(store.pathFor(first.id)).records).map((message) => (message.role === 'user' ? message.content : message.role));
    expect(firstLog).toEqual(['first task', 'assistant', 'first again', 'assistant']);
    const secondLog = readSessionLog(store.pathFor(second.id));
    expect(secondLog.header.forked_from).toBe(first.id);
    expect(replayHistory(secondLog.records).filter((message) => message.role === 'user').map((message) => (message as { content: string }).content)).toEqual(['first task', 'second task']);
  });
});

describe('/new starts afresh', () => {
  it('resets the usage meter, the loop guard and the system prompt', async () => {
    let renders = 0;
    const model = new ScriptedModel({ turns: [textTurn('a'), textTurn('b')] });
    const session = createSession({ model, systemPrompt: () => `system v${++renders}` });
    await session.run('one');
    expect(session.usage.usage.output_tokens).toBeGreaterThan(0);
    const ready = new Promise((resolve) => session.subscribe((event) => event.type === 'ready' && resolve(event)));
    session.submit({ type: 'new' });
    await ready;
    expect(session.usage.usage.output_tokens).toBe(0);
    expect(session.usage.costUsd).toBe(0);
    await session.run('two');
    await session.close();
    expect(model.requests.map((request) => request.system)).toEqual(['system v1', 'system v2']);
  });
});

describe('compaction', () => {
  it('a compaction that changed the history and then failed is in the log, so log and memory agree', async () => {
    const store = new JsonlSessionStore(tempDir());
    const filler = 'lorem ipsum dolor sit amet '.repeat(40);
    const history: Message[] = [{ role: 'user', content: 'the task' }];
    for (let index = 0; index < 12; index += 1) history.push({ role: 'assistant', content: [{ type: 'text', text: `${index} ${filler}` }] }, { role: 'user', content: `more ${index} ${filler}` });
    history.push({ role: 'assistant', content: [{ type: 'text', text: 'ok' }] });
    const model = new ScriptedModel({ turns: [textTurn('short summary')], info: { contextWindow: 4_000, maxOutputTokens: 100 } });
    const session = createSession({ model, store, history, compaction: { keepRecentTokens: 200 } });
    const outcome = await session.run(`a very long request ${'word '.repeat(4_000)}`);
    await session.close();
    expect(outcome.status).toBe('terminated');
    const replayed = replayHistory(readSessionLog(store.pathFor(session.id)).records);
    expect(replayed).toEqual(session.history.messages);
    expect(replayed.length).toBeLessThan(history.length);
  });

  it('/compact is cancelled by an interrupt and the session stays usable', async () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(40);
    const history: Message[] = [{ role: 'user', content: 'the task' }];
    for (let index = 0; index < 6; index += 1) history.push({ role: 'assistant', content: [{ type: 'text', text: filler }] }, { role: 'user', content: filler });
    history.push({ role: 'assistant', content: [{ type: 'text', text: 'ok' }] });
    const model = new ScriptedModel({ turns: [{ hang: true }, textTurn('after')] });
    const session = createSession({ model, history, compaction: { keepRecentTokens: 100 } });
    const events = collect(session);
    session.submit({ type: 'compact' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(session.busy).toBe(true);
    const interrupted = new Promise((resolve) => session.subscribe((event) => event.type === 'interrupted' && resolve(event)));
    session.submit({ type: 'interrupt' });
    await interrupted;
    expect(session.history.messages).toEqual(history);
    expect(events.some((event) => event.type === 'tool_log' && /Compaction cancelled/.test(event.message))).toBe(true);
    expect((await session.run('next')).text).toBe('after');
    await session.close();
  });
});

const bigOutput = defineTool({ name: 'dump', description: 'prints a lot', inputSchema: z.object({}), execute: () => 'x'.repeat(200) });
const scratch = defineTool({
  name: 'scratch',
  description: 'writes scratch',
  inputSchema: z.object({}),
  execute: (_input, ctx) => {
    writeFileSync(path.join(ctx.session.dataDir, 'scratch.txt'), 'temp');
    return ctx.session.dataDir;
  },
});

describe('data folders', () => {
  it('scratch is removed when a session ends; spill files stay with a saved log, and a fork gets its own links to them', async () => {
    const dir = tempDir();
    const store = new JsonlSessionStore(dir);
    const first = createSession({ model: new ScriptedModel({ turns: [toolTurn({ name: 'dump', arguments: {} }, { name: 'scratch', arguments: {} }), textTurn('done')] }), tools: [bigOutput, scratch], store, dataRoot: dir, maxOutputChars: 100 });
    await first.run('go');
    const tool = first.history.messages.find((message) => message.role === 'tool' && message.spillPath);
    const spill = tool?.role === 'tool' ? tool.spillPath : undefined;
    expect(spill?.startsWith(path.join(dir, first.id, 'spill'))).toBe(true);
    await first.close();
    expect(existsSync(path.join(dir, first.id, 'scratch.txt'))).toBe(false);
    expect(existsSync(spill as string)).toBe(true);

    const second = createSession({ model: new ScriptedModel({ turns: [textTurn('ok')] }), store, dataRoot: dir });
    second.submit({ type: 'resume', session: first.id });
    await second.run('again');
    const moved = second.history.messages.find((message) => message.role === 'tool' && message.spillPath);
    expect(moved?.role === 'tool' && moved.spillPath).toBe(path.join(dir, second.id, 'spill', path.basename(spill as string)));
    expect(moved?.role === 'tool' && moved.content).toContain(path.join(dir, second.id, 'spill'));
    expect(readFileSync(path.join(dir, second.id, 'spill', path.basename(spill as string)), 'utf8')).toBe('x'.repeat(200));
    await second.close();
  });

  it('without a saved log, the whole data folder goes at the end', async () => {
    const root = tempDir();
    const session = createSession({ model: new ScriptedModel({ turns: [toolTurn({ name: 'scratch', arguments: {} }), textTurn('done')] }), tools: [scratch], dataRoot: root });
    await session.run('go');
    expect(existsSync(path.join(root, session.id, 'scratch.txt'))).toBe(true);
    await session.close();
    expect(existsSync(path.join(root, session.id))).toBe(false);
  });
});
