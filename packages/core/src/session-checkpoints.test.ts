import { temporaryDirectories } from '@ml-intern/context/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentEvent } from '@ml-intern/events';
import { createApprovalPolicy } from './approval-policy.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { createSession, type Session } from './session.js';
import { defineTool } from './tool.js';
import { nextEvent } from './next-event.js';
import type { Checkpoint, WorkspaceCheckpoints } from './workspace-checkpoints.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

/** A workspace of named files in memory, with numbered snapshots: what a checkpoint store does, without git. */
function memoryWorkspace() {
  const files = new Map<string, string>();
  const snapshots: Map<string, string>[] = [];
  const store: WorkspaceCheckpoints = {
    changesWorkspace: (tool) => tool === 'put',
    async snapshot() {
      const last = snapshots.at(-1);
      const same = last && last.size === files.size && [...files].every(([name, content]) => last.get(name) === content);
      if (!same) snapshots.push(new Map(files));
      return { id: String(snapshots.length - 1), repository: 'memory' };
    },
    async restore(_location, checkpoint: Checkpoint) {
      const target = snapshots[Number(checkpoint.id)] ?? new Map();
      const changed = [...new Set([...files.keys(), ...target.keys()])].filter((name) => files.get(name) !== target.get(name));
      files.clear();
      for (const [name, content] of target) files.set(name, content);
      return { files: changed.sort() };
    },
  };
  const put = defineTool({ name: 'put', description: 'write a file', inputSchema: z.object({ name: z.string(), content: z.string() }), execute: ({ name, content }) => (files.set(name, content), 'ok') });
  const publish = defineTool({ name: 'publish', description: 'publish a release', inputSchema: z.object({ tag: z.string() }), summarize: ({ tag }) => `publish ${tag}`, execute: () => 'published' });
  const look = defineTool({ name: 'look', description: 'read', inputSchema: z.object({}), readOnly: true, execute: () => [...files.keys()].join(',') });
  return { files, store, tools: [put, publish, look] };
}

function dataDir(): string {
  return directories.make('ml-intern-core-checkpoints-');
}

describe('session checkpoints and rewind', () => {
  it('snapshots before changing calls only, records remote effects, and numbers the next turn after a rewind', async () => {
    const workspace = memoryWorkspace();
    const model = new ScriptedModel({
      turns: [
        toolTurn({ name: 'look', arguments: {} }, { name: 'put', arguments: { name: 'a.txt', content: '1' } }),
        textTurn('one'),
        toolTurn({ name: 'put', arguments: { name: 'a.txt', content: '2' } }, { name: 'publish', arguments: { tag: 'v1' } }),
        textTurn('two'),
        textTurn('three'),
      ],
    });
    const session = createSession({ model, tools: workspace.tools, dataDir: dataDir(), policy: createApprovalPolicy({ mode: 'yolo' }), planTool: false, checkpoints: workspace.store });
    const events: AgentEvent[] = [];
    session.subscribe((event) => events.push(event));
    await session.run('first');
    await session.run('second');
    expect(events.filter((event) => event.type === 'checkpoint').map((event) => event.type === 'checkpoint' && `${event.turn}:${event.reason}:${event.tool}`)).toEqual([
      '1:before_change:put',
      '1:turn_end:null',
      '2:before_change:put',
      '2:turn_end:null',
    ]);
    expect(events.filter((event) => event.type === 'remote_effect')).toMatchObject([{ turn: 2, tool: 'publish', summary: 'publish v1', failed: false }]);

    const done = nextEvent(session, 'rewind_complete', 'error');
    session.submit({ type: 'rewind', turn: 2, code: true, conversation: true });
    expect(await done).toMatchObject({ type: 'rewind_complete', files_restored: ['a.txt'], remote_effects: [{ turn: 2, tool: 'publish', summary: 'publish v1' }] });
    expect(workspace.files.get('a.txt')).toBe('1');
    await session.run('third');
    expect(session.turns().map((turn) => [turn.turn, turn.input])).toEqual([
      [1, 'first'],
      [2, 'third'],
    ]);
    await session.close();
  });

  it('refuses what it cannot do, with a message: code without a store, a conversation no longer in the history, neither', async () => {
    const model = new ScriptedModel({ turns: [textTurn('one'), textTurn('two')] });
    const session = createSession({ model, dataDir: dataDir(), planTool: false });
    await session.run('first');
    await session.run('second');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ turn: 1, code: true, conversation: false }, /takes no checkpoints of its workspace/],
      [{ turn: 1, code: false, conversation: false }, /neither was asked for/],
    ];
    for (const [operation, message] of cases) {
      const answer = nextEvent(session, 'rewind_complete', 'error');
      session.submit({ type: 'rewind', ...operation });
      expect(await answer).toMatchObject({ type: 'error', code: 'rewind_failed', message: expect.stringMatching(message) });
    }
    const undone = nextEvent(session, 'undo_complete', 'error');
    session.submit({ type: 'undo' });
    await undone;
    const answer = nextEvent(session, 'rewind_complete', 'error');
    session.submit({ type: 'rewind', turn: 2, code: false, conversation: true });
    expect(await answer).toMatchObject({ type: 'error', code: 'rewind_failed', message: expect.stringMatching(/no longer in the history \(it was compacted or undone\)/) });
    await session.close();
  });
});
