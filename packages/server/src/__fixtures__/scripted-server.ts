import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonlSessionStore, readSessionLog, replayHistory } from '@ml-intern/context';
import { createApprovalPolicy, createSession, defineTool, readServerSentEvents } from '@ml-intern/core';
import { ScriptedModel, type ScriptedTurn } from '@ml-intern/core/testing';
import type { AgentEvent } from '@ml-intern/events';
import { z } from 'zod';
import { createServer, type MlInternServer } from '../create-server.js';
import type { ServerOptions, SessionRequest, SignedInUser } from '../server-types.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** A tool that asks before it runs, like an upload. */
const upload = defineTool({
  name: 'upload',
  description: 'pretend upload',
  inputSchema: z.object({ path: z.string() }),
  approval: () => ({ decision: 'ask', reason: 'uploads change the Hub' }),
  execute: ({ path: file }) => `uploaded ${file}`,
});

export interface ScriptedServer {
  server: MlInternServer;
  url: string;
  root: string;
  sessionsDir: string;
  requests: SessionRequest[];
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A real server whose sessions play a script (ScriptedModel) and log to a temporary store; a
 * reopened session continues its log, numbering events on from its last seq.
 */
export async function startScriptedServer(turns: (request: SessionRequest) => ScriptedTurn[], options: Partial<ServerOptions> & { closeDelayMs?: number } = {}): Promise<ScriptedServer> {
  // A runtime that takes a while to stop after its session closed (a sandbox host, MCP servers).
  const { closeDelayMs = 0, ...serverOptions } = options;
  const root = mkdtempSync(path.join(tmpdir(), 'ml-intern-server-'));
  const sessionsDir = path.join(root, '.sessions');
  // With sign-in, each user's logs are in a folder of their own.
  const sessionDirFor = (user: SignedInUser | undefined) => (user ? path.join(sessionsDir, user.id) : sessionsDir);
  const requests: SessionRequest[] = [];
  const server = createServer({
    token: TOKEN,
    port: 0,
    workspaceRoot: root,
    sessionDir: sessionDirFor,
    async createSession(request) {
      requests.push(request);
      const store = new JsonlSessionStore(sessionDirFor(request.user));
      let seed = {};
      if (request.continueId) {
        const records = readSessionLog(store.pathFor(request.continueId)).records;
        const firstSeq = records.reduce((next, record) => (record.kind === 'event' ? Math.max(next, record.event.seq + 1) : next), 0);
        seed = { id: request.continueId, history: replayHistory(records), resumed: true, firstSeq };
      }
      const session = createSession({
        model: new ScriptedModel({ turns: turns(request), ...(request.model ? { id: request.model } : {}) }),
        tools: [upload],
        policy: createApprovalPolicy({ mode: 'default' }),
        interactive: true,
        cwd: request.workspace,
        store,
        dataRoot: sessionsDir,
        ...seed,
      });
      return {
        session,
        close: async () => {
          await session.close();
          if (closeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, closeDelayMs));
        },
      };
    },
    ...serverOptions,
  });
  const url = await server.listen();
  return {
    server,
    url,
    root,
    sessionsDir,
    requests,
    // The sessions log under root until the server has closed them.
    [Symbol.asyncDispose]: async () => {
      try {
        await server.close();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

export function authed(init: RequestInit = {}): RequestInit {
  return { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, authed({ method: 'POST', body: JSON.stringify(body), headers }));
}

/** An SSE client: reads events until `until` says stop, then disconnects. */
export async function readEvents(url: string, until: (event: AgentEvent, all: AgentEvent[]) => boolean, headers: Record<string, string> = {}): Promise<{ events: AgentEvent[]; ids: string[] }> {
  const controller = new AbortController();
  const response = await fetch(url, { ...authed({ headers }), signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`events: ${response.status} ${await response.text()}`);
  const events: AgentEvent[] = [];
  const ids: string[] = [];
  try {
    for await (const batch of readServerSentEvents(response.body, { ms: 10_000, error: () => new Error(`no event for 10 s; got ${events.map((event) => event.type).join(', ')}`) })) {
      for (const message of batch) {
        const event = JSON.parse(message.data) as AgentEvent;
        events.push(event);
        ids.push(message.id ?? '');
        if (until(event, events)) return { events, ids };
      }
    }
  } finally {
    controller.abort();
  }
  return { events, ids };
}
