import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonlSessionStore, createRedactor } from '@ml-intern/context';
import { temporaryDirectories } from '@ml-intern/context/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSession } from './session.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { defineTool } from './tool.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());
const temporaryDirectory = (prefix: string) => directories.make(prefix);

const here = path.dirname(fileURLToPath(import.meta.url));
const tempDir = () => temporaryDirectory('ml-intern-sessions-');

const readFile = defineTool({
  name: 'cat',
  description: 'print a fake file',
  inputSchema: z.object({ name: z.string() }),
  execute: ({ name }) => `contents of ${name}: HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123 and my-configured-secret-42`,
});

describe('session log and resume', () => {
  it('writes a header and every message, then resumes the same id with the history', async () => {
    const store = new JsonlSessionStore(tempDir());
    const first = createSession({ model: new ScriptedModel({ turns: [toolTurn({ name: 'cat', arguments: { name: 'a' } }), textTurn('read it')] }), tools: [readFile], store, configDigest: 'abc' });
    await first.run('read file a');
    await first.close();
    const lines = readFileSync(store.pathFor(first.id), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ kind: 'header', id: first.id, model: 'scripted/model', config_digest: 'abc' });
    expect(lines.filter((line) => line.kind === 'message').map((line) => line.message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(lines.some((line) => line.kind === 'event' && line.event.type === 'assistant_chunk')).toBe(false);

    const loaded = await store.load(first.id.slice(0, 8));
    const model = new ScriptedModel({ turns: [textTurn('continuing')] });
    const resumed = createSession({ model, id: loaded.header.id, history: loaded.messages, store, resumed: true });
    await resumed.run('and now?');
    expect(resumed.id).toBe(first.id);
    expect(model.requests[0]?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
    await resumed.close();
    expect((await store.load('last')).messages).toHaveLength(6);
  });

  it('resuming a session that does not exist is a clear error and the session stays usable', async () => {
    const store = new JsonlSessionStore(tempDir());
    const session = createSession({ model: new ScriptedModel({ turns: [textTurn('still here')] }), store });
    const error = new Promise((resolve) => session.subscribe((event) => event.type === 'error' && resolve(event)));
    session.submit({ type: 'resume', session: 'zzzz' });
    expect(await error).toMatchObject({ code: 'resume_failed', message: expect.stringContaining('no session matches "zzzz"'), recoverable: true });
    expect((await session.run('hello')).text).toBe('still here');
    await session.close();
  });

  it('skips a truncated last line with a warning and repairs dangling tool calls', async () => {
    const store = new JsonlSessionStore(tempDir());
    const session = createSession({ model: new ScriptedModel({ turns: [textTurn('hi')] }), store });
    await session.run('hello');
    await session.close();
    const file = store.pathFor(session.id);
    appendFileSync(file, `${JSON.stringify({ kind: 'message', message: { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'cat', arguments: '{}' }] } })}\n{"kind":"message","mess`);
    const loaded = await store.load(file);
    expect(loaded.warnings[0]).toMatch(/last line .* incomplete/);
    const model = new ScriptedModel({ turns: [textTurn('ok')] });
    const resumed = createSession({ model, id: loaded.header.id, history: loaded.messages, store });
    await resumed.run('continue');
    expect(model.requests[0]?.messages.at(-2)).toMatchObject({ role: 'tool', toolCallId: 'c1', isError: true, content: expect.stringMatching(/Not executed/) });
    await resumed.close();
  });

  it('resume after the process is killed mid-turn restores the history', async () => {
    const dir = tempDir();
    const script = path.join(here, '__fixtures__', 'crash-session.mts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: path.join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('RUNNING')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const store = new JsonlSessionStore(dir);
    const loaded = await store.load('crash-test');
    expect(loaded.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    const model = new ScriptedModel({ turns: [textTurn('resumed fine')] });
    const resumed = createSession({ model, id: loaded.header.id, history: loaded.messages, store, resumed: true });
    expect((await resumed.run('what happened?')).text).toBe('resumed fine');
    expect(model.requests[0]?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    await resumed.close();
  }, 30_000);

  it('fork starts a new id from the same history; new rotates the id', async () => {
    const store = new JsonlSessionStore(tempDir());
    const original = createSession({ model: new ScriptedModel({ turns: [textTurn('a')] }), store });
    await original.run('task');
    await original.close();
    const loaded = await store.load(original.id);
    const fork = createSession({ model: new ScriptedModel({ turns: [textTurn('b')] }), history: loaded.messages, store });
    expect(fork.id).not.toBe(original.id);
    await fork.run('more');
    const started: string[] = [];
    fork.subscribe((event) => event.type === 'session_started' && started.push(event.session_id));
    fork.submit({ type: 'new' });
    await fork.close();
    expect(started).toHaveLength(1);
    expect(started[0]).not.toBe(fork.id === started[0] ? '' : fork.id);
    expect(fork.history.length).toBe(0);
    expect((await store.load(original.id)).messages).toHaveLength(2);
    expect(store.list().length).toBeGreaterThanOrEqual(2);
  });
});

describe('redaction', () => {
  it('keeps secrets out of model input, events and the session file', async () => {
    const store = new JsonlSessionStore(tempDir());
    const redact = createRedactor({ secrets: ['my-configured-secret-42'] });
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'cat', arguments: { name: 'env' } }), textTurn('the key is sk-ant-api03-abcdefghijklmnop')] });
    const session = createSession({ model, tools: [readFile], store, redact });
    const events: string[] = [];
    session.subscribe((event) => events.push(JSON.stringify(event)));
    await session.run('show me, my token is ghp_abcdefghijklmnopqrstuvwxyz0123');
    await session.close();
    const modelInput = JSON.stringify(model.requests[1]?.messages);
    const file = readFileSync(store.pathFor(session.id), 'utf8');
    for (const secret of ['hf_abcdefghijklmnopqrstuvwxyz0123', 'my-configured-secret-42']) {
      expect(modelInput).not.toContain(secret);
    }
    for (const secret of ['hf_abcdefghijklmnopqrstuvwxyz0123', 'my-configured-secret-42', 'sk-ant-api03-abcdefghijklmnop', 'ghp_abcdefghijklmnopqrstuvwxyz0123']) {
      expect(events.join('\n')).not.toContain(secret);
      expect(file).not.toContain(secret);
    }
    expect(file).toContain('[REDACTED]');
  });
});
