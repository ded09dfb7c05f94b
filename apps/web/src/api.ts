import type { AgentEvent, ApprovalDecision, Operation } from '@ml-intern/events';
import { createParser } from 'eventsource-parser';

/** What the UI submits: the operations of `@ml-intern/events`, including the approval-mode switch. */
export type ClientOperation = Operation | { type: 'set_approval_mode'; mode: string; budget_usd?: number };
export type { ApprovalDecision };

/** One row of `GET /api/sessions`. Fields beyond `id` are shown when the server sends them. */
export interface SessionSummary {
  id: string;
  model?: string;
  status?: string;
  live?: boolean;
  workspace?: string;
  title?: string;
  preview?: string;
  created_at?: string;
  updated_at?: string;
  started_at?: string;
  cost_usd?: number;
}

/** `GET /api/sessions/{id}`: the parts the UI reads. */
export interface SessionDetails {
  id: string;
  model?: string;
  status?: string;
  live?: boolean;
  /** The conversation so far (the session's messages). */
  messages?: unknown;
  approval_mode?: string;
  budget_usd?: number | null;
  context?: { tokens?: number; limit?: number; window?: number };
  last_seq?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
      const error = body.error;
      message = String((typeof error === 'object' && error !== null ? error.message : error) ?? body.message ?? text);
    } catch {
      // plain-text error body
    }
    throw new ApiError(response.status, response.status === 401 ? 'Not signed in: open the link that `ml-intern serve` printed (it carries the token).' : message || `${response.status} ${response.statusText}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

function list(value: unknown): SessionSummary[] {
  const rows = Array.isArray(value) ? value : Array.isArray((value as { sessions?: unknown })?.sessions) ? (value as { sessions: unknown[] }).sessions : [];
  return rows.filter((row): row is SessionSummary => typeof row === 'object' && row !== null && typeof (row as { id?: unknown }).id === 'string');
}

/** `GET /api/me`: who is signed in (with Hugging Face sign-in), or the token mode. */
export interface Me {
  auth: 'token' | 'hf_oauth';
  user: { id: string; name: string; avatar_url: string | null } | null;
}

/** One turn of `GET /api/sessions/{id}/turns`. */
export interface TurnSummary {
  turn: number;
  /** The user's message, shortened by the server. */
  input: string;
  /** False once compaction or an undo removed its message: only its files can be rewound. */
  in_conversation: boolean;
  /** What the turn changed in the workspace (`A`, `M`, `D` and a path); null when not known. */
  changes: { status: string; path: string }[] | null;
  /** Calls that changed something outside the workspace: a rewind cannot undo them. */
  remote_effects: { tool: string; summary: string; failed: boolean }[];
}

/** `GET /api/sessions/{id}/turns`. */
export interface TurnList {
  /** Whether the session checkpoints its files (false with a remote sandbox: conversation only). */
  checkpoints: boolean;
  turns: TurnSummary[];
}

/** `GET /api/sessions/{id}/turns/{turn}/preview`: the diff a files rewind would apply now. */
export interface RewindPreview {
  stat: string;
  patch: string;
  truncated: boolean;
  /** Why there is no diff (no checkpoint since that turn, files already so). */
  note?: string;
}

/** The API's calls, against the page's own origin unless `base` says where the server is. */
export function createApi(base = '') {
  const call = <T,>(path: string, init?: RequestInit) => request<T>(`${base}${path}`, init);
  const session = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;
  return {
    me(): Promise<Me> {
      return call<Me>('/api/me');
    },
    async signOut(): Promise<void> {
      await call<unknown>('/auth/logout', { method: 'POST' });
    },
    async listSessions(): Promise<SessionSummary[]> {
      return list(await call<unknown>('/api/sessions'));
    },
    async createSession(body: { model?: string; resume?: string } = {}): Promise<string> {
      const created = await call<{ id: string }>('/api/sessions', { method: 'POST', body: JSON.stringify(body) });
      return created.id;
    },
    getSession(id: string): Promise<SessionDetails> {
      return call<SessionDetails>(session(id));
    },
    async deleteSession(id: string): Promise<void> {
      await call<unknown>(session(id), { method: 'DELETE' });
    },
    async submit(id: string, operation: ClientOperation): Promise<void> {
      await call<unknown>(`${session(id)}/operations`, { method: 'POST', body: JSON.stringify(operation) });
    },
    /** The live session's turns, each with what it changed (for a rewind). */
    listTurns(id: string): Promise<TurnList> {
      return call<TurnList>(`${session(id)}/turns`);
    },
    /** What restoring the files to before `turn` would change now. */
    previewRewind(id: string, turn: number): Promise<RewindPreview> {
      return call<RewindPreview>(`${session(id)}/turns/${turn}/preview`);
    },
  };
}

export const api = createApi();

export type StreamStatus = 'connecting' | 'open' | 'retrying' | 'closed';

export interface EventStreamOptions {
  sessionId: string;
  /** Where the server is (default: the page's own origin). */
  base?: string;
  /** First wait before reconnecting, doubled up to 5 s (default 500 ms). */
  retryMs?: number;
  /** The last `seq` already seen: the server replays what came after it (`Last-Event-ID`). */
  lastSeq: () => number;
  onEvent: (event: AgentEvent) => void;
  onStatus?: (status: StreamStatus, detail?: string) => void;
}

/**
 * Follow a session's events over SSE with `fetch`, so every reconnect (a dropped connection, a
 * server restart) sends `Last-Event-ID` and misses nothing. Returns a function that stops it.
 */
export function followEvents(options: EventStreamOptions): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  const firstDelay = options.retryMs ?? 500;
  let delay = firstDelay;

  const connect = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      options.onStatus?.('connecting');
      try {
        const last = options.lastSeq();
        const response = await fetch(`${options.base ?? ''}/api/sessions/${encodeURIComponent(options.sessionId)}/events`, {
          credentials: 'same-origin',
          headers: { accept: 'text/event-stream', ...(last >= 0 ? { 'last-event-id': String(last) } : {}) },
          signal: controller.signal,
        });
        if (response.status === 401 || response.status === 404) {
          options.onStatus?.('closed', response.status === 404 ? 'This session is not running on the server.' : 'Not signed in: open the link that `ml-intern serve` printed.');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`${response.status} ${response.statusText}`);
        options.onStatus?.('open');
        delay = firstDelay;
        const parser = createParser({
          onEvent: (message) => {
            try {
              const event = JSON.parse(message.data) as AgentEvent;
              if (typeof event?.type === 'string' && typeof event.seq === 'number') options.onEvent(event);
            } catch {
              // a frame that is not an event (a comment, a keep-alive) is ignored
            }
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch (error) {
        if (stopped) return;
        options.onStatus?.('retrying', error instanceof Error ? error.message : String(error));
      }
      if (stopped) return;
      options.onStatus?.('retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  };
  void connect();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
