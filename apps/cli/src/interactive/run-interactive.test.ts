import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { AgentEvent } from '@ml-intern/events';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureOutput } from './__fixtures__/capture-output.js';
import { createDemoRuntime } from './__fixtures__/demo-runtime.js';
import { runInteractive } from './run-interactive.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Run the chat over a pipe: every line is written up front, then input ends. */
async function chat(lines: string[], options: { dataDir?: string } = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'run-interactive-test-'));
  directories.push(dataDir);
  const runtime = createDemoRuntime({ dataDir, slowDelayMs: 1 });
  const events: AgentEvent[] = [];
  runtime.session.subscribe((event) => events.push(event));
  const input = new PassThrough();
  const output = new CaptureOutput();
  input.end(lines.map((line) => `${line}\n`).join(''));
  const code = await runInteractive(runtime, { input, output, historyFile: path.join(dataDir, 'history'), env: { NO_COLOR: '1' } });
  return { code, text: output.text, events, runtime, dataDir };
}

describe('runInteractive over a pipe', () => {
  it('runs a turn with a tool call, asks for approval, and renders the answer and the plan', async () => {
    const { code, text, events } = await chat(['list the files', 'y', '/quit']);
    expect(code).toBe(0);
    expect(text).toContain('› list the files\n');
    expect(text).toContain('● shell $ ls -la\n');
    expect(text).toContain('? Approve shell?\n  $ ls -la\n  why: shell commands can change files\n');
    expect(text).toContain('approve [y/n/a/feedback] › y\nApproved shell.\n');
    // Progress while it runs (capped on a pipe), then the collapsed result.
    expect(text).toContain('    total 3\n    drwxr-xr-x  data\n    -rw-r--r--  train.py\n    … (more output; the result follows)\n');
    expect(text).toContain('  ⎿ total 3\n    drwxr-xr-x  data\n    -rw-r--r--  train.py\n    … 3 more lines\n');
    expect(text).toContain('The project has **6 entries**');
    expect(text).toContain('Plan (1/2 done)\n  [x] List the files\n  [~] Summarise them\n');
    expect(events.at(-1)?.type).toBe('shutdown');
    expect(text).not.toContain('Paste a token');
  });

  it('adds the "always" rule and passes feedback text as a rejection', async () => {
    const { text, runtime } = await chat(['list the files', 'a', 'list the files', 'list again']);
    // The narrowest useful scope: ls has no subcommands, so the exact command.
    expect(runtime.session.policy.sessionRules).toEqual([{ tool: 'shell', args: { command: ['ls -la'] }, action: 'allow' }]);
    expect(text).toContain('Approved shell; added session rule: allow shell for ls -la.');
    // Later listings run without a question under the new rule.
    expect(text.match(/⎿ total 3/g)).toHaveLength(3);
    expect(text.match(/\? Approve shell\?/g)).toHaveLength(1);
  });

  it('rejects with the typed text as feedback', async () => {
    const { text, runtime } = await chat(['list the files', 'use ls -l instead']);
    expect(text).toContain('Rejected shell with feedback.');
    expect(text).toContain('Rejected shell with feedback.\n\n● shell $ ls -la\n  ⎿ The user rejected this call with feedback: use ls -l instead\n');
    expect(runtime.session.policy.sessionRules).toEqual([]);
  });

  it('rejects pending calls when input ends at an approval prompt, then exits normally', async () => {
    const { code, text } = await chat(['list the files']);
    expect(code).toBe(0);
    expect(text).toContain('● shell $ ls -la\n  ⎿ The user rejected this call with feedback: No answer: the input ended');
  });

  it('runs the slash commands', async () => {
    const { code, text, runtime } = await chat(['hello', '/undo', '/status', '/plan', '/cost', '/effort high', '/effort turbo', '/yolo', '/model', '/model openai/gpt-5.5', '/nope', '/help', 'exit', 'never sent']);
    expect(code).toBe(0);
    expect(text).toContain('You said: hello');
    expect(text).toContain('Undid the last turn (2 messages removed).');
    expect(text).toMatch(/Status\n {2}model {6}scripted\/demo\n {2}effort {5}provider default\n {2}runtime {4}local \(demo, no sandbox\) · network off · GPU: none\n {2}session {4}[0-9a-f-]{36}\n {2}log {8}\S+\.jsonl\n {2}approvals {2}default\n {2}turns {6}0\n {2}context {4}[\d,]+ \/ 200,000 tokens \(0%; compaction at [\d,]+\)\n/);
    expect(text).toContain('No plan yet');
    expect(text).toContain('Cost this session');
    expect(text).toContain('Reasoning effort: high (from the next model call).');
    expect(text).toContain('Unknown effort "turbo"');
    expect(text).toContain('YOLO mode on');
    expect(text).toContain('Model: scripted/demo\nSwitch with /model <id>. Accepted forms:\n  anthropic/<model>');
    expect(text).toContain('Cannot switch to openai/gpt-5.5: the demo has one model');
    expect(text).toContain('Unknown command /nope. Type /help for the list.');
    expect(text).toContain('/resume [id|prefix]');
    expect(text).not.toContain('never sent');
    expect(runtime.session.reasoningEffort).toBe('high');
    expect(runtime.session.policy.mode).toBe('yolo');
  });

  it('compacts on /compact and says when there is nothing to compact', async () => {
    const { text } = await chat(['/compact', 'list the files', 'y', 'thanks', '/compact']);
    expect(text).toContain('Nothing to compact yet: the history is already short.');
    expect(text).toMatch(/Context compacted \(manual\): [\d,]+ → [\d,]+ tokens, \d+ messages summarised\./);
  });

  it('starts a new session and resumes the previous one from the picker', async () => {
    const { text, runtime, events } = await chat(['hello there', '/new', '/resume', '1', '/status']);
    const started = events.filter((event): event is Extract<AgentEvent, { type: 'session_started' }> => event.type === 'session_started');
    const [first, fresh, resumed] = started;
    expect(fresh?.session_id).not.toBe(first?.session_id);
    expect(resumed?.resumed).toBe(true);
    // Resume forks: a new id that names the resumed session, whose log is left as it was.
    expect(resumed?.session_id).not.toBe(first?.session_id);
    expect(resumed?.forked_from).toBe(first?.session_id);
    expect(text).toContain(`New session ${fresh?.session_id}.`);
    expect(text).toMatch(/Saved sessions\n {3}1 {2}[0-9a-f]{8} {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}hello there\n/);
    expect(text).toContain(`Resumed session ${first?.session_id} as new session ${resumed?.session_id} (2 messages; the old log is left as it was).`);
    expect(text).toContain('Last request: hello there');
    expect(runtime.session.history.messages.some((message) => message.role === 'user' && message.content === 'hello there')).toBe(true);
  });

  it('joins lines ending in a backslash into one input', async () => {
    const { text } = await chat(['first line\\', 'second line']);
    expect(text).toContain('You said: first line\nsecond line');
  });
});
