// Sessions over HTTP from your own script: createServer gets a factory that builds each session
// (here a scripted model; use a real one and your tools), then any client posts operations and
// reads the events as server-sent events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSession, readServerSentEvents } from '@ml-intern/core';
import { ScriptedModel, textTurn } from '@ml-intern/core/testing';
import { createServer } from '@ml-intern/server';

const token = randomBytes(24).toString('base64url');
const server = createServer({
  token,
  port: 0,
  // Each session without a workspace of its own gets a new folder under this root.
  workspaceRoot: mkdtempSync(path.join(tmpdir(), 'ml-intern-example-')),
  async createSession({ workspace }) {
    const session = createSession({ model: new ScriptedModel({ turns: [textTurn('Hello over HTTP.')] }), cwd: workspace });
    return { session, close: () => session.close() };
  },
});
const url = await server.listen();
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

const { id } = (await (await fetch(`${url}/api/sessions`, { method: 'POST', headers, body: '{}' })).json()) as { id: string };
const events = await fetch(`${url}/api/sessions/${id}/events`, { headers });
await fetch(`${url}/api/sessions/${id}/operations`, { method: 'POST', headers, body: JSON.stringify({ type: 'user_input', text: 'hi' }) });
let answer = '';
read: for await (const batch of readServerSentEvents(events.body as ReadableStream<Uint8Array>)) {
  for (const message of batch) {
    const event = JSON.parse(message.data) as { type: string; final_text?: string };
    console.log(`${message.id} ${event.type}`);
    if (event.type === 'turn_complete') {
      answer = event.final_text ?? '';
      break read;
    }
  }
}
await server.close();
console.log(answer);
if (answer !== 'Hello over HTTP.') process.exit(1);
