import type { AgentEvent } from '@ml-intern/events';
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { SessionHub } from './session-hub.js';
import type { SignedInUser } from './server-types.js';

/** Open event streams, so the server can end them when it closes. */
export type StreamRegistry = Set<() => void>;

/** `Last-Event-ID` (a reconnecting EventSource), else `?after=`; -1 (everything) when neither is a number. */
export function replayStart(c: Context): number {
  const raw = c.req.header('last-event-id') ?? c.req.query('after');
  if (raw === undefined || !/^-?\d+$/.test(raw.trim())) return -1;
  return Number(raw.trim());
}

/**
 * `GET /api/sessions/{id}/events`: the events after `after` (log, then the turn in progress from
 * memory), then live ones as they happen; one SSE message per event, `id: <seq>`, the event JSON
 * as `data`, no `event:` field (so `onmessage` sees them all). A comment every `keepAliveMs`.
 */
export function streamSessionEvents(
  c: Context,
  options: { hub: SessionHub; id: string; user: SignedInUser | undefined; after: number; keepAliveMs: number; registry: StreamRegistry },
): Response {
  // Proxies in front (a Space's) must pass each event on at once, not buffer the stream.
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    const queue: AgentEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const end = () => {
      ended = true;
      wake?.();
    };
    // Listen before reading the log: nothing emitted meanwhile is lost, duplicates are skipped by seq.
    const unlisten = options.hub.listen(options.id, options.user, (event) => {
      queue.push(event);
      wake?.();
    });
    options.registry.add(end);
    stream.onAbort(end);
    const keepAlive = setInterval(() => {
      stream.write(': keep-alive\n\n').catch(end);
    }, options.keepAliveMs);
    let last = options.after;
    const send = async (event: AgentEvent) => {
      if (event.seq <= last) return;
      last = event.seq;
      await writeEvent(stream, event);
    };
    try {
      for (const event of options.hub.replay(options.id, options.user, options.after)) await send(event);
      while (!ended) {
        const event = queue.shift();
        if (event) {
          await send(event);
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } catch {
      // The client went away mid-write: nothing to report, the stream just ends.
    } finally {
      clearInterval(keepAlive);
      unlisten();
      options.registry.delete(end);
    }
  });
}

async function writeEvent(stream: SSEStreamingApi, event: AgentEvent): Promise<void> {
  await stream.writeSSE({ id: String(event.seq), data: JSON.stringify(event) });
}
