import { describe, expect, it } from 'vitest';
import { AGENT_EVENT_TYPES, EventQueue, JsonlDecodeError, decodeEvent, decodeEvents, encodeEvent, parseOperation, type AgentEvent } from './index.js';

const event: AgentEvent = { type: 'assistant_chunk', session_id: 's1', seq: 3, ts: '2026-11-26T00:00:00.000Z', text: 'hi' };

describe('events', () => {
  it('covers every event name of the spec', () => {
    expect([...AGENT_EVENT_TYPES].sort()).toEqual(
      ['ready', 'processing', 'assistant_chunk', 'assistant_message', 'assistant_stream_end', 'tool_call', 'tool_output', 'tool_log', 'tool_state_change', 'approval_required', 'turn_complete', 'error', 'interrupted', 'compacted', 'undo_complete', 'shutdown', 'plan_update', 'session_terminated', 'llm_call', 'loop_detected', 'session_started', 'cost_reservation', 'approval_mode_changed', 'checkpoint', 'remote_effect', 'rewind_complete'].sort(),
    );
  });

  it('round-trips through JSONL', () => {
    expect(decodeEvents(encodeEvent(event) + encodeEvent({ ...event, seq: 4 }))).toEqual([event, { ...event, seq: 4 }]);
  });

  it('rejects malformed lines with the line number and the reason', () => {
    expect(() => decodeEvents(`${encodeEvent(event)}{"type":`)).toThrow(/line 2: not valid JSON/);
    expect(() => decodeEvent('{"type":"assistant_chunk","session_id":"s","seq":1,"ts":"t"}', 7)).toThrow(/line 7: not a valid event: text:/);
    expect(() => decodeEvent('{"type":"nope"}')).toThrow(JsonlDecodeError);
  });

  it('validates operations and names the bad field', () => {
    expect(parseOperation({ type: 'user_input', text: 'hi' })).toEqual({ ok: true, value: { type: 'user_input', text: 'hi' } });
    const bad = parseOperation({ type: 'exec_approval', decisions: [{ approved: true }] });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/decisions\.0\.tool_call_id/);
  });

  it('set_approval_mode takes a known mode and a non-negative budget (null removes it)', () => {
    expect(parseOperation({ type: 'set_approval_mode', mode: 'yolo', budget_usd: 2.5 }).ok).toBe(true);
    expect(parseOperation({ type: 'set_approval_mode', mode: 'default', budget_usd: null }).ok).toBe(true);
    const unknown = parseOperation({ type: 'set_approval_mode', mode: 'anything' });
    expect(!unknown.ok && unknown.error).toMatch(/^invalid operation: mode:/);
    const negative = parseOperation({ type: 'set_approval_mode', mode: 'yolo', budget_usd: -1 });
    expect(!negative.ok && negative.error).toMatch(/budget_usd/);
  });
});

describe('EventQueue', () => {
  it('fans out to listeners and iterators; a throwing listener does not stop others', async () => {
    const queue = new EventQueue<number>();
    const seen: number[] = [];
    queue.subscribe(() => {
      throw new Error('bad consumer');
    });
    const off = queue.subscribe((value) => seen.push(value));
    const iterated: number[] = [];
    const consumer = (async () => {
      for await (const value of queue) iterated.push(value);
    })();
    queue.push(1);
    queue.push(2);
    off();
    queue.push(3);
    queue.close();
    await consumer;
    expect(seen).toEqual([1, 2]);
    expect(iterated).toEqual([1, 2, 3]);
  });

  it('never blocks the producer on a slow consumer', () => {
    const queue = new EventQueue<number>();
    const iterator = queue[Symbol.asyncIterator]();
    for (let index = 0; index < 10_000; index += 1) queue.push(index);
    expect(iterator).toBeDefined();
  });
});
