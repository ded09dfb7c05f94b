// `ml-intern serve`'s event stream: how long an event takes from the session emitting it to an SSE
// client reading it (target ≤ 50 ms), and the memory 50 concurrent idle SSE clients add to the
// server (target < 100 MB RSS). The model streams text deltas at a steady pace; nothing leaves
// the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSession, readServerSentEvents } from '@ml-intern/core';
import { createServer } from '@ml-intern/server';

const CHUNKS = 300;
const CHUNK_INTERVAL_MS = 5;
const IDLE_CLIENTS = 50;
const TOKEN = 'bench-token-0123456789abcdef';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

/** A LanguageModel that streams `CHUNKS` text deltas, one every `CHUNK_INTERVAL_MS`. */
function pacedModel() {
  return {
    id: 'bench/paced',
    info: { contextWindow: 200_000, maxOutputTokens: 8_000 },
    async *stream(_request, { signal } = {}) {
      for (let index = 0; index < CHUNKS; index += 1) {
        if (signal?.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, CHUNK_INTERVAL_MS));
        yield { type: 'text-delta', text: `token${index} ` };
      }
      yield { type: 'finish', reason: 'stop' };
    },
  };
}

const emittedAt = new Map();
const root = mkdtempSync(path.join(tmpdir(), 'ml-intern-bench-server-'));
const server = createServer({
  token: TOKEN,
  port: 0,
  workspaceRoot: root,
  async createSession(request) {
    const session = createSession({ model: pacedModel(), cwd: request.workspace, planTool: false });
    session.subscribe((event) => emittedAt.set(event.seq, performance.now()));
    return { session, close: () => session.close() };
  },
});
const url = await server.listen();
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const { id } = await (await fetch(`${url}/api/sessions`, { method: 'POST', headers, body: '{}' })).json();

// Latency: one client reads the whole turn.
const latencies = [];
const response = await fetch(`${url}/api/sessions/${id}/events`, { headers });
const reading = (async () => {
  for await (const batch of readServerSentEvents(response.body)) {
    const now = performance.now();
    for (const message of batch) {
      const event = JSON.parse(message.data);
      if (event.type === 'assistant_chunk') latencies.push(now - emittedAt.get(event.seq));
      if (event.type === 'turn_complete') return;
    }
  }
})();
await fetch(`${url}/api/sessions/${id}/operations`, { method: 'POST', headers, body: JSON.stringify({ type: 'user_input', text: 'stream' }) });
await reading;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(`event emitted → SSE client: ${latencies.length} chunks, p50 ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, max ${latencies.at(-1).toFixed(2)} ms (target ≤ 50 ms)`);

// Memory: 50 idle clients in another process, so only the server's share is measured.
async function settledRss() {
  for (let round = 0; round < 3; round += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return process.memoryUsage().rss;
}
const before = await settledRss();
const clientScript = `
const opened = await Promise.all(Array.from({ length: ${IDLE_CLIENTS} }, async () => {
  const response = await fetch(${JSON.stringify(`${url}/api/sessions/${id}/events`)}, { headers: { authorization: 'Bearer ${TOKEN}' } });
  const reader = response.body.getReader();
  (async () => { for (;;) { const { done } = await reader.read(); if (done) return; } })();
  return response.status;
}));
console.log(opened.every((status) => status === 200) ? 'open' : 'failed');
setInterval(() => {}, 1000);`;
const clients = spawn(process.execPath, ['--input-type=module', '-e', clientScript], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  clients.stdout.on('data', (chunk) => (String(chunk).includes('open') ? resolve() : reject(new Error(String(chunk)))));
  clients.once('exit', (code) => reject(new Error(`clients exited with ${code}`)));
});
const deadline = Date.now() + 10_000;
while (server.sessions.stats.watchers < IDLE_CLIENTS + 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
await new Promise((resolve) => setTimeout(resolve, 1_000));
const after = await settledRss();
console.log(`${server.sessions.stats.watchers} idle SSE clients: +${((after - before) / 1024 / 1024).toFixed(1)} MB RSS (${(before / 1024 / 1024).toFixed(0)} → ${(after / 1024 / 1024).toFixed(0)} MB; target < 100 MB)`);
clients.kill();
await server.close();
