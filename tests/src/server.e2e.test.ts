import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readServerSentEvents } from '@ml-intern/core';
import type { AgentEvent } from '@ml-intern/events';
import { startFakeHub, startFakeOpenAI, startFakeOpenId, temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, isolatedEnv } from './run-binary.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const TOKEN = 'e2e-server-token-0123456789';
const MODEL = 'openai/gpt-4o';

interface Served extends AsyncDisposable {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

/** `ml-intern serve --port 0` as a user runs it; resolves once it printed its URL. */
async function serve(env: Record<string, string>, args: string[] = []): Promise<Served> {
  const root = directories.make('ml-intern-serve-');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--workspace-root', root, ...args], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start; stderr:\n${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /ml-intern serve: (http:\/\/[^/\s]+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}; stderr:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function post(url: string, body: unknown, headers: Record<string, string> = bearer): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** Read SSE events until `until` holds, then disconnect. */
async function readEvents(url: string, until: (event: AgentEvent) => boolean, headers: Record<string, string> = bearer): Promise<AgentEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: AgentEvent[] = [];
  try {
    for await (const batch of readServerSentEvents(response.body as ReadableStream<Uint8Array>, { ms: 30_000, error: () => new Error(`silent stream; got ${events.map((event) => event.type).join(', ')}`) })) {
      for (const message of batch) {
        const event = JSON.parse(message.data) as AgentEvent;
        expect(message.id).toBe(String(event.seq));
        events.push(event);
        if (until(event)) return events;
      }
    }
  } finally {
    controller.abort();
  }
  return events;
}

const is = (type: AgentEvent['type']) => (event: AgentEvent) => event.type === type;

describe('ml-intern serve', () => {
  it('a session through the API: auth, create, stream, approve an HF job, replay after a disconnect, a bad body, a foreign origin', async () => {
    await using hub = await startFakeHub();
    await using openai = await startFakeOpenAI({
      steps: [{ toolCalls: [{ name: 'hf_jobs', arguments: { operation: 'run', script: 'print("train")\n', hardware_flavor: 't4-small', timeout: '1h' } }] }, { text: 'The job is running.' }],
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token, ML_INTERN_SERVER_TOKEN: TOKEN });
    await using served = await serve(env);
    const { url } = served;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/api/sessions`)).status).toBe(401);
    expect((await post(`${url}/api/sessions`, {}, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(`${url}/api/sessions`, {}, { ...bearer, origin: 'https://evil.example' })).status).toBe(403);

    const created = await post(`${url}/api/sessions`, {});
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const bad = await post(`${url}/api/sessions/${id}/operations`, { type: 'user_input' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/text/);

    const untilApproval = readEvents(`${url}/api/sessions/${id}/events`, is('approval_required'));
    expect((await post(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'train on a t4' })).status).toBe(202);
    const first = await untilApproval;
    expect(first[0]).toMatchObject({ type: 'session_started', model: MODEL });
    const asked = first.at(-1);
    const callId = asked?.type === 'approval_required' ? asked.tools[0]?.tool_call_id : undefined;
    expect(asked?.type === 'approval_required' && asked.tools[0]?.tool).toBe('hf_jobs');
    const detail = (await (await fetch(`${url}/api/sessions/${id}`, { headers: bearer })).json()) as { status: string; pending_approvals: unknown[] };
    expect(detail.status).toBe('awaiting_approval');

    // Disconnected at the approval; the approval is answered; a reconnect with Last-Event-ID gets the rest.
    expect((await post(`${url}/api/sessions/${id}/operations`, { type: 'exec_approval', decisions: [{ tool_call_id: callId, approved: true }] })).status).toBe(202);
    const rest = await readEvents(`${url}/api/sessions/${id}/events`, is('turn_complete'), { ...bearer, 'last-event-id': String(asked?.seq) });
    expect(rest[0]?.seq).toBe((asked?.seq ?? 0) + 1);
    expect(rest.find(is('tool_output'))).toMatchObject({ tool: 'hf_jobs', is_error: false, output: expect.stringContaining('Started job') });
    expect(rest.at(-1)).toMatchObject({ type: 'turn_complete', final_text: 'The job is running.' });
    expect(hub.jobs.size).toBe(1);
    const listed = (await (await fetch(`${url}/api/sessions`, { headers: bearer })).json()) as { sessions: { id: string; preview: string }[] };
    expect(listed.sessions[0]).toMatchObject({ id, preview: 'train on a t4' });
  });

  it('two sessions at once, each answered in its own stream', async () => {
    await using openai = await startFakeOpenAI({
      steps: ({ body }) => {
        const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
        const last = [...messages].reverse().find((message) => message.role === 'user');
        return { text: `echo: ${typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content)}`, delayMs: 20 };
      },
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL, ML_INTERN_SERVER_TOKEN: TOKEN });
    await using served = await serve(env);
    const { url } = served;
    const ids = await Promise.all([0, 1].map(async () => ((await (await post(`${url}/api/sessions`, {})).json()) as { id: string }).id));
    const streams = ids.map((id) => readEvents(`${url}/api/sessions/${id}/events`, is('turn_complete')));
    await Promise.all(ids.map((id, index) => post(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: `question ${index}` })));
    const results = await Promise.all(streams);
    results.forEach((events, index) => {
      expect(events.every((event) => event.session_id === ids[index])).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'turn_complete', final_text: expect.stringContaining(`question ${index}`) });
    });
  });

  it('closes an idle session and reopens it from its log with the same id, event numbers going on', async () => {
    await using openai = await startFakeOpenAI({ steps: [{ text: 'first answer' }, { text: 'second answer' }] });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL, ML_INTERN_SERVER_TOKEN: TOKEN });
    await using served = await serve(env, ['--idle-timeout', '0.01']);
    const { url } = served;
    const { id } = (await (await post(`${url}/api/sessions`, {})).json()) as { id: string };
    const first = readEvents(`${url}/api/sessions/${id}/events`, is('turn_complete'));
    await post(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'one' });
    const lastSeq = (await first).at(-1)?.seq ?? -1;
    let status = '';
    for (let tries = 0; tries < 100 && status !== 'closed'; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = ((await (await fetch(`${url}/api/sessions/${id}`, { headers: bearer })).json()) as { status: string }).status;
    }
    expect(status).toBe('closed');
    const second = readEvents(`${url}/api/sessions/${id}/events?after=${lastSeq}`, is('turn_complete'));
    expect((await post(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'two' })).status).toBe(202);
    const events = await second;
    // The idle close is in the log (shutdown), then the reopened run: one numbering, no gap.
    expect(events.map((event) => event.seq)).toEqual(events.map((_event, index) => lastSeq + 1 + index));
    expect(events.slice(0, 2).map((event) => event.type)).toEqual(['shutdown', 'session_started']);
    expect(events[1]).toMatchObject({ session_id: id, resumed: true });
    expect(events.every((event) => event.session_id === id)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'turn_complete', final_text: 'second answer' });
    const detail = (await (await fetch(`${url}/api/sessions/${id}`, { headers: bearer })).json()) as { messages: { role: string; content: unknown }[] };
    expect(detail.messages.filter((message) => message.role === 'user').map((message) => message.content)).toEqual(['one', 'two']);
  });

  it('rewind from the web: the turns with what each changed, the preview of a code restore, then the rewind operation', async () => {
    await using openai = await startFakeOpenAI({
      steps: [
        { toolCalls: [{ name: 'write', arguments: { path: 'train.py', content: 'lr = 1\n' } }] },
        { text: 'wrote it' },
        { toolCalls: [{ name: 'edit', arguments: { path: 'train.py', old_string: 'lr = 1', new_string: 'lr = 3' } }] },
        { text: 'raised it' },
      ],
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL, ML_INTERN_SERVER_TOKEN: TOKEN });
    await using served = await serve(env, ['--yolo']);
    const { url } = served;
    const { id } = (await (await post(`${url}/api/sessions`, {})).json()) as { id: string };
    const { workspace } = (await (await fetch(`${url}/api/sessions/${id}`, { headers: bearer })).json()) as { workspace: string };
    let lastSeq = -1;
    for (const text of ['write the training script', 'raise the learning rate']) {
      const stream = readEvents(`${url}/api/sessions/${id}/events?after=${lastSeq}`, is('turn_complete'));
      expect((await post(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text })).status).toBe(202);
      const events = await stream;
      expect(events.filter(is('tool_output')).every((event) => event.type === 'tool_output' && !event.is_error)).toBe(true);
      lastSeq = events.at(-1)?.seq ?? lastSeq;
    }
    expect(readFileSync(path.join(workspace, 'train.py'), 'utf8')).toBe('lr = 3\n');

    expect((await fetch(`${url}/api/sessions/${id}/turns`)).status).toBe(401);
    const listed = await fetch(`${url}/api/sessions/${id}/turns`, { headers: bearer });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      checkpoints: true,
      turns: [
        { turn: 1, input: 'write the training script', in_conversation: true, changes: [{ status: 'A', path: 'train.py' }], remote_effects: [] },
        { turn: 2, input: 'raise the learning rate', in_conversation: true, changes: [{ status: 'M', path: 'train.py' }], remote_effects: [] },
      ],
    });
    const preview = (await (await fetch(`${url}/api/sessions/${id}/turns/2/preview`, { headers: bearer })).json()) as { stat: string; patch: string; truncated: boolean };
    expect(preview.stat).toMatch(/train\.py \| 2 \+-/);
    expect(preview.patch).toContain('-lr = 3');
    expect(preview.patch).toContain('+lr = 1');
    expect(preview.truncated).toBe(false);
    const unknown = await fetch(`${url}/api/sessions/${id}/turns/9/preview`, { headers: bearer });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('no_turn');

    const rewound = readEvents(`${url}/api/sessions/${id}/events?after=${lastSeq}`, is('rewind_complete'));
    expect((await post(`${url}/api/sessions/${id}/operations`, { type: 'rewind', turn: 2, code: true, conversation: true })).status).toBe(202);
    expect((await rewound).at(-1)).toMatchObject({ type: 'rewind_complete', turn: 2, code: true, conversation: true, files_restored: ['train.py'] });
    expect(readFileSync(path.join(workspace, 'train.py'), 'utf8')).toBe('lr = 1\n');
    // Turn 2 is gone with its conversation; turn 1 remains, and its preview still removes the file.
    const after = (await (await fetch(`${url}/api/sessions/${id}/turns`, { headers: bearer })).json()) as { turns: { turn: number }[] };
    expect(after.turns.map((turn) => turn.turn)).toEqual([1]);
    expect((await fetch(`${url}/api/sessions/${id}/turns/2/preview`, { headers: bearer })).status).toBe(404);
    const first = (await (await fetch(`${url}/api/sessions/${id}/turns/1/preview`, { headers: bearer })).json()) as { patch: string };
    expect(first.patch).toContain('deleted file mode');

    expect((await fetch(`${url}/api/sessions/${id}`, { method: 'DELETE', headers: bearer })).status).toBe(204);
    const closed = await fetch(`${url}/api/sessions/${id}/turns`, { headers: bearer });
    expect(closed.status).toBe(409);
    expect(((await closed.json()) as { error: { message: string } }).error.message).toMatch(/is closed/);
  });

  it('refuses a non-loopback host without a token', async () => {
    const env = isolatedEnv({ OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: MODEL });
    const child = spawn(process.execPath, [CLI, 'serve', '--host', '0.0.0.0', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token: set ML_INTERN_SERVER_TOKEN/);
  });

  it('hf_oauth: a user signs in with Hugging Face; their own token drives the Hub tools, and bash and the file tools are off', async () => {
    await using provider = await startFakeOpenId({ user: { sub: 'user-carol', preferred_username: 'carol' } });
    await using hub = await startFakeHub();
    await using openai = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'hf_hub_search', arguments: { query: 'llama' } }] }, { text: 'found some' }] });
    const env = isolatedEnv({
      OPENAI_BASE_URL: openai.baseURL,
      OPENAI_API_KEY: 'sk-test-key-0123456789abcdef',
      ML_INTERN_MODEL: MODEL,
      HF_ENDPOINT: hub.hubUrl,
      // The server's own token must not be what users' tools use.
      HF_TOKEN: 'hf_ownerOfTheServer0123456789',
      OAUTH_CLIENT_ID: provider.clientId,
      OAUTH_CLIENT_SECRET: provider.clientSecret,
      OPENID_PROVIDER_URL: provider.providerUrl,
    });
    await using served = await serve(env);
    const { url } = served;
    expect((await fetch(`${url}/api/sessions`)).status).toBe(401);
    const login = await fetch(`${url}/auth/login`, { redirect: 'manual' });
    const stateCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const authorize = await fetch(login.headers.get('location') ?? '', { redirect: 'manual' });
    const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie: stateCookie } });
    expect(callback.status).toBe(303);
    const loginCookie = callback.headers.getSetCookie().find((line) => line.startsWith('ml_intern_login='))?.split(';')[0] ?? '';
    expect(loginCookie).not.toBe('');
    const headers = { cookie: loginCookie, origin: url, 'content-type': 'application/json' };
    expect(await (await fetch(`${url}/api/me`, { headers })).json()).toMatchObject({ user: { name: 'carol' } });

    const created = await post(`${url}/api/sessions`, {}, headers);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const stream = readEvents(`${url}/api/sessions/${id}/events`, is('turn_complete'), headers);
    await post(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'find llama models' }, headers);
    const events = await stream;
    expect(events.find(is('tool_output'))).toMatchObject({ tool: 'hf_hub_search', is_error: false });
    const hubCalls = hub.requests.filter((request) => request.path.startsWith('/api/models'));
    expect(hubCalls.length).toBeGreaterThan(0);
    // The fake keeps only the start of a credential: the user's OAuth token, not the server's.
    for (const request of hubCalls) expect(request.headers.authorization).toMatch(/^Bearer hf_oau/);
    const tools = ((openai.requests[0]?.json as { tools?: { function?: { name: string }; name?: string }[] }).tools ?? []).map((tool) => tool.function?.name ?? tool.name);
    expect(tools).toContain('hf_hub_search');
    for (const name of ['bash', 'read', 'write', 'edit']) expect(tools).not.toContain(name);
  });
});
