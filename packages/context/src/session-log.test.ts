import { appendFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryDirectories } from './testing.js';
import { History } from './history.js';
import type { Message } from './messages.js';
import { JsonlSessionStore, readSessionLog } from './session-log.js';
import type { SessionHeader } from './session-store.js';
import { createTiktokenCounter } from './token-counter.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());
const temporaryDirectory = (prefix: string) => directories.make(prefix);

const tempDir = () => temporaryDirectory('ml-intern-session-log-');

function header(id: string, overrides: Partial<SessionHeader> = {}): SessionHeader {
  return { id, model: 'anthropic/claude-test', cwd: '/work/project', started_at: '2025-01-02T03:04:05.000Z', config_digest: 'abc123', ...overrides };
}

const user = (content: string): Message => ({ role: 'user', content });
const assistant = (text: string): Message => ({ role: 'assistant', content: [{ type: 'text', text }] });

/** A log written by the store: header, a session_started event, then the messages. */
function writeSession(store: JsonlSessionStore, id: string, messages: Message[], overrides: Partial<SessionHeader> = {}): string {
  const writer = store.create(header(id, overrides));
  writer.append({
    kind: 'event',
    event: { type: 'session_started', session_id: id, seq: 0, ts: '2025-01-02T03:04:06.000Z', model: overrides.model ?? 'anthropic/claude-test', cwd: '/work/project', runtime: 'local', resumed: false, config: {} },
  });
  for (const message of messages) writer.append({ kind: 'message', message });
  void writer.close();
  return store.pathFor(id);
}

/** Set a file's modification time, `secondsAgo` before now. */
function age(file: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, when, when);
}

