import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentEvent } from '@ml-intern/events';
import { createSession } from './session.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { defineTool } from './tool.js';

const launch = defineTool({
  name: 'launch',
  description: 'Start a job',
  inputSchema: z.object({ fail: z.boolean().default(false) }),
  execute(input, ctx) {
    ctx.reportState?.({ jobUrl: 'https://hub.test/jobs/me/1' });
    ctx.reportState?.({ trackioSpaceId: 'me/trackio', trackioProject: 'sft' });
    if (input.fail) throw new Error('the job failed');
    return 'started';
  },
});

async function stateChanges(fail: boolean) {
  const model = new ScriptedModel({ turns: [toolTurn({ name: 'launch', arguments: { fail } }), textTurn('done')] });
  const session = createSession({ model, tools: [launch], planTool: false });
  const events: AgentEvent[] = [];
  session.subscribe((event) => events.push(event));
  await session.run('go');
  await session.close();
  return events.filter((event) => event.type === 'tool_state_change').map(({ seq: _seq, ts: _ts, session_id: _id, tool_call_id: _call, ...rest }) => rest);
}

describe('tool_state_change details', () => {
  it('a tool reports its job and dashboard while running, and the final state repeats them', async () => {
    const job = { jobUrl: 'https://hub.test/jobs/me/1' };
    const all = { ...job, trackioSpaceId: 'me/trackio', trackioProject: 'sft' };
    expect(await stateChanges(false)).toEqual([
      { type: 'tool_state_change', tool: 'launch', state: 'running' },
      { type: 'tool_state_change', tool: 'launch', state: 'running', ...job },
      { type: 'tool_state_change', tool: 'launch', state: 'running', ...all },
      { type: 'tool_state_change', tool: 'launch', state: 'completed', ...all },
    ]);
    expect((await stateChanges(true)).at(-1)).toEqual({ type: 'tool_state_change', tool: 'launch', state: 'failed', ...all });
  });
});
