import type { AgentEvent, EventPayload } from '@ml-intern/events';
import { describe, expect, it } from 'vitest';
import { applyConversation, applyImages, applySentImages } from './history.js';
import { parseMetricLine, trackioUrl } from './jobs.js';
import { MAX_LOG_LINES, applyEvent, applyEvents, initialState, type ViewState } from './reducer.js';

const USAGE = { input_tokens: 100, cached_input_tokens: 20, cache_creation_tokens: 0, output_tokens: 30, reasoning_tokens: 0 };

/** Events with the envelope filled in: seq in order from `start`. */
function events(payloads: EventPayload[], start = 0): AgentEvent[] {
  return payloads.map((payload, index) => ({ ...payload, session_id: 's1', seq: start + index, ts: new Date(Date.UTC(2026, 0, 1, 0, 0, start + index)).toISOString() }) as AgentEvent);
}

const started: EventPayload[] = [
  { type: 'session_started', model: 'openai/gpt-4o', cwd: '/w', runtime: 'bubblewrap', resumed: false, config: { approval_mode: 'default', budget_usd: 5 } },
  { type: 'ready' },
];

function run(payloads: EventPayload[]): ViewState {
  return applyEvents(initialState('s1'), events([...started, ...payloads]));
}

describe('events → view state', () => {
  it('starts a session: model, approval mode and budget from session_started; idle once ready', () => {
    const view = run([]);
    expect(view).toMatchObject({ sessionId: 's1', model: 'openai/gpt-4o', runtime: 'bubblewrap', approvalMode: 'default', budgetUsd: 5, status: 'idle', lastSeq: 1 });
  });

  it('follows the approval mode and budget as set_approval_mode changes them', () => {
    const view = run([{ type: 'approval_mode_changed', mode: 'yolo', budget_usd: 2 }]);
    expect(view).toMatchObject({ approvalMode: 'yolo', budgetUsd: 2 });
    expect(applyEvents(view, events([{ type: 'approval_mode_changed', mode: 'default', budget_usd: null }], view.lastSeq + 1))).toMatchObject({ approvalMode: 'default', budgetUsd: null });
  });

  it('streams an answer chunk by chunk and settles it on assistant_message', () => {
    const streaming = run([{ type: 'processing', input: 'hi' }, { type: 'assistant_chunk', text: 'Hel' }, { type: 'assistant_chunk', text: 'lo' }]);
    expect(streaming.status).toBe('running');
    expect(streaming.items.map((item) => item.kind)).toEqual(['user', 'assistant']);
    expect(streaming.items[1]).toMatchObject({ kind: 'assistant', text: 'Hello', streaming: true });

    const done = applyEvents(streaming, events([{ type: 'assistant_stream_end' }, { type: 'assistant_message', text: 'Hello!' }, { type: 'turn_complete', final_text: 'Hello!', reason: 'done', iterations: 1, usage: USAGE, cost_usd: 0.25, unpriced: false }], streaming.lastSeq + 1));
    expect(done.items[1]).toMatchObject({ kind: 'assistant', text: 'Hello!', streaming: false });
    expect(done).toMatchObject({ status: 'idle', costUsd: 0.25, usage: USAGE });
    expect(done.items).toHaveLength(2);
  });

  it('drops an empty streamed message (tool calls only) and shows an unstreamed answer', () => {
    const view = run([{ type: 'processing', input: 'x' }, { type: 'assistant_message', text: '' }, { type: 'assistant_message', text: 'not streamed', reasoning: 'thought' }]);
    expect(view.items.slice(1)).toEqual([{ kind: 'assistant', key: expect.any(String), text: 'not streamed', reasoning: 'thought', streaming: false }]);
  });

  it('builds a tool card from call, state, live log lines and output', () => {
    const view = run([
      { type: 'processing', input: 'run it' },
      { type: 'assistant_chunk', text: 'Running.' },
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: { command: 'echo hi' }, summary: 'echo hi' },
      { type: 'tool_state_change', tool_call_id: 'c1', tool: 'bash', state: 'running' },
      { type: 'tool_log', tool_call_id: 'c1', tool: 'bash', level: 'info', message: 'line 1' },
      { type: 'tool_log', tool_call_id: 'c1', tool: 'bash', level: 'warn', message: 'line 2' },
    ]);
    // A tool call closes the streamed text before it.
    expect(view.items.map((item) => item.kind)).toEqual(['user', 'assistant', 'tool']);
    expect(view.items[1]).toMatchObject({ streaming: false, text: 'Running.' });
    expect(view.tools.c1).toMatchObject({ tool: 'bash', state: 'running', arguments: { command: 'echo hi' } });
    expect(view.tools.c1?.logs.map((line) => `${line.level}:${line.message}`)).toEqual(['info:line 1', 'warn:line 2']);

    const finished = applyEvents(view, events([{ type: 'tool_state_change', tool_call_id: 'c1', tool: 'bash', state: 'completed' }, { type: 'tool_output', tool_call_id: 'c1', tool: 'bash', output: 'hi\n', is_error: false, truncated: false, duration_ms: 12 }], view.lastSeq + 1));
    expect(finished.tools.c1).toMatchObject({ state: 'completed', output: 'hi\n', isError: false, durationMs: 12 });
  });

  it('keeps only the last log lines of a chatty tool and counts the rest', () => {
    const lines: EventPayload[] = Array.from({ length: MAX_LOG_LINES + 25 }, (_, index) => ({ type: 'tool_log', tool_call_id: 'c1', tool: 'bash', level: 'info', message: `l${index}` }));
    const view = run([{ type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 'x' }, ...lines]);
    expect(view.tools.c1?.logs).toHaveLength(MAX_LOG_LINES);
    expect(view.tools.c1?.logsDropped).toBe(25);
    expect(view.tools.c1?.logs.at(-1)?.message).toBe(`l${MAX_LOG_LINES + 24}`);
  });

  it('an approval request adds pending cards; they leave when the call moves on', () => {
    const pending = { tool_call_id: 'c2', tool: 'hf_jobs', arguments: { operation: 'run', script: 'print(1)' }, summary: 'run a job', reason: 'costs money', estimated_cost_usd: 0.4, always_scope: 'hf_jobs run' };
    const asking = run([{ type: 'processing', input: 'go' }, { type: 'approval_required', tools: [pending] }]);
    expect(asking.status).toBe('awaiting_approval');
    expect(asking.pending).toEqual([pending]);
    expect(asking.tools.c2).toMatchObject({ state: 'awaiting_approval', arguments: pending.arguments });

    const approved = applyEvents(asking, events([{ type: 'tool_state_change', tool_call_id: 'c2', tool: 'hf_jobs', state: 'running' }], asking.lastSeq + 1));
    expect(approved.pending).toEqual([]);
    expect(approved.status).toBe('running');
    // The card added by the approval is the same one the call's events update: one timeline entry.
    expect(approved.items.filter((item) => item.kind === 'tool')).toHaveLength(1);
    expect(approved.tools.c2?.arguments).toEqual(pending.arguments);
  });

  it('a call the user edited at approval shows the arguments it ran with', () => {
    const pending = { tool_call_id: 'c3', tool: 'hf_jobs', arguments: { operation: 'run', script: 'print(1)' }, summary: 'run a job', reason: 'costs money', estimated_cost_usd: 0.4, always_scope: 'hf_jobs run' };
    const asking = run([{ type: 'processing', input: 'go' }, { type: 'approval_required', tools: [pending] }]);
    const edited = { operation: 'run', script: 'print(2)' };
    const running = applyEvents(asking, events([{ type: 'tool_state_change', tool_call_id: 'c3', tool: 'hf_jobs', state: 'running', arguments: edited }], asking.lastSeq + 1));
    expect(running.tools.c3).toMatchObject({ state: 'running', arguments: edited });
  });

  it('skips replayed events, so a reconnect that overlaps what was seen changes nothing', () => {
    const all = events([
      ...started,
      { type: 'processing', input: 'hi' },
      { type: 'assistant_chunk', text: 'a' },
      { type: 'assistant_chunk', text: 'b' },
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 's' },
      { type: 'tool_log', tool_call_id: 'c1', tool: 'bash', level: 'info', message: 'once' },
    ]);
    const once = applyEvents(initialState('s1'), all);
    const firstHalf = applyEvents(initialState('s1'), all.slice(0, 4));
    const reconnected = applyEvents(firstHalf, all.slice(2));
    expect(reconnected).toEqual(once);
    expect(applyEvents(once, all)).toBe(once);
    expect(once.items[1]).toMatchObject({ text: 'ab' });
    expect(once.tools.c1?.logs).toHaveLength(1);
  });

  it('an interrupt closes the stream, cancels unfinished calls and marks the turn', () => {
    const view = run([
      { type: 'processing', input: 'go' },
      { type: 'tool_call', tool_call_id: 'c1', tool: 'bash', arguments: {}, summary: 's' },
      { type: 'tool_state_change', tool_call_id: 'c1', tool: 'bash', state: 'running' },
      { type: 'interrupted', cancelled_tool_calls: 1 },
    ]);
    expect(view.status).toBe('idle');
    expect(view.tools.c1?.state).toBe('cancelled');
    expect(view.items.at(-1)).toMatchObject({ kind: 'turn_end', reason: 'interrupted' });
  });

  it('a stopped turn shows why and its final text', () => {
    const view = run([{ type: 'processing', input: 'go' }, { type: 'turn_complete', final_text: 'Stopped: the session budget of $5.00 is spent.', reason: 'budget_exceeded', iterations: 3, usage: USAGE, cost_usd: 5.01, unpriced: false }]);
    expect(view.items.slice(1).map((item) => item.kind)).toEqual(['notice', 'turn_end']);
    expect(view.items[1]).toMatchObject({ text: 'Stopped: the session budget of $5.00 is spent.' });
  });

  it('adds llm_call usage and cost as they come; turn_complete sets the session totals', () => {
    const view = run([
      { type: 'llm_call', model: 'm', latency_ms: 10, usage: USAGE, cost_usd: 0.1, unpriced: false, finish_reason: 'stop' },
      { type: 'llm_call', model: 'm', latency_ms: 10, usage: { ...USAGE, input_tokens: 300 }, cost_usd: 0.2, unpriced: true, finish_reason: 'stop' },
    ]);
    expect(view.costUsd).toBeCloseTo(0.3);
    expect(view.unpriced).toBe(true);
    expect(view.usage.input_tokens).toBe(400);
    expect(view.contextTokens).toBe(300 + 20 + 30);
  });

  it('shows the plan, session notices, errors and the end of a session', () => {
    const plan = [{ id: '1', content: 'find a dataset', status: 'completed' as const }, { id: '2', content: 'train', status: 'in_progress' as const }];
    const view = run([
      { type: 'plan_update', plan },
      { type: 'tool_log', level: 'warn', message: 'session-wide warning' },
      { type: 'error', code: 'x', message: 'model unreachable', recoverable: true },
      { type: 'session_terminated', reason: 'fatal_error', message: 'gave up' },
    ]);
    expect(view.plan).toEqual(plan);
    expect(view.items.map((item) => (item.kind === 'notice' ? `${item.level}:${item.text}` : item.kind))).toEqual(['warn:session-wide warning', 'error:model unreachable', 'error:gave up']);
    expect(view).toMatchObject({ status: 'ended', ended: 'gave up' });
    // A terminated session stays ended, even when it is then shut down.
    expect(applyEvents(view, events([{ type: 'shutdown' }], view.lastSeq + 1)).status).toBe('ended');
  });

  it('a shut-down session is closed, and open again when it is reopened from its log', () => {
    const closed = run([{ type: 'shutdown' }]);
    expect(closed.status).toBe('closed');
    const reopened = applyEvents(closed, events([{ ...started[0], resumed: true } as EventPayload, { type: 'ready' }], closed.lastSeq + 1));
    expect(reopened.status).toBe('idle');
  });
});

