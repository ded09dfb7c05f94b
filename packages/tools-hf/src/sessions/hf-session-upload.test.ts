import { createSession, defineTool, type LoadedSession, type SessionHeader, type SessionRecord, type SessionStore } from '@ml-intern/core';
import { ScriptedModel, startFakeHub, textTurn, toolTurn, type FakeHub } from '@ml-intern/testing';
import { describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import type { ClaudeCodeLine } from './claude-code-jsonl.js';
import { withHfSessionUpload, type HfSessionUploadOptions } from './hf-session-upload.js';

const LEAKED = 'hf_leakedSecretToken0123456789abcdefXYZ';
const redact = (text: string) => text.replace(/hf_[A-Za-z0-9]{20,}/g, '[REDACTED]');
const DATASET = 'tester/ml-intern-sessions';

const catTool = defineTool({
  name: 'cat',
  description: 'print a file',
  inputSchema: z.object({ name: z.string() }),
  execute: ({ name }) => `contents of ${name}: HF_TOKEN=${LEAKED}`,
});

/** The wrapped store: keeps records in memory, like the on-disk log would. */
function memoryStore(): SessionStore & { records: Map<string, SessionRecord[]>; closed: string[] } {
  const records = new Map<string, SessionRecord[]>();
  const closed: string[] = [];
  return {
    records,
    closed,
    create(header: SessionHeader) {
      const list: SessionRecord[] = [];
      records.set(header.id, list);
      return {
        location: `memory:${header.id}`,
        append: (record) => void list.push(record),
        close: async () => void closed.push(header.id),
      };
    },
    async load(reference: string): Promise<LoadedSession> {
      return { header: { id: reference, model: 'm', cwd: '/', started_at: '', config_digest: '' }, messages: [], warnings: [], location: `memory:${reference}` };
    },
  };
}

function uploadingStore(hub: FakeHub, options: Partial<HfSessionUploadOptions> = {}) {
  const inner = memoryStore();
  const reports: string[] = [];
  const store = withHfSessionUpload(inner, {
    token: hub.token,
    hubUrl: hub.hubUrl,
    intervalMs: 0,
    redact,
    report: (message) => reports.push(message),
    retry: { attempts: 3, baseDelayMs: 1 },
    ...options,
  });
  return { inner, store, reports };
}

function startSession(store: SessionStore, turns = [toolTurn({ name: 'cat', arguments: { name: 'notes.txt' } }), textTurn('first answer')]) {
  return createSession({ model: new ScriptedModel({ turns }), tools: [catTool], store, configDigest: 'digest' });
}

function uploaded(hub: FakeHub, id: string, dataset = DATASET): ClaudeCodeLine[] | undefined {
  const text = hub.readFile('dataset', dataset, `sessions/${id}.jsonl`);
  return text
    ?.trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ClaudeCodeLine);
}

/** Everything the fake Hub received, with the base64 file contents and samples of commits decoded. */
function receivedText(hub: FakeHub): string {
  const parts: string[] = [];
  for (const request of hub.requests) {
    parts.push(request.url, request.body);
    for (const line of request.body.split('\n')) {
      try {
        const value = (JSON.parse(line) as { value?: { content?: string; encoding?: string } }).value;
        if (value?.encoding === 'base64' && value.content) parts.push(Buffer.from(value.content, 'base64').toString('utf8'));
      } catch {
        // not an NDJSON commit line
      }
    }
    const files = (request.json as { files?: { sample?: string }[] } | undefined)?.files ?? [];
    for (const file of files) if (file.sample) parts.push(Buffer.from(file.sample, 'base64').toString('utf8'));
  }
  return parts.join('\n');
}

