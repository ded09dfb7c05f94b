import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AgentEvent } from '@ml-intern/events';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN, authed, postJson, readEvents, startScriptedServer } from './__fixtures__/scripted-server.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const hello = () => [{ text: 'Hello from the scripted model, streamed in several chunks.', chunks: 4 }];

async function createSessionAt(url: string, body: unknown = {}): Promise<string> {
  const response = await postJson(`${url}/api/sessions`, body);
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const isType = (type: AgentEvent['type']) => (event: AgentEvent) => event.type === type;

describe('auth', () => {
  it('refuses every route but /healthz without the token, takes Bearer, and turns ?token= into an HttpOnly SameSite=Strict cookie', async () => {
    await using running = await startScriptedServer(hello);
    const { url } = running;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const anonymous = await fetch(`${url}/api/sessions`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toMatch(/Bearer/);
    expect((await fetch(`${url}/api/sessions`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${url}/`)).status).toBe(401);
    expect((await fetch(`${url}/api/sessions`, authed())).status).toBe(200);

    const wrongUrl = await fetch(`${url}/?token=nope`, { redirect: 'manual' });
    expect(wrongUrl.status).toBe(401);
    const tokenUrl = await fetch(`${url}/?token=${TOKEN}`, { redirect: 'manual' });
    expect(tokenUrl.status).toBe(303);
    expect(tokenUrl.headers.get('location')).toBe('/');
    const cookie = tokenUrl.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const jar = cookie.split(';')[0] ?? '';
    expect((await fetch(`${url}/api/sessions`, { headers: { cookie: jar } })).status).toBe(200);
  });

  it('sends a strict Content-Security-Policy and says how to build the UI when it is missing', async () => {
    await using running = await startScriptedServer(hello, { uiMissingMessage: 'Build it with pnpm build.' });
    const page = await fetch(`${running.url}/`, authed());
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Build it with pnpm build.');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it('refuses state-changing requests from another origin, and cookie requests that name none', async () => {
    await using running = await startScriptedServer(hello);
    const { url } = running;
    const foreign = await postJson(`${url}/api/sessions`, {}, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('origin_refused');
    const jar = ((await fetch(`${url}/?token=${TOKEN}`, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(jar).toMatch(/^ml_intern_token_[0-9a-f]{12}=/);
    const noOrigin = await fetch(`${url}/api/sessions`, { method: 'POST', headers: { cookie: jar, 'content-type': 'application/json' }, body: '{}' });
    expect(noOrigin.status).toBe(403);
    const own = await fetch(`${url}/api/sessions`, { method: 'POST', headers: { cookie: jar, origin: url, 'content-type': 'application/json' }, body: '{}' });
    expect(own.status).toBe(201);
    expect(running.server.sessions.stats.live).toBe(1);
  });

  it('answers only for loopback host names when it listens on loopback', async () => {
    await using running = await startScriptedServer(hello);
    const { port } = new URL(running.url);
    const status = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/api/sessions', headers: { host, authorization: `Bearer ${TOKEN}` } }, (response) => {
          response.resume();
          resolve(response.statusCode);
        }).on('error', reject);
      });
    expect(await status('attacker.example')).toBe(403);
    expect(await status(`localhost:${port}`)).toBe(200);
  });
});

describe('sessions over HTTP', () => {
  it('creates a session in a new workspace, streams a turn, and shows the conversation', async () => {
    await using running = await startScriptedServer(hello);
    const { url } = running;
    const id = await createSessionAt(url);
    expect(path.dirname(running.requests[0]?.workspace ?? '')).toBe(running.root);
    const stream = readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete'));
    const accepted = await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'say hello' });
    expect(accepted.status).toBe(202);
    const { events, ids } = await stream;
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['session_started', 'ready', 'processing', 'assistant_chunk', 'assistant_message', 'turn_complete']));
    expect(events.filter(isType('assistant_chunk')).length).toBeGreaterThan(1);
    expect(ids).toEqual(events.map((event) => String(event.seq)));
    expect(events.every((event, index) => index === 0 || event.seq > (events[index - 1]?.seq ?? -1))).toBe(true);

    const detail = (await (await fetch(`${url}/api/sessions/${id}`, authed())).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ id, status: 'idle', live: true, pending_approvals: [], approval_mode: 'default' });
    expect(detail.messages).toEqual([
      { role: 'user', content: 'say hello' },
      expect.objectContaining({ role: 'assistant' }),
    ]);
    const list = (await (await fetch(`${url}/api/sessions`, authed())).json()) as { sessions: { id: string; live: boolean; preview: string }[] };
    expect(list.sessions[0]).toMatchObject({ id, live: true, preview: 'say hello' });
  });

  it('refuses a workspace outside the root and one that does not exist, naming the field', async () => {
    await using running = await startScriptedServer(hello);
    const outside = await postJson(`${running.url}/api/sessions`, { workspace: '/etc' });
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as { error: { message: string } }).error.message).toMatch(/^workspace: .*outside the workspace root/);
    const missing = await postJson(`${running.url}/api/sessions`, { workspace: 'nope' });
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^workspace: nope does not exist/);
    const badModel = await postJson(`${running.url}/api/sessions`, { model: 42 });
    expect(((await badModel.json()) as { error: { message: string } }).error.message).toMatch(/^model:/);
  });

  it('a bad operation body is 400 naming the field; the session keeps working', async () => {
    await using running = await startScriptedServer(hello);
    const { url } = running;
    const id = await createSessionAt(url);
    const bad = await postJson(`${url}/api/sessions/${id}/operations`, { type: 'exec_approval', decisions: [{ approved: true }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/decisions\.0\.tool_call_id/);
    const notJson = await fetch(`${url}/api/sessions/${id}/operations`, authed({ method: 'POST', body: '{"type":' }));
    expect(notJson.status).toBe(400);
    const unknown = await postJson(`${url}/api/sessions/${id}/operations`, { type: 'format_disk' });
    expect(unknown.status).toBe(400);
    const rotate = await postJson(`${url}/api/sessions/${id}/operations`, { type: 'new' });
    expect(((await rotate.json()) as { error: { message: string } }).error.message).toMatch(/POST \/api\/sessions/);
    expect((await postJson(`${url}/api/sessions/not-a-session/operations`, { type: 'interrupt' })).status).toBe(404);
    expect((await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'hi' })).status).toBe(202);
  });

  it('asks for approval over the stream and runs the call once it is approved', async () => {
    await using running = await startScriptedServer(() => [{ toolCalls: [{ name: 'upload', arguments: { path: 'model.bin' } }] }, { text: 'uploaded it' }]);
    const { url } = running;
    const id = await createSessionAt(url);
    const asked = readEvents(`${url}/api/sessions/${id}/events`, isType('approval_required'));
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'upload the model' });
    const approval = (await asked).events.find(isType('approval_required'));
    const callId = approval?.type === 'approval_required' ? approval.tools[0]?.tool_call_id : undefined;
    expect(callId).toBeDefined();
    const detail = (await (await fetch(`${url}/api/sessions/${id}`, authed())).json()) as { status: string; pending_approvals: { tool_call_id: string }[] };
    expect(detail.status).toBe('awaiting_approval');
    expect(detail.pending_approvals.map((tool) => tool.tool_call_id)).toEqual([callId]);
    const after = String(approval?.seq);
    const rest = readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete'), { 'last-event-id': after });
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'exec_approval', decisions: [{ tool_call_id: callId, approved: true }] });
    const { events } = await rest;
    expect(events.find(isType('tool_output'))).toMatchObject({ output: 'uploaded model.bin', is_error: false });
    expect(events.find(isType('turn_complete'))).toMatchObject({ final_text: 'uploaded it' });
  });

  it('interrupts a turn in progress', async () => {
    await using running = await startScriptedServer(() => [{ text: 'this never ends', hang: true }]);
    const { url } = running;
    const id = await createSessionAt(url);
    const stream = readEvents(`${url}/api/sessions/${id}/events`, isType('interrupted'));
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'go' });
    await readEvents(`${url}/api/sessions/${id}/events`, isType('processing'));
    expect((await postJson(`${url}/api/sessions/${id}/operations`, { type: 'interrupt' })).status).toBe(202);
    const { events } = await stream;
    expect(events.some(isType('turn_complete'))).toBe(false);
    expect(events.at(-1)?.type).toBe('interrupted');
  });

  it('after a disconnect mid-turn, Last-Event-ID replays exactly what was missed, streamed chunks included', async () => {
    await using running = await startScriptedServer(() => [{ text: 'one two three four five six seven eight nine ten eleven twelve', chunks: 12, delayMs: 30 }]);
    const { url } = running;
    const id = await createSessionAt(url);
    const first = readEvents(`${url}/api/sessions/${id}/events`, (_event, all) => all.filter(isType('assistant_chunk')).length === 3);
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'count' });
    const before = await first;
    const lastSeen = before.events.at(-1)?.seq ?? -1;
    // Gone for a while: more chunks are emitted meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 120));
    const second = await readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete'), { 'last-event-id': String(lastSeen) });
    expect(second.events[0]?.seq).toBe(lastSeen + 1);
    const all = [...before.events, ...second.events];
    expect(all.map((event) => event.seq)).toEqual(all.map((_event, index) => (before.events[0]?.seq ?? 0) + index));
    const text = all.flatMap((event) => (event.type === 'assistant_chunk' ? [event.text] : [])).join('');
    expect(text).toBe('one two three four five six seven eight nine ten eleven twelve');
    // ?after= does the same for a client that cannot set headers; after the turn the log has it.
    const replayed = await readEvents(`${url}/api/sessions/${id}/events?after=${lastSeen}`, isType('turn_complete'));
    expect(replayed.events[0]?.seq).toBeGreaterThan(lastSeen);
    expect(replayed.events.find(isType('assistant_message'))).toMatchObject({ text: 'one two three four five six seven eight nine ten eleven twelve' });
  });

  it('runs two sessions at once, each with its own events', async () => {
    await using running = await startScriptedServer((request) => [{ text: `answer in ${path.basename(request.workspace)}`, chunks: 3, delayMs: 20 }]);
    const { url } = running;
    const [a, b] = await Promise.all([createSessionAt(url), createSessionAt(url)]);
    expect(a).not.toBe(b);
    const streams = [a, b].map((id) => readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete')));
    await Promise.all([a, b].map((id) => postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: `hello ${id}` })));
    const [eventsA, eventsB] = (await Promise.all(streams)).map((result) => result.events);
    expect(eventsA?.every((event) => event.session_id === a)).toBe(true);
    expect(eventsB?.every((event) => event.session_id === b)).toBe(true);
    const workspaces = running.requests.map((request) => request.workspace);
    expect(new Set(workspaces).size).toBe(2);
    expect(eventsA?.find(isType('turn_complete'))).toMatchObject({ final_text: `answer in ${path.basename(workspaces[running.requests.findIndex((request) => request.workspace === workspaces[0])] ?? '')}` });
    expect(running.server.sessions.stats.live).toBe(2);
  });

  it('set_approval_mode switches to yolo over HTTP: the call that asked before runs at once', async () => {
    await using running = await startScriptedServer(() => [{ toolCalls: [{ name: 'upload', arguments: { path: 'a' } }] }, { text: 'done' }]);
    const { url } = running;
    const id = await createSessionAt(url);
    const stream = readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete'));
    expect((await postJson(`${url}/api/sessions/${id}/operations`, { type: 'set_approval_mode', mode: 'yolo', budget_usd: 2 })).status).toBe(202);
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'upload' });
    const { events } = await stream;
    expect(events.some(isType('approval_required'))).toBe(false);
    expect(events.find(isType('approval_mode_changed'))).toMatchObject({ mode: 'yolo', budget_usd: 2 });
    const detail = (await (await fetch(`${url}/api/sessions/${id}`, authed())).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ approval_mode: 'yolo', budget_usd: 2 });
  });

  it('closes an idle session and reopens it from its log on the next operation, event numbers going on', async () => {
    let call = 0;
    await using running = await startScriptedServer(() => [{ text: `turn ${++call}` }], { idleTimeoutMs: 200 });
    const { url } = running;
    const id = await createSessionAt(url);
    const first = readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete'));
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'first' });
    const lastSeq = (await first).events.at(-1)?.seq ?? -1;
    const deadline = Date.now() + 5_000;
    while (running.server.sessions.stats.live > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running.server.sessions.stats.live).toBe(0);
    const closed = (await (await fetch(`${url}/api/sessions/${id}`, authed())).json()) as Record<string, unknown>;
    expect(closed).toMatchObject({ id, status: 'closed', live: false });
    expect(existsSync(path.join(running.sessionsDir, `${id}.jsonl`))).toBe(true);

    const second = readEvents(`${url}/api/sessions/${id}/events?after=${lastSeq}`, isType('turn_complete'));
    expect((await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'second' })).status).toBe(202);
    const { events } = await second;
    expect(running.requests.at(-1)?.continueId).toBe(id);
    expect(events.every((event) => event.session_id === id && event.seq > lastSeq)).toBe(true);
    expect(events.find(isType('session_started'))).toMatchObject({ resumed: true });
    expect(events.find(isType('turn_complete'))).toMatchObject({ final_text: 'turn 2' });
    const detail = (await (await fetch(`${url}/api/sessions/${id}`, authed())).json()) as { messages: { role: string; content: unknown }[] };
    expect(detail.messages.filter((message) => message.role === 'user').map((message) => message.content)).toEqual(['first', 'second']);
  });

  it('a reopen that comes while the idle close is still stopping the runtime waits for it, and its events reach the watcher', async () => {
    // The reopened session's turn waits on an approval, so it is still going when the old runtime has stopped.
    await using running = await startScriptedServer((request) => (request.continueId ? [{ toolCalls: [{ name: 'upload', arguments: { path: 'b' } }] }, { text: 'turn 2' }] : [{ text: 'turn 1' }]), { idleTimeoutMs: 100, closeDelayMs: 600 });
    const { url } = running;
    const id = await createSessionAt(url);
    const first = readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete'));
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'first' });
    const lastSeq = (await first).events.at(-1)?.seq ?? -1;
    // "closed" is reported as soon as the close starts, while the runtime is still stopping.
    let status = '';
    for (let tries = 0; tries < 100 && status !== 'closed'; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = ((await (await fetch(`${url}/api/sessions/${id}`, authed())).json()) as { status: string }).status;
    }
    expect(status).toBe('closed');
    const second = readEvents(`${url}/api/sessions/${id}/events?after=${lastSeq}`, isType('turn_complete'));
    const asked = readEvents(`${url}/api/sessions/${id}/events?after=${lastSeq}`, isType('approval_required'));
    expect((await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'second' })).status).toBe(202);
    const request = (await asked).events.find(isType('approval_required'));
    await new Promise((resolve) => setTimeout(resolve, 800));
    const callId = request?.type === 'approval_required' ? request.tools[0]?.tool_call_id : undefined;
    expect((await postJson(`${url}/api/sessions/${id}/operations`, { type: 'exec_approval', decisions: [{ tool_call_id: callId, approved: true }] })).status).toBe(202);
    const { events } = await second;
    expect(events.find(isType('tool_output'))).toMatchObject({ output: 'uploaded b' });
    expect(events.find(isType('turn_complete'))).toMatchObject({ final_text: 'turn 2' });
    expect(running.server.sessions.stats.live).toBe(1);
  });

  it('DELETE shuts a session down and keeps its log', async () => {
    await using running = await startScriptedServer(hello);
    const { url } = running;
    const id = await createSessionAt(url);
    const stream = readEvents(`${url}/api/sessions/${id}/events`, isType('shutdown'));
    expect((await fetch(`${url}/api/sessions/${id}`, authed({ method: 'DELETE' }))).status).toBe(204);
    expect((await stream).events.at(-1)?.type).toBe('shutdown');
    expect(running.server.sessions.stats.live).toBe(0);
    const list = (await (await fetch(`${url}/api/sessions`, authed())).json()) as { sessions: { id: string; status: string }[] };
    expect(list.sessions).toEqual([expect.objectContaining({ id, status: 'closed' })]);
  });
});

describe('serving', () => {
  it('sends a keep-alive comment on an idle event stream', async () => {
    await using running = await startScriptedServer(hello, { keepAliveMs: 50 });
    const id = await createSessionAt(running.url);
    const controller = new AbortController();
    const response = await fetch(`${running.url}/api/sessions/${id}/events`, { ...authed(), signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes(': keep-alive')) text += decoder.decode((await reader.read()).value);
    expect(running.server.sessions.stats.watchers).toBe(1);
    controller.abort();
    // A client that goes away is let go of (its listener, its keep-alive timer).
    for (let tries = 0; tries < 50 && running.server.sessions.stats.watchers > 0; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running.server.sessions.stats.watchers).toBe(0);
    expect(text).toMatch(/^id: \d+$/m);
    expect(text).toContain('\n: keep-alive\n\n');
  });

  it('serves the built UI behind the token, with index.html for client-side routes', async () => {
    const ui = directories.make('ml-intern-ui-');
    mkdirSync(path.join(ui, 'assets'));
    writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>ml-intern ui</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(path.join(ui, 'assets', 'app.js'), 'console.log("app")');
    await using running = await startScriptedServer(hello, { staticDir: ui });
    const { url } = running;
    expect((await fetch(`${url}/assets/app.js`)).status).toBe(401);
    const script = await fetch(`${url}/assets/app.js`, authed());
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toBe('console.log("app")');
    const route = await fetch(`${url}/sessions/123`, authed());
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>ml-intern ui</title>');
    expect((await fetch(`${url}/api/nothing-here`, authed())).status).toBe(404);
    const traversal = await fetch(`${url}/..%2f..%2fetc%2fpasswd`, authed());
    expect(await traversal.text()).not.toContain('root:');
  });
});

describe('turns and the rewind preview', () => {
  it('a session without checkpoints: its turns with unknown file changes, a preview that says only the conversation can be rewound, 404 for an unknown turn, 409 once closed', async () => {
    await using running = await startScriptedServer(hello);
    const { url } = running;
    const id = await createSessionAt(url);
    const stream = readEvents(`${url}/api/sessions/${id}/events`, isType('turn_complete'));
    await postJson(`${url}/api/sessions/${id}/operations`, { type: 'user_input', text: 'say   hello\nplease' });
    await stream;
    const listed = await fetch(`${url}/api/sessions/${id}/turns`, authed());
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ checkpoints: false, turns: [{ turn: 1, input: 'say hello please', in_conversation: true, changes: null, remote_effects: [] }] });
    const preview = await fetch(`${url}/api/sessions/${id}/turns/1/preview`, authed());
    expect(await preview.json()).toEqual({ stat: '', patch: '', truncated: false, note: expect.stringMatching(/only the conversation/) });
    for (const turn of ['2', 'one', '-1']) expect((await fetch(`${url}/api/sessions/${id}/turns/${turn}/preview`, authed())).status).toBe(404);
    expect((await fetch(`${url}/api/sessions/nope/turns`, authed())).status).toBe(404);
    expect((await fetch(`${url}/api/sessions/${id}/turns`)).status).toBe(401);
    expect((await fetch(`${url}/api/sessions/${id}`, authed({ method: 'DELETE' }))).status).toBe(204);
    const closed = await fetch(`${url}/api/sessions/${id}/turns`, authed());
    expect(closed.status).toBe(409);
    expect(((await closed.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'session_closed', message: expect.stringMatching(/is closed/) });
  });
});