describe('job cards', () => {
  it('follow an HF job: id, hardware and page from its log, GPU samples, stage from the output, Trackio from tool_state_change', () => {
    const view = run([
      { type: 'tool_call', tool_call_id: 'j1', tool: 'hf_jobs', arguments: { operation: 'run', script: 'train.py' }, summary: 'run' },
      { type: 'tool_state_change', tool_call_id: 'j1', tool: 'hf_jobs', state: 'running' },
      { type: 'tool_log', tool_call_id: 'j1', tool: 'hf_jobs', level: 'info', message: 'Started HF job 68ab12 on a10g-small: https://huggingface.co/jobs/me/68ab12' },
      { type: 'tool_state_change', tool_call_id: 'j1', tool: 'hf_jobs', state: 'running', jobUrl: 'https://huggingface.co/jobs/me/68ab12', trackioSpaceId: 'me/dash', trackioProject: 'sft' },
      { type: 'tool_log', tool_call_id: 'j1', tool: 'hf_jobs', level: 'info', message: 'step 10 loss 1.2' },
      { type: 'tool_log', tool_call_id: 'j1', tool: 'hf_jobs', level: 'info', message: 'GPU util: 87% memory: 20480 / 24576 MiB' },
      { type: 'tool_log', tool_call_id: 'j1', tool: 'hf_jobs', level: 'info', message: '{"gpus":[{"utilization":90,"memory_used_mib":21000,"memory_total_mib":24576}]}' },
      { type: 'tool_output', tool_call_id: 'j1', tool: 'hf_jobs', output: 'Started job 68ab12\nStatus after waiting: COMPLETED\n', is_error: false, truncated: false, duration_ms: 5000 },
    ]);
    const job = view.tools.j1?.job;
    expect(job).toMatchObject({ id: '68ab12', hardware: 'a10g-small', url: 'https://huggingface.co/jobs/me/68ab12', stage: 'COMPLETED', trackio: { spaceId: 'me/dash', project: 'sft' } });
    expect(job?.metrics.map((point) => [point.gpuUtil, point.gpuMemMiB, point.gpuMemTotalMiB])).toEqual([
      [87, 20480, 24576],
      [90, 21000, 24576],
    ]);
    const withSample = run([
      { type: 'tool_call', tool_call_id: 'j1', tool: 'hf_jobs', arguments: {}, summary: 'run' },
      { type: 'tool_log', tool_call_id: 'j1', tool: 'hf_jobs', level: 'info', message: '[metrics] GPU 0: 93% util, 18.0/24.0 GB (75%)' },
      { type: 'tool_output', tool_call_id: 'j1', tool: 'hf_jobs', output: 'Status after waiting: COMPLETED\nMetrics: GPU 0: 97% util, 18.5/24.0 GB (77%)\n', is_error: false, truncated: false, duration_ms: 5 },
    ]);
    // The result's sample is the latest one: it joins the chart.
    expect(withSample.tools.j1?.job?.metrics.map((point) => point.gpuUtil)).toEqual([93, 97]);
    // Every line still shows in the log tail.
    expect(view.tools.j1?.logs).toHaveLength(4);
  });

  it('take the metrics sample of the result', () => {
    const view = run([
      { type: 'tool_call', tool_call_id: 'j2', tool: 'hf_jobs', arguments: { operation: 'logs', job_id: 'x' }, summary: 'logs' },
      { type: 'tool_state_change', tool_call_id: 'j2', tool: 'hf_jobs', state: 'completed', jobUrl: 'https://hub/jobs/me/x' },
      { type: 'tool_output', tool_call_id: 'j2', tool: 'hf_jobs', output: 'Job x: RUNNING — https://hub/jobs/me/x\nMetrics: GPU 0: 40% util, 8.0/16.0 GB (50%) | CPU 10%\n', is_error: false, truncated: false, duration_ms: 10 },
    ]);
    expect(view.tools.j2?.job).toMatchObject({ url: 'https://hub/jobs/me/x', stage: 'RUNNING', metrics: [{ gpuUtil: 40, gpuMemMiB: 8192, gpuMemTotalMiB: 16384 }] });
  });

  it('ignore GPU-looking lines from tools that are not jobs', () => {
    const view = run([
      { type: 'tool_call', tool_call_id: 'b1', tool: 'bash', arguments: {}, summary: 'x' },
      { type: 'tool_log', tool_call_id: 'b1', tool: 'bash', level: 'info', message: 'gpu_util=50%' },
    ]);
    expect(view.tools.b1?.job).toBeUndefined();
  });

  it('read the hf_jobs metrics line: mean utilisation and summed memory over the GPUs', () => {
    expect(parseMetricLine('[metrics] GPU 0: 97% util, 18.0/24.0 GB (75%) | GPU 1: 91% util, 6.0/24.0 GB (25%) | CPU 85% | RAM 12.0/32.0 GB (38%)', 5)).toEqual({ t: 5, gpuUtil: 94, gpuMemMiB: 24 * 1024, gpuMemTotalMiB: 48 * 1024 });
    expect(parseMetricLine('[metrics] CPU 85% | RAM 12.0/32.0 GB (38%)', 5)).toBeUndefined();
    expect(parseMetricLine('[metrics] GPU 0 memory is over 95% full: an out-of-memory error is likely', 5)).toBeUndefined();
  });

  it('parse the text and JSON forms of a GPU sample', () => {
    expect(parseMetricLine('gpu_util=50% mem=10 GiB', 1)).toEqual({ t: 1, gpuUtil: 50, gpuMemMiB: 10240 });
    expect(parseMetricLine('{"gpu_util": 12.5, "gpu_memory_used_mib": 100}', 2)).toEqual({ t: 2, gpuUtil: 12.5, gpuMemMiB: 100 });
    expect(parseMetricLine('loss 0.5', 3)).toBeUndefined();
    expect(parseMetricLine('{"loss": 0.5}', 3)).toBeUndefined();
  });

  it('embed Trackio from its Space URL, and nothing for a malformed Space id', () => {
    expect(trackioUrl('me/my_dash', 'sft run')).toBe('https://me-my-dash.hf.space/?project=sft+run&sidebar=hidden');
    expect(trackioUrl('javascript:alert(1)//x')).toBeUndefined();
    expect(trackioUrl('a/b/c')).toBeUndefined();
  });
});