describe('withHfSessionUpload', () => {
  test('uploads a finished session on close as Claude Code JSONL into a new private dataset', async () => {
    await using hub = await startFakeHub();
    const { inner, store, reports } = uploadingStore(hub);
    const session = startSession(store);
    expect((await session.run('read my notes')).text).toBe('first answer');
    expect(hub.repo('dataset', DATASET)).toBeUndefined();
    await session.close();

    const lines = uploaded(hub, session.id);
    expect(lines?.map((line) => `${line.type}:${line.message.content.map((block) => block.type).join('+')}`)).toEqual([
      'user:text',
      'assistant:tool_use',
      'user:tool_result',
      'assistant:text',
    ]);
    const [user, call, result, answer] = lines as ClaudeCodeLine[] as [ClaudeCodeLine, ClaudeCodeLine, ClaudeCodeLine, ClaudeCodeLine];
    expect(user).toMatchObject({ sessionId: session.id, cwd: session.cwd, parentUuid: null, message: { content: [{ type: 'text', text: 'read my notes' }] } });
    const toolUse = call.message.content[0];
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'cat', input: { name: 'notes.txt' } });
    expect(result.message.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: toolUse?.type === 'tool_use' ? toolUse.id : 'missing', is_error: false });
    expect(answer).toMatchObject({ type: 'assistant', parentUuid: result.uuid, message: { model: 'scripted/model', content: [{ type: 'text', text: 'first answer' }] } });

    const dataset = hub.repo('dataset', DATASET);
    expect(dataset?.settings.private).toBe(true);
    expect(hub.readFile('dataset', DATASET, 'README.md')).toContain('agent-traces');
    expect(reports).toEqual([]);
    // The wrapped store still got every record and was closed; loading goes to it.
    expect(inner.records.get(session.id)?.some((record) => record.kind === 'message')).toBe(true);
    expect(inner.closed).toEqual([session.id]);
    expect((await store.load('abc')).location).toBe('memory:abc');
  });

  test('redacts secrets: a token in a tool output never reaches the Hub', async () => {
    await using hub = await startFakeHub();
    const { inner, store } = uploadingStore(hub);
    const session = startSession(store);
    await session.run('read my notes');
    await session.close();
    // The unredacted session really contained the secret, and the upload carried the tool output.
    expect(JSON.stringify(inner.records.get(session.id))).toContain(LEAKED);
    expect(hub.readFile('dataset', DATASET, `sessions/${session.id}.jsonl`)).toContain('HF_TOKEN=[REDACTED]');
    const received = receivedText(hub);
    expect(received).toContain('HF_TOKEN=[REDACTED]');
    expect(received).not.toContain(LEAKED);
    expect(received).not.toContain(hub.token);
  });

  test('uploads a running session periodically while it changes', async () => {
    await using hub = await startFakeHub();
    const { store, reports } = uploadingStore(hub, { intervalMs: 10 });
    const session = startSession(store, [textTurn('first answer'), textTurn('second answer')]);
    await session.run('one');
    await vi.waitFor(() => expect(JSON.stringify(uploaded(hub, session.id))).toContain('first answer'));
    await session.run('two');
    await vi.waitFor(() => expect(JSON.stringify(uploaded(hub, session.id))).toContain('second answer'));
    const commits = hub.requests.filter((request) => request.path.includes('/commit/')).length;
    await session.close();
    // Nothing changed since the last periodic upload, so closing does not upload again.
    expect(hub.requests.filter((request) => request.path.includes('/commit/')).length).toBe(commits);
    expect(reports).toEqual([]);
  });

  test('retries a Hub server error, then succeeds', async () => {
    await using hub = await startFakeHub();
    hub.fail({ method: 'POST', path: /\/commit\//, status: 500 });
    const { store, reports } = uploadingStore(hub);
    const session = startSession(store);
    await session.run('read my notes');
    await session.close();
    expect(hub.requests.filter((request) => request.path.includes('/commit/')).map((request) => request.method)).toEqual(['POST', 'POST']);
    expect(uploaded(hub, session.id)).toHaveLength(4);
    expect(reports).toEqual([]);
  });

  test('with the Hub down, reports once and the session is unaffected', async () => {
    const down = await startFakeHub();
    const hubUrl = down.hubUrl;
    await down.close();
    let requests = 0;
    const countingFetch: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const { inner, store, reports } = uploadingStore(down, { hubUrl, fetch: countingFetch, intervalMs: 10, retry: { attempts: 2, baseDelayMs: 1 } });
    const session = startSession(store, [textTurn('first answer'), textTurn('second answer')]);
    expect((await session.run('one')).text).toBe('first answer');
    await vi.waitFor(() => expect(reports).toHaveLength(1));
    const before = requests;
    expect((await session.run('two')).text).toBe('second answer');
    await session.close();
    expect(requests).toBeGreaterThan(before);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/could not reach 127\.0\.0\.1:\d+ .*local session log is unaffected/);
    expect(reports[0]).not.toContain(down.token);
    expect(inner.records.get(session.id)?.filter((record) => record.kind === 'message')).toHaveLength(4);
  });

  test('close waits for the final upload only up to its bound, then cancels it', async () => {
    await using hub = await startFakeHub();
    let cancelled = false;
    const hangingCommits: typeof fetch = (input, init) => {
      if (!String(input instanceof Request ? input.url : input).includes('/commit/')) return fetch(input, init);
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          cancelled = true;
          reject(init.signal?.reason ?? new Error('aborted'));
        });
      });
    };
    const { inner, store, reports } = uploadingStore(hub, { fetch: hangingCommits, closeTimeoutMs: 50 });
    const session = startSession(store);
    await session.run('read my notes');
    await session.close();
    expect(cancelled).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('did not finish within 0.1 s');
    expect(inner.closed).toEqual([session.id]);
    expect(uploaded(hub, session.id)).toBeUndefined();
  });

  test('refuses to upload into an existing public dataset and stops trying', async () => {
    await using hub = await startFakeHub({ seed: { repos: [{ type: 'dataset', id: DATASET, private: false, files: { 'README.md': 'public' } }] } });
    const { store, reports } = uploadingStore(hub);
    for (const _ of [1, 2]) {
      const session = startSession(store, [textTurn('answer')]);
      await session.run('hello');
      await session.close();
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(`dataset "${DATASET}" is public`);
    expect(hub.requests.filter((request) => request.path.includes('/commit/'))).toEqual([]);
    expect(hub.requests.filter((request) => request.path === `/api/datasets/${DATASET}`)).toHaveLength(1);
  });

  test('uses a configured dataset without asking whoami, and rejects malformed names', async () => {
    await using hub = await startFakeHub();
    const { store, reports } = uploadingStore(hub, { repo: 'ml-org/agent-traces' });
    const session = startSession(store, [textTurn('answer')]);
    await session.run('hello');
    await session.close();
    expect(uploaded(hub, session.id, 'ml-org/agent-traces')).toHaveLength(2);
    expect(hub.repo('dataset', 'ml-org/agent-traces')?.settings.private).toBe(true);
    expect(hub.requests.some((request) => request.path.startsWith('/api/whoami'))).toBe(false);
    expect(reports).toEqual([]);
    expect(() => uploadingStore(hub, { repo: 'a/b/c' })).toThrow(/"owner\/name" or "name"/);
    expect(() => uploadingStore(hub, { token: ' ' })).toThrow(/needs a Hugging Face token/);
  });
});
