import type { Message, SessionHeader } from '@ml-intern/core';
import { describe, expect, test } from 'vitest';
import { toClaudeCodeJsonl, type ClaudeCodeLine } from './claude-code-jsonl.js';
import { SessionTranscript } from './session-transcript.js';

const header: SessionHeader = { id: 'session-1', model: 'anthropic/claude-sonnet-4-5', cwd: '/work/project', started_at: '2025-01-01T00:00:00.000Z', config_digest: 'abc' };
const redact = (text: string) => text.replaceAll('s3cret-value', '[REDACTED]');

const messages: Message[] = [
  { role: 'system', content: 'You are ml-intern.' },
  { role: 'user', content: 'Train a model with key s3cret-value' },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'Check the data first.', signature: 'sig' },
      { type: 'text', text: 'Looking at the data.' },
      { type: 'tool_call', id: 'call_1', name: 'bash', arguments: '{"command":"echo s3cret-value","env":{"s3cret-value":["s3cret-value"]}}' },
      { type: 'tool_call', id: 'call_2', name: 'read', arguments: '{"path": "a.txt"' },
    ],
  },
  { role: 'tool', toolCallId: 'call_1', toolName: 'bash', content: 'printed s3cret-value', isError: false },
  { role: 'tool', toolCallId: 'call_2', toolName: 'read', content: 'invalid arguments', isError: true },
  { role: 'notice', kind: 'loop_guard', content: 'You are repeating yourself.' },
  { role: 'notice', kind: 'summary', content: '[State snapshot of the earlier conversation]\nTrained a model.' },
  { role: 'assistant', content: [{ type: 'reasoning', text: '', redacted: 'opaque' }] },
  { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
];

function parse(text: string): ClaudeCodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ClaudeCodeLine);
}

