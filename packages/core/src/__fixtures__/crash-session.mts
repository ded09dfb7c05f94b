// Runs a session whose tool never returns, so a test can kill the process mid-turn.
import { JsonlSessionStore } from '@ml-intern/context';
import { z } from 'zod';
import { createSession, defineTool } from '../index.js';
import { ScriptedModel } from '../testing.js';

const dir = process.argv[2] ?? '.';
const train = defineTool({ name: 'train', description: 'never returns', inputSchema: z.object({ epochs: z.number() }), execute: () => new Promise<string>(() => {}) });
const session = createSession({
  id: 'crash-test',
  model: new ScriptedModel({ turns: [{ text: 'starting training', toolCalls: [{ name: 'train', arguments: { epochs: 3 } }] }] }),
  tools: [train],
  store: new JsonlSessionStore(dir),
});
session.subscribe((event) => {
  if (event.type === 'tool_state_change' && event.state === 'running') console.log('RUNNING');
});
session.submit({ type: 'user_input', text: 'train the model' });
