// A terminal session of the interactive front end around a real Session and a ScriptedModel,
// for the tmux test (and for trying the UI by hand):
//   node --import tsx src/interactive/__fixtures__/interactive-demo.mts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonlSessionStore } from '@ml-intern/context';
import { createSession, defineTool, type AgentConfig, type ModelRequest } from '@ml-intern/core';
import { ScriptedModel, type ScriptedTurn } from '@ml-intern/core/testing';
import { z } from 'zod';
import type { Runtime } from '../../runtime/runtime-types.js';
import { runInteractive } from '../run-interactive.js';

const dataDir = process.env.DEMO_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'ml-intern-demo-'));
const slowDelayMs = Number(process.env.DEMO_SLOW_DELAY_MS ?? 200);

const shell = defineTool({
  name: 'shell',
  description: 'Run a shell command (the demo prints a fixed listing).',
  inputSchema: z.object({ command: z.string() }),
  approval: () => ({ decision: 'ask', reason: 'shell commands can change files' }),
  summarize: (input) => `$ ${input.command}`,
  execute: () => ['total 3', 'drwxr-xr-x  data', '-rw-r--r--  train.py', '-rw-r--r--  README.md', '-rw-r--r--  config.json', '-rw-r--r--  notes.txt'].join('\n'),
});

const STORY = Array.from({ length: 40 }, (_, index) => `Sentence ${index + 1} of a long story about gradient descent.`).join(' ');

function lastUserText(request: ModelRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    const message = request.messages[index];
    if (message?.role === 'user') return message.content;
  }
  return '';
}

function respond(request: ModelRequest): ScriptedTurn {
  if (request.toolChoice === 'none') return { text: '## Goal\nList the project files.\n## Done\nListed 6 files.' };
  const text = lastUserText(request);
  const last = request.messages.at(-1);
  if (text.includes('list')) {
    if (last?.role === 'user') {
      return {
        text: 'Let me look at the project.',
        toolCalls: [
          { name: 'plan_tool', arguments: { todos: [{ id: '1', content: 'List the files', status: 'completed' }, { id: '2', content: 'Summarise them', status: 'in_progress' }] } },
          { name: 'shell', arguments: { command: 'ls -la' } },
        ],
      };
    }
    return { text: '## Files\n\nThe project has **6 entries**:\n\n- `train.py`, the training script\n- `config.json`\n\n```python\nprint("hello")\n```\n\nAll done.' };
  }
  if (text.includes('story')) return { text: STORY, chunks: 40, delayMs: slowDelayMs };
  return { text: `You said: ${text}` };
}

const model = new ScriptedModel({ id: 'scripted/demo', turns: (request) => respond(request) });
const store = new JsonlSessionStore(path.join(dataDir, 'sessions'));
const session = createSession({ model, tools: [shell], systemPrompt: 'You are a demo.', interactive: true, compaction: { keepRecentTokens: 10 }, store, dataDir: path.join(dataDir, 'scratch') });

const runtime: Runtime = {
  session,
  config: { budget_usd: null } as unknown as AgentConfig,
  configDigest: 'demo',
  model,
  policy: session.policy,
  store,
  description: { runtime: 'local (demo, no sandbox)', network: false, gpu: [] },
  setModel: async (id) => {
    throw new Error(`the demo has one model; ${id} is not available`);
  },
  close: () => session.close(),
};

const code = await runInteractive(runtime, {
  input: process.stdin,
  output: process.stdout,
  historyFile: process.env.DEMO_HISTORY_FILE ?? path.join(dataDir, 'history'),
  env: process.env,
});
process.stdout.write(`[demo exited with code ${code}]\n`);
process.exit(code);
