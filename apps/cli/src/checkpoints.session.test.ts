import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JsonlSessionStore } from '@ml-intern/context';
import { createApprovalPolicy, createSession, defineTool, type AgentEvent, type Session } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { createGitCheckpoints, createLocalSandbox, sandboxTools } from '@ml-intern/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { temporaryDirectories } from '@ml-intern/testing';

const directories = temporaryDirectories();
const temporaryDirectory = directories.make;
afterEach(() => {
  directories.removeAll();
});

/** Stands in for a Hub upload: it changes nothing in the workspace, and it is not read-only. */
const uploads: string[] = [];
const uploadTool = defineTool({
  name: 'hf_repo_files',
  description: 'upload a file to a Hub repo',
  inputSchema: z.object({ repo: z.string(), path: z.string() }),
  summarize: (input) => `upload ${input.path} to ${input.repo}`,
  execute: (input) => {
    uploads.push(input.path);
    return `uploaded ${input.path}`;
  },
});

function waitFor(session: Session, type: AgentEvent['type']): Promise<AgentEvent> {
  return new Promise((resolve) => {
    const off = session.subscribe((event) => {
      if (event.type === type || event.type === 'error') {
        off();
        resolve(event);
      }
    });
  });
}

describe('checkpoints and rewind through a real session with the sandbox tools', () => {
  it('rewind restores the files and the conversation, tells the model which remote effects remain, and a resume replays it', async () => {
    const workspace = temporaryDirectory('ml-intern-rewind-ws-');
    const sessions = temporaryDirectory('ml-intern-rewind-sessions-');
    writeFileSync(path.join(workspace, 'train.py'), 'lr = 1\n');
    const model = new ScriptedModel({
      turns: [
        // Turn 1: a new file.
        toolTurn({ name: 'write', arguments: { path: 'notes.md', content: 'baseline\n' } }),
        textTurn('wrote notes'),
        // Turn 2: a command changes and removes files, and a Hub upload happens.
        toolTurn(
          { name: 'bash', arguments: { command: "sed -i 's/1/2/' train.py && rm notes.md && echo out > result.txt" } },
          { name: 'hf_repo_files', arguments: { repo: 'me/model', path: 'result.txt' } },
        ),
        textTurn('trained and uploaded'),
        // Turn 3, after the rewind.
        textTurn('starting over'),
      ],
    });
    const store = new JsonlSessionStore(sessions);
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, isolation: 'none' });
    const session = createSession({
      model,
      tools: [...sandboxTools({ sandbox }), uploadTool],
      cwd: workspace,
      dataRoot: sessions,
      store,
      policy: createApprovalPolicy({ mode: 'yolo' }),
      planTool: false,
      checkpoints: createGitCheckpoints(),
    });
    const events: AgentEvent[] = [];
    session.subscribe((event) => events.push(event));
    await session.run('write notes');
    await session.run('train with lr 2 and upload');
    expect(readFileSync(path.join(workspace, 'train.py'), 'utf8')).toBe('lr = 2\n');
    expect(existsSync(path.join(workspace, 'notes.md'))).toBe(false);

    const turns = session.turns();
    expect(turns.map((turn) => [turn.turn, turn.input, turn.before !== undefined, turn.after !== undefined])).toEqual([
      [1, 'write notes', true, true],
      [2, 'train with lr 2 and upload', true, true],
    ]);
    expect(turns[1]?.remoteEffects).toEqual([{ toolCallId: expect.any(String), tool: 'hf_repo_files', summary: 'upload result.txt to me/model', failed: false }]);
    // The session log says which turn each checkpoint belongs to and which remote effects each turn had.
    expect(events.filter((event) => event.type === 'checkpoint').map((event) => event.type === 'checkpoint' && [event.turn, event.reason, event.tool])).toEqual([
      [1, 'before_change', 'write'],
      [1, 'turn_end', null],
      [2, 'before_change', 'bash'],
      [2, 'turn_end', null],
    ]);

    const done = waitFor(session, 'rewind_complete');
    session.submit({ type: 'rewind', turn: 2, code: true, conversation: true });
    const rewound = await done;
    expect(rewound).toMatchObject({ type: 'rewind_complete', turn: 2, code: true, conversation: true, remote_effects: [{ turn: 2, tool: 'hf_repo_files', summary: 'upload result.txt to me/model' }] });
    expect(rewound.type === 'rewind_complete' && [...rewound.files_restored].sort()).toEqual(['notes.md', 'result.txt', 'train.py']);
    expect(readFileSync(path.join(workspace, 'train.py'), 'utf8')).toBe('lr = 1\n');
    expect(readFileSync(path.join(workspace, 'notes.md'), 'utf8')).toBe('baseline\n');
    expect(existsSync(path.join(workspace, 'result.txt'))).toBe(false);

    await session.run('try lr 3 instead');
    const request = model.requests.at(-1);
    const texts = request?.messages.map((message) => (typeof message.content === 'string' ? message.content : '')) ?? [];
    expect(texts).not.toContain('train with lr 2 and upload');
    expect(texts).toContain('write notes');
    const notice = request?.messages.find((message) => message.role === 'notice');
    expect(notice?.content).toMatch(/rewound the conversation and the workspace files to before turn 2/);
    expect(notice?.content).toMatch(/could not be undone and still exist:\n- turn 2: hf_repo_files: upload result\.txt to me\/model/);
    expect(session.turns().map((turn) => turn.turn)).toEqual([1, 2]);

    const history = [...session.history.messages];
    const logId = session.id;
    await session.close();
    const loaded = await store.load(logId);
    expect(loaded.messages).toEqual(history);
  });

  it('a code-only rewind keeps the conversation; a rewind of an unknown turn is a clear error', async () => {
    const workspace = temporaryDirectory('ml-intern-rewind-ws-');
    const model = new ScriptedModel({ turns: [toolTurn({ name: 'write', arguments: { path: 'a.txt', content: 'one\n' } }), textTurn('done')] });
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, isolation: 'none' });
    const session = createSession({ model, tools: sandboxTools({ sandbox }), cwd: workspace, dataDir: temporaryDirectory('ml-intern-rewind-data-'), policy: createApprovalPolicy({ mode: 'yolo' }), planTool: false, checkpoints: createGitCheckpoints() });
    await session.run('write a');
    const length = session.history.length;
    const unknown = waitFor(session, 'rewind_complete');
    session.submit({ type: 'rewind', turn: 7, code: true, conversation: false });
    expect(await unknown).toMatchObject({ type: 'error', code: 'rewind_failed', message: expect.stringMatching(/turn 7 is not one of this session's turns/) });
    const done = waitFor(session, 'rewind_complete');
    session.submit({ type: 'rewind', turn: 1, code: true, conversation: false });
    expect(await done).toMatchObject({ type: 'rewind_complete', files_restored: ['a.txt'], messages_removed: 0 });
    expect(existsSync(path.join(workspace, 'a.txt'))).toBe(false);
    // The conversation stays, with a note for the model that the files changed under it.
    expect(session.history.length).toBe(length + 1);
    expect(session.history.messages.at(-1)).toMatchObject({ role: 'notice', content: expect.stringMatching(/workspace files \(the conversation continues\) to before turn 1[\s\S]*Files restored: a\.txt/) });
    await session.close();
  });
});