describe('toClaudeCodeJsonl', () => {
  test('a value under a secret-named key in tool arguments is redacted whole, as in the session log', () => {
    const call: Message = { role: 'assistant', content: [{ type: 'tool_call', id: 'c', name: 'hf_jobs', arguments: '{"operation":"run","env":{"WANDB_API_KEY":"9f3c2a7b1e4d8f6a0c5b2e9d7a1f4c3b8e6d2a0f"}}' }] };
    const [line] = parse(toClaudeCodeJsonl(header, [call], { redact }));
    expect(JSON.stringify(line)).not.toContain('9f3c2a7b1e4d8f6a0c5b2e9d7a1f4c3b8e6d2a0f');
    expect(line?.message.content).toEqual([{ type: 'tool_use', id: 'c', name: 'hf_jobs', input: { operation: 'run', env: { WANDB_API_KEY: '[REDACTED]' } } }]);
  });

  test('maps turns, reasoning, tool calls, results and notices to Claude Code lines', () => {
    const lines = parse(toClaudeCodeJsonl(header, messages, { redact }));
    expect(lines.map((line) => line.type)).toEqual(['user', 'assistant', 'user', 'user', 'user', 'user', 'assistant']);
    const [user, assistant, result1, result2, notice, summary, done] = lines as [ClaudeCodeLine, ClaudeCodeLine, ClaudeCodeLine, ClaudeCodeLine, ClaudeCodeLine, ClaudeCodeLine, ClaudeCodeLine];
    expect(user).toMatchObject({ parentUuid: null, sessionId: 'session-1', cwd: '/work/project', timestamp: header.started_at, message: { role: 'user', content: [{ type: 'text', text: 'Train a model with key [REDACTED]' }] } });
    expect(assistant.message).toMatchObject({
      role: 'assistant',
      type: 'message',
      model: 'anthropic/claude-sonnet-4-5',
      stop_reason: 'tool_use',
      content: [
        { type: 'thinking', thinking: 'Check the data first.' },
        { type: 'text', text: 'Looking at the data.' },
        { type: 'tool_use', id: 'call_1', name: 'bash', input: { command: 'echo [REDACTED]', env: { '[REDACTED]': ['[REDACTED]'] } } },
        { type: 'tool_use', id: 'call_2', name: 'read', input: { _raw: '{"path": "a.txt"' } },
      ],
    });
    expect(result1.message.content).toEqual([{ type: 'tool_result', tool_use_id: 'call_1', content: 'printed [REDACTED]', is_error: false }]);
    expect(result2.message.content).toEqual([{ type: 'tool_result', tool_use_id: 'call_2', content: 'invalid arguments', is_error: true }]);
    expect(notice).toMatchObject({ isMeta: true, message: { content: [{ type: 'text', text: '[ml-intern notice: loop_guard] You are repeating yourself.' }] } });
    expect(notice.isCompactSummary).toBeUndefined();
    expect(summary).toMatchObject({ isCompactSummary: true, message: { content: [{ type: 'text', text: expect.stringContaining('Trained a model.') }] } });
    expect(summary.isMeta).toBeUndefined();
    expect(done.message).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'Done.' }] });
    // Each line's parent is the line before it; the skipped messages leave no gap.
    lines.forEach((line, index) => expect(line.parentUuid).toBe(index === 0 ? null : lines[index - 1]?.uuid));
    expect(new Set(lines.map((line) => line.uuid)).size).toBe(lines.length);
    expect(JSON.stringify(lines)).not.toContain('s3cret-value');
    expect(JSON.stringify(lines)).not.toContain('You are ml-intern.');
  });

  test('keeps the lines of earlier messages identical as the session grows', () => {
    const short = toClaudeCodeJsonl(header, messages.slice(0, 4));
    const long = toClaudeCodeJsonl(header, messages);
    expect(long.startsWith(short)).toBe(true);
    expect(toClaudeCodeJsonl(header, [])).toBe('');
  });

  test('uses per-message timestamps, models and usage when known', () => {
    const transcript = new SessionTranscript();
    const event = { session_id: 'session-1', seq: 1, ts: '2025-01-01T00:00:01.000Z' };
    transcript.apply({ kind: 'message', message: { role: 'user', content: 'hi' } }, new Date('2025-01-01T00:00:01.000Z'));
    transcript.apply({
      kind: 'event',
      event: { ...event, type: 'llm_call', model: 'openai/gpt-5', latency_ms: 5, usage: { input_tokens: 10, cached_input_tokens: 2, cache_creation_tokens: 0, output_tokens: 3, reasoning_tokens: 0 }, cost_usd: 0, unpriced: false, finish_reason: 'stop' },
    });
    transcript.apply({ kind: 'message', message: { role: 'assistant', content: [{ type: 'text', text: 'hello' }] } }, new Date('2025-01-01T00:00:02.000Z'));
    const [user, assistant] = parse(toClaudeCodeJsonl(header, transcript.messages, { info: transcript.info }));
    expect(user?.timestamp).toBe('2025-01-01T00:00:01.000Z');
    expect(assistant).toMatchObject({ timestamp: '2025-01-01T00:00:02.000Z', message: { model: 'openai/gpt-5', usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 2 } } });
  });
});

describe('SessionTranscript', () => {
  test('replays appends, undo and compaction like the session log, keeping details of surviving messages', () => {
    const transcript = new SessionTranscript();
    const first: Message = { role: 'user', content: 'first task' };
    const answer: Message = { role: 'assistant', content: [{ type: 'text', text: 'answer' }] };
    transcript.apply({ kind: 'message', message: first }, new Date('2025-01-01T00:00:01.000Z'));
    transcript.apply({ kind: 'message', message: answer }, new Date('2025-01-01T00:00:02.000Z'));
    transcript.apply({ kind: 'message', message: { role: 'user', content: 'oops' } });
    const before = transcript.version;
    transcript.apply({ kind: 'truncate', count: 1 });
    expect(transcript.version).toBeGreaterThan(before);
    expect(transcript.messages).toEqual([first, answer]);
    const summary: Message = { role: 'notice', kind: 'summary', content: 'snapshot' };
    transcript.apply({ kind: 'replace', messages: [structuredClone(first), summary, structuredClone(answer)] }, new Date('2025-01-01T00:00:09.000Z'));
    expect(transcript.messages.map((message) => message.role)).toEqual(['user', 'notice', 'assistant']);
    expect(transcript.info.map((info) => info.timestamp)).toEqual(['2025-01-01T00:00:01.000Z', '2025-01-01T00:00:09.000Z', '2025-01-01T00:00:02.000Z']);
    const version = transcript.version;
    transcript.apply({ kind: 'event', event: { type: 'ready', session_id: 's', seq: 0, ts: '' } });
    expect(transcript.version).toBe(version);
  });
});