describe('readSessionLog: every line is checked against the log schema', () => {
  it.each([
    ['null', 'null'],
    ['a replace record without messages', '{"kind":"replace","messages":null}'],
    ['a message record without a message', '{"kind":"message","message":null}'],
    ['a message of an unknown role', '{"kind":"message","message":{"role":"robot","content":"x"}}'],
    ['an assistant message whose content is a string', '{"kind":"message","message":{"role":"assistant","content":"hi"}}'],
    ['a truncate record with a negative count', '{"kind":"truncate","count":-3}'],
    ['an event of the wrong shape', '{"kind":"event","event":{"type":"tool_call"}}'],
    ['a number', '42'],
    ['an array', '[1,2]'],
    ['an unknown kind', '{"kind":"teleport"}'],
  ])('skips %s with a warning naming the file and the line', async (_name, line) => {
    const store = new JsonlSessionStore(tempDir());
    const file = writeSession(store, 's1', [user('first')]);
    appendFileSync(file, `${line}\n${JSON.stringify({ kind: 'message', message: assistant('still read') })}\n`);
    const loaded = await store.load('s1');
    expect(loaded.messages).toEqual([user('first'), assistant('still read')]);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toContain(`${file}:4:`);
    expect(loaded.warnings[0]).toMatch(/skipped the line/);
    // What a resume does with the messages next: nothing may be null or malformed.
    expect(new History({ counter: createTiktokenCounter(), messages: loaded.messages }).rawTokens).toBeGreaterThan(0);
  });

  it('keeps fields a newer version added to a valid record', () => {
    const dir = tempDir();
    const file = path.join(dir, 's.jsonl');
    writeFileSync(file, `${JSON.stringify({ kind: 'header', ...header('s') })}\n${JSON.stringify({ kind: 'message', message: user('hi'), extra: 1 })}\n`);
    expect(readSessionLog(file)).toMatchObject({ records: [{ kind: 'message', message: user('hi'), extra: 1 }], warnings: [] });
  });

  it('reports a few bad lines one by one and counts the rest', () => {
    const dir = tempDir();
    const file = path.join(dir, 's.jsonl');
    writeFileSync(file, `${JSON.stringify({ kind: 'header', ...header('s') })}\n${'null\n'.repeat(25)}`);
    const { warnings } = readSessionLog(file);
    expect(warnings).toHaveLength(11);
    expect(warnings.at(-1)).toMatch(/15 more unreadable lines skipped/);
  });

  it('a session holding a 20 MB tool call loads and its history is counted', async () => {
    const store = new JsonlSessionStore(tempDir());
    const huge = JSON.stringify({ path: 'big.txt', content: 'A'.repeat(20_000_000) });
    writeSession(store, 'huge', [
      user('write a big file'),
      { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'write', arguments: huge }] },
      { role: 'tool', toolCallId: 'c1', toolName: 'write', content: 'wrote 20000000 bytes', isError: false },
    ]);
    const loaded = await store.load('last');
    expect(loaded.header.id).toBe('huge');
    const history = new History({ counter: createTiktokenCounter(), messages: loaded.messages });
    const started = performance.now();
    expect(history.rawTokens).toBeGreaterThan(1_000_000);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

describe('a damaged header', () => {
  it.each([
    ['cut short', (line: string) => line.slice(0, 40)],
    ['not JSON at all', () => '\u0000\u0000\u0000garbage'],
    ['of the wrong shape', () => '{"kind":"header","id":null}'],
    ['missing (the first line is a record)', () => JSON.stringify({ kind: 'message', message: user('hello') })],
  ])('(%s) is rebuilt from the file name and the records; the session is listed and `last` resumes it', async (_name, damage) => {
    const dir = tempDir();
    const store = new JsonlSessionStore(dir);
    const older = writeSession(store, 'older-session', [user('old task'), assistant('old answer')], { model: 'openai/gpt-old' });
    age(older, 3600);
    const newer = writeSession(store, '0f6c1b1e-newer', [user('new task'), assistant('new answer')], { model: 'anthropic/claude-new' });
    const lines = readFileSync(newer, 'utf8').split('\n');
    lines[0] = damage(lines[0] ?? '');
    writeFileSync(newer, lines.join('\n'));

    const firstIsMessage = lines[0]?.includes('"message"') === true;
    const sessions = store.list();
    expect(sessions.map((session) => session.id)).toEqual(['0f6c1b1e-newer', 'older-session']);
    expect(sessions[0]).toMatchObject({ model: 'anthropic/claude-new', recovered: true, preview: firstIsMessage ? 'hello' : 'new task' });
    expect(store.resolve('0f6c')).toBe(newer);

    const loaded = await store.load('last');
    expect(loaded.location).toBe(newer);
    expect(loaded.header).toMatchObject({ id: '0f6c1b1e-newer', model: 'anthropic/claude-new', cwd: '/work/project' });
    expect(loaded.messages.map((message) => (message.role === 'user' ? message.content : message.role))).toEqual(
      firstIsMessage ? ['hello', 'new task', 'assistant'] : ['new task', 'assistant'],
    );
    expect(loaded.warnings.some((warning) => warning.startsWith(`${newer}:1: the header line is missing or damaged; recovered session 0f6c1b1e-newer`))).toBe(true);
  });

  it('a file that is no session log at all is still refused, and `last` says it passed over it', async () => {
    const dir = tempDir();
    const store = new JsonlSessionStore(dir);
    const older = writeSession(store, 'older', [user('old task')]);
    age(older, 3600);
    const junk = path.join(dir, 'junk.jsonl');
    writeFileSync(junk, 'this is not a log\n');
    expect(() => readSessionLog(junk)).toThrow(/not an ml-intern session log/);
    expect(store.scan().skipped).toEqual([expect.objectContaining({ file: junk })]);
    const loaded = await store.load('last');
    expect(loaded.header.id).toBe('older');
    expect(loaded.warnings[0]).toContain(`${junk} is newer but could not be read as a session log`);
    expect(loaded.warnings[0]).toContain('not resumed');
  });
});

describe('appending after a partial last line', () => {
  it('a resumed log starts a new line instead of gluing the next record onto the partial one', async () => {
    const store = new JsonlSessionStore(tempDir());
    const file = writeSession(store, 's', [user('first')]);
    // The disk filled up part way through a record.
    appendFileSync(file, '{"kind":"message","message":{"role":"assistant","content":[{"type":"te');
    const writer = store.create(header('s', { started_at: '2025-01-03T00:00:00.000Z' }));
    writer.append({ kind: 'message', message: user('after the full disk') });
    await writer.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').filter((line) => line.startsWith('{"kind":"resumed"'))).toHaveLength(1);
    const loaded = await store.load('s');
    expect(loaded.messages).toEqual([user('first'), user('after the full disk')]);
    expect(loaded.warnings).toEqual([expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not valid JSON`))]);
  });

  it('a log that ends in a newline gets no blank line', async () => {
    const store = new JsonlSessionStore(tempDir());
    const file = writeSession(store, 's', [user('first')]);
    const writer = store.create(header('s'));
    await writer.close();
    expect(readFileSync(file, 'utf8')).not.toContain('\n\n');
  });
});
