import type { PendingApproval } from '@ml-intern/events';
import { describe, expect, it } from 'vitest';
import { CaptureOutput } from './__fixtures__/capture-output.js';
import { parseApprovalAnswer, toApprovalDecision } from './approval-answer.js';
import { askForApprovals, formatApprovalRequest } from './approval-prompt.js';
import { ScreenWriter } from './screen-writer.js';
import { createTerminalStyle } from './terminal-style.js';

const plain = createTerminalStyle(false);

function pending(overrides: Partial<PendingApproval> = {}): PendingApproval {
  return {
    tool_call_id: 'call_1',
    tool: 'hf_jobs',
    arguments: { operation: 'run', flavor: 'a10g-small', timeout: '2h' },
    summary: 'hf_jobs run on a10g-small (2h)',
    reason: 'HF Jobs cost money',
    estimated_cost_usd: 2,
    always_scope: 'allow hf_jobs when operation=run',
    ...overrides,
  };
}

describe('parseApprovalAnswer', () => {
  it.each([
    ['y', { kind: 'approve' }],
    [' YES ', { kind: 'approve' }],
    ['n', { kind: 'reject' }],
    ['No', { kind: 'reject' }],
    ['a', { kind: 'always' }],
    ['always', { kind: 'always' }],
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['use a t4-small instead', { kind: 'reject', feedback: 'use a t4-small instead' }],
    ['yes but smaller', { kind: 'reject', feedback: 'yes but smaller' }],
  ])('%j → %j', (text, expected) => {
    expect(parseApprovalAnswer(text)).toEqual(expected);
  });
});

describe('toApprovalDecision', () => {
  it('turns answers into exec_approval decisions', () => {
    expect(toApprovalDecision(pending(), { kind: 'approve' })).toEqual({ tool_call_id: 'call_1', approved: true });
    expect(toApprovalDecision(pending(), { kind: 'always' })).toEqual({ tool_call_id: 'call_1', approved: true, always: true });
    expect(toApprovalDecision(pending(), { kind: 'reject' })).toEqual({ tool_call_id: 'call_1', approved: false });
    expect(toApprovalDecision(pending(), { kind: 'reject', feedback: 'too expensive' })).toEqual({ tool_call_id: 'call_1', approved: false, feedback: 'too expensive' });
  });

  it('approves a never-auto operation once instead of adding a rule that would not apply', () => {
    const scheduled = pending({ always_scope: 'not available: this operation always asks' });
    expect(toApprovalDecision(scheduled, { kind: 'always' })).toEqual({ tool_call_id: 'call_1', approved: true });
  });
});

describe('formatApprovalRequest', () => {
  it('shows the tool, summary, reason, estimated cost and the rule "always" adds', () => {
    const text = formatApprovalRequest(pending(), { index: 1, total: 3 }, plain, 100).join('\n');
    expect(text).toBe(
      [
        '? Approve hf_jobs? (2 of 3)',
        '  hf_jobs run on a10g-small (2h)',
        '  why: HF Jobs cost money',
        '  estimated cost: $2.00',
        '  arguments: {"operation":"run","flavor":"a10g-small","timeout":"2h"}',
        '  y yes · n no · a always, adding the session rule: allow hf_jobs when operation=run',
        '  or type what to do instead: the call is rejected and your text goes to the agent',
      ].join('\n'),
    );
  });

  it('leaves out an unknown cost and folds long arguments', () => {
    const script = Array.from({ length: 30 }, (_, index) => `line ${index}`).join('\n');
    const text = formatApprovalRequest(pending({ estimated_cost_usd: null, arguments: { flavor: 't4-small', script } }), { index: 0, total: 1 }, plain, 60).join('\n');
    expect(text).not.toContain('estimated cost');
    expect(text).not.toContain('(1 of 1)');
    expect(text).toContain('  arguments:\n    flavor: "t4-small"\n    script:\n      line 0\n      line 1\n');
    expect(text).toContain('      line 7\n    … 22 more lines\n');
  });
});

describe('askForApprovals', () => {
  function setup(answers: (string | undefined)[]) {
    const output = new CaptureOutput();
    const writer = new ScreenWriter(output);
    const prompts: string[] = [];
    const ask = async (prompt: string) => {
      prompts.push(prompt);
      return answers.shift();
    };
    return { output, prompts, options: { writer, style: plain, ask } };
  }

  it('asks once per pending call, again after an empty answer, and decides for every call', async () => {
    const { output, prompts, options } = setup(['', 'a', 'use the cpu-basic flavor']);
    const decisions = await askForApprovals([pending(), pending({ tool_call_id: 'call_2', tool: 'bash', summary: 'bash rm -rf out', always_scope: 'allow bash when command=rm|rm *' })], options);
    expect(decisions).toEqual([
      { tool_call_id: 'call_1', approved: true, always: true },
      { tool_call_id: 'call_2', approved: false, feedback: 'use the cpu-basic flavor' },
    ]);
    expect(prompts).toHaveLength(3);
    expect(output.text).toContain('? Approve hf_jobs? (1 of 2)');
    expect(output.text).toContain('? Approve bash? (2 of 2)');
    expect(output.text).toContain('Approved hf_jobs; added session rule: allow hf_jobs when operation=run.');
    expect(output.text).toContain('Rejected bash with feedback.');
  });

  it('gives up without decisions when the question is cancelled', async () => {
    const { options } = setup(['y', undefined]);
    expect(await askForApprovals([pending(), pending({ tool_call_id: 'call_2' })], options)).toBeUndefined();
  });
});
