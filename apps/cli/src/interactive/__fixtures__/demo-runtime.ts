import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonlSessionStore } from '@ml-intern/context';
import { createSession, defineTool, type AgentConfig, type ModelRequest } from '@ml-intern/core';
import { ScriptedModel, type ScriptedTurn } from '@ml-intern/core/testing';
import { z } from 'zod';
import type { Runtime } from '../../runtime/runtime-types.js';

export interface DemoRuntimeOptions {
  /** Session logs and scratch files (default: a new temporary directory). */
  dataDir?: string;
  /** Delay before each delta of the slow "story" answer. */
  slowDelayMs?: number;
}

/** What the demo's `shell` tool prints: six lines, so the collapsed view hides three. */
export const DEMO_LISTING = ['total 3', 'drwxr-xr-x  data', '-rw-r--r--  train.py', '-rw-r--r--  README.md', '-rw-r--r--  config.json', '-rw-r--r--  notes.txt'].join('\n');

const STORY = Array.from({ length: 40 }, (_, index) => `Paragraph ${index + 1} of a long story about gradient descent.`).join('\n\n');

function lastUserText(request: ModelRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    const message = request.messages[index];
    if (message?.role === 'user') return message.content;
  }
  return '';
}

/**
 * The script: "list …" plans, then calls `shell` (which needs approval) and answers in markdown;
 * "story" streams slowly (to interrupt); compaction gets a short snapshot; anything else is echoed.
 */
function respond(request: ModelRequest, slowDelayMs: number): ScriptedTurn {
  if (request.toolChoice === 'none') return { text: '## Goal\nList the project files.\n## Done\nListed 6 files.' };
  const text = lastUserText(request);
  if (text.includes('list')) {
    if (request.messages.at(-1)?.role === 'user') {
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
  // Few, slow deltas: each delay adds an abort listener to the turn's signal.
  if (text.includes('story')) return { text: STORY, chunks: 8, delayMs: slowDelayMs };
  return { text: `You said: ${text}` };
}

/** A Runtime around a real Session, a ScriptedModel and a `shell` tool that asks for approval. */
export function createDemoRuntime(options: DemoRuntimeOptions = {}): Runtime {
  // A directory made here is removed on close; one the caller passed is the caller's.
  const madeDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'ml-intern-demo-'));
  const slowDelayMs = options.slowDelayMs ?? 400;
  const shell = defineTool({
    name: 'shell',
    description: 'Run a shell command (the demo prints a fixed listing).',
    inputSchema: z.object({ command: z.string() }),
    approval: () => ({ decision: 'ask', reason: 'shell commands can change files' }),
    summarize: (input) => `$ ${input.command}`,
    // Streams its lines as progress first, as the sandbox's bash does.
    async execute(_input, context) {
      for (const line of DEMO_LISTING.split('\n')) {
        context.log(line);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      return DEMO_LISTING;
    },
  });
  const model = new ScriptedModel({ id: 'scripted/demo', turns: (request) => respond(request, slowDelayMs) });
  const store = new JsonlSessionStore(path.join(dataDir, 'sessions'));
  const session = createSession({
    model,
    tools: [shell],
    systemPrompt: 'You are a demo.',
    interactive: true,
    compaction: { keepRecentTokens: 10 },
    store,
    dataDir: path.join(dataDir, 'scratch'),
  });
  return {
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
    close: async () => {
      try {
        await session.close();
      } finally {
        if (madeDataDir) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