describe('resumed sessions', () => {
  const conversation = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'earlier question' },
    { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_call', id: 'old1', name: 'read', arguments: '{"path":"a.py"}' }] },
    { role: 'tool', toolCallId: 'old1', toolName: 'read', content: 'print(1)', isError: false, images: [{ type: 'image', mediaType: 'image/png', data: 'iVBOR' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'It prints 1.' }] },
    { role: 'user', content: 'new question' },
    { role: 'assistant', content: [{ type: 'text', text: 'new answer' }] },
  ];

  it('put the earlier conversation before the session’s own turns, once', () => {
    const own = applyEvents(initialState('s2'), events([{ ...started[0], resumed: true, forked_from: 's1' } as EventPayload, { type: 'processing', input: 'new question' }, { type: 'assistant_message', text: 'new answer' }]));
    expect(own.forkedFrom).toBe('s1');
    const view = applyConversation(own, conversation);
    expect(view.items.map((item) => (item.kind === 'tool' ? `tool:${item.toolCallId}` : `${item.kind}:${'text' in item ? item.text : ''}`))).toEqual([
      'user:earlier question',
      'assistant:Let me look.',
      'tool:old1',
      'assistant:It prints 1.',
      'user:new question',
      'assistant:new answer',
    ]);
    expect(view.tools.old1).toMatchObject({ tool: 'read', arguments: { path: 'a.py' }, output: 'print(1)', state: 'completed', images: [{ mediaType: 'image/png', data: 'iVBOR' }] });
    expect(applyConversation(view, conversation)).toBe(view);
  });

  it('add nothing when compaction left fewer user messages than the session’s own turns', () => {
    const own = applyEvents(initialState('s2'), events([{ type: 'processing', input: 'a' }, { type: 'processing', input: 'b' }]));
    const view = applyConversation(own, [{ role: 'notice', kind: 'summary', content: 'summary' }, { role: 'user', content: 'b' }]);
    expect(view.items.map((item) => item.kind)).toEqual(['user', 'user']);
  });

  it('images from the conversation join the cards and messages the events already show', () => {
    const own = applyEvents(initialState('s1'), events([
      { type: 'processing', input: 'what is in this plot?' },
      { type: 'tool_call', tool_call_id: 'r1', tool: 'read', arguments: { path: 'loss.png' }, summary: 'read loss.png' },
      { type: 'tool_output', tool_call_id: 'r1', tool: 'read', output: 'image loss.png', is_error: false, truncated: false, duration_ms: 3 },
      { type: 'turn_complete', final_text: 'ok', reason: 'done', iterations: 1, usage: USAGE, cost_usd: 0, unpriced: false },
    ]));
    expect(own.turnsEnded).toBe(1);
    const png = { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo' };
    const view = applyImages(own, [
      { role: 'user', content: 'what is in this plot?', images: [png] },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'r1', name: 'read', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'r1', toolName: 'read', content: 'image loss.png', isError: false, images: [png, { type: 'image', mediaType: 'text/html', data: 'PHNjcmlwdD4=' }] },
    ]);
    expect(view.tools.r1?.images).toEqual([{ mediaType: 'image/png', data: 'iVBORw0KGgo' }]);
    expect(view.items[0]).toMatchObject({ kind: 'user', images: [{ mediaType: 'image/png', data: 'iVBORw0KGgo' }] });
    expect(applyImages(view, [])).toBe(view);
  });

  it('the images this page sent show on the message at once, whether its processing event came first or not', () => {
    const png = { mediaType: 'image/png', data: 'iVBORw0KGgo' };
    const jpeg = { mediaType: 'image/jpeg', data: '/9j/4AAQ' };
    // The answer to the request first: kept for the message's processing event.
    const waiting = applySentImages(run([]), 'what is in this plot?', [png]);
    expect(waiting.sentImages).toEqual([{ text: 'what is in this plot?', images: [png] }]);
    const shown = applyEvents(waiting, events([{ type: 'processing', input: 'what is in this plot?' }], 2));
    expect(shown.items[0]).toMatchObject({ kind: 'user', text: 'what is in this plot?', images: [png] });
    expect(shown.sentImages).toEqual([]);
    // The event first: the images join the message already shown.
    const early = applyEvents(run([]), events([{ type: 'processing', input: 'and this one?' }], 2));
    expect(applySentImages(early, 'and this one?', [jpeg]).items[0]).toMatchObject({ kind: 'user', images: [jpeg] });
    // Another message's event does not take them; nothing sent changes nothing.
    const other = applyEvents(waiting, events([{ type: 'processing', input: 'something else' }], 2));
    expect(other.items[0]).toMatchObject({ images: [] });
    expect(other.sentImages).toHaveLength(1);
    expect(applySentImages(early, 'and this one?', [])).toBe(early);
    // The conversation after the turn does not add them twice.
    expect(applyImages(shown, [{ role: 'user', content: 'what is in this plot?', images: [{ type: 'image', ...png }] }]).items[0]).toMatchObject({ images: [png] });
  });

  it('skip what is not a message', () => {
    const view = applyConversation(initialState('s2'), [null, 3, { role: 'user' }, { role: 'tool', toolCallId: 'nope', content: 'x' }, { role: 'user', content: 'ok' }]);
    expect(view.items.map((item) => item.kind)).toEqual(['user']);
    expect(applyConversation(initialState('s2'), 'not a list').items).toEqual([]);
  });
});

it('a rewind is a notice saying what was restored and what outside the workspace stays', () => {
  const view = run([
    { type: 'rewind_complete', turn: 2, code: true, conversation: true, files_restored: ['train.py', 'data/prep.py'], messages_removed: 4, remote_effects: [{ turn: 3, tool: 'hf_jobs', summary: 'job 68a1 started on a10g-small' }] },
    { type: 'rewind_complete', turn: 1, code: false, conversation: true, files_restored: [], messages_removed: 1, remote_effects: [] },
  ]);
  expect(view.items.map((item) => (item.kind === 'notice' ? [item.level, item.text] : item.kind))).toEqual([
    ['warn', 'Rewound to before turn 2: 2 files restored (train.py, data/prep.py); 4 messages removed. Not undone (outside the workspace): turn 3 hf_jobs: job 68a1 started on a10g-small.'],
    ['info', 'Rewound to before turn 1: 1 message removed.'],
  ]);
});

it('applyEvent ignores event types it does not know', () => {
  const base = run([]);
  const next = applyEvent(base, { type: 'something_new', session_id: 's1', seq: 99, ts: '' } as unknown as AgentEvent);
  expect(next.items).toEqual(base.items);
  expect(next.lastSeq).toBe(99);
});
