import type { PendingApproval } from '@ml-intern/events';
import { describe, expect, it } from 'vitest';
import { CaptureOutput } from './__fixtures__/capture-output.js';
import { parseApprovalAnswer, toApprovalDecision } from './approval-answer.js';
import { askForApprovals, formatApprovalRequest } from './approval-prompt.js';
import { editableArguments } from './edit-arguments.js';
import type { EditOutcome } from './open-editor.js';
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
    ['e', { kind: 'edit' }],
    ['Edit', { kind: 'edit' }],
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

  it('e: approves the call with the edited arguments; a failed or empty edit asks again', async () => {
    const { output, prompts, options } = setup(['e', 'e', 'e']);
    const outcomes: EditOutcome[] = [{ error: 'the editor exited with status 1, so the edit was discarded' }, { unchanged: true, label: 'the arguments' }, { arguments: { operation: 'run', flavor: 't4-small' }, label: 'the arguments' }];
    const edited: PendingApproval[] = [];
    const decisions = await askForApprovals([pending()], { ...options, edit: async (item) => (edited.push(item), outcomes.shift() as EditOutcome) });
    expect(decisions).toEqual([{ tool_call_id: 'call_1', approved: true, edited_arguments: { operation: 'run', flavor: 't4-small' } }]);
    expect(edited).toHaveLength(3);
    expect(prompts[0]).toBe('approve [y/n/a/e/feedback] › ');
    expect(output.text).toContain('  y yes · n no · e edit the arguments first\n  a always, adding the session rule: allow hf_jobs when operation=run\n');
    expect(output.text).toContain('Not edited: the editor exited with status 1, so the edit was discarded. Answer again.');
    expect(output.text).toContain('Nothing was changed in the arguments. Answer again.');
    expect(output.text).toContain('Approved hf_jobs with the arguments as edited.');
  });

  it('does not offer e without an editor (piped input)', async () => {
    const { output, prompts, options } = setup(['e', 'y']);
    expect(await askForApprovals([pending()], options)).toEqual([{ tool_call_id: 'call_1', approved: true }]);
    expect(prompts[0]).toBe('approve [y/n/a/feedback] › ');
    expect(output.text).not.toContain('e edit');
    expect(output.text).toContain('Not edited: editing is not available here. Answer again.');
  });

  it('gives up without decisions when the question is cancelled', async () => {
    const { options } = setup(['y', undefined]);
    expect(await askForApprovals([pending(), pending({ tool_call_id: 'call_2' })], options)).toBeUndefined();
  });
});

describe('editableArguments', () => {
  it('edits a command, a script or file content as text, keeping the other arguments', () => {
    const bash = editableArguments(pending({ tool: 'bash', arguments: { command: 'rm -rf out', timeout: 60 } }));
    expect(bash).toMatchObject({ text: 'rm -rf out', postfix: '.sh', label: 'the command' });
    expect(bash.apply('rm -rf out/tmp\n')).toEqual({ arguments: { command: 'rm -rf out/tmp', timeout: 60 } });
    expect(bash.apply('  \n')).toEqual({ error: 'the command is empty' });
    const job = editableArguments(pending({ arguments: { operation: 'run', script: 'print(1)\n', flavor: 'a10g-small' } }));
    expect(job).toMatchObject({ postfix: '.py', label: 'the script' });
    const write = editableArguments(pending({ tool: 'write', arguments: { path: 'configs/train.yaml', content: 'lr: 1e-4\n' } }));
    expect(write).toMatchObject({ postfix: '.yaml', label: 'the content' });
    expect(write.apply('lr: 3e-4\n')).toEqual({ arguments: { path: 'configs/train.yaml', content: 'lr: 3e-4\n' } });
  });

  it('edits other calls as JSON and reports JSON that is not an object', () => {
    const editable = editableArguments(pending());
    expect(editable).toMatchObject({ postfix: '.json', label: 'the arguments', text: '{\n  "operation": "run",\n  "flavor": "a10g-small",\n  "timeout": "2h"\n}\n' });
    expect(editable.apply('{"operation": "run", "flavor": "t4-small"}')).toEqual({ arguments: { operation: 'run', flavor: 't4-small' } });
    expect(editable.apply('{"operation": ')).toMatchObject({ error: expect.stringContaining('not valid JSON') });
    expect(editable.apply('[1]')).toEqual({ error: 'the arguments must be a JSON object' });
  });
});
