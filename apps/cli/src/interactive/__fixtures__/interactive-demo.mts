// The interactive front end around a real Session and a ScriptedModel, in a real terminal: the
// tmux test drives it, and it is handy for trying the UI by hand:
//   node --import tsx src/interactive/__fixtures__/interactive-demo.mts
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runInteractive } from '../run-interactive.js';
import { createDemoRuntime } from './demo-runtime.js';

const dataDir = process.env.DEMO_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'ml-intern-demo-'));
const runtime = createDemoRuntime({ dataDir, ...(process.env.DEMO_SLOW_DELAY_MS ? { slowDelayMs: Number(process.env.DEMO_SLOW_DELAY_MS) } : {}) });
const code = await runInteractive(runtime, {
  input: process.stdin,
  output: process.stdout,
  historyFile: process.env.DEMO_HISTORY_FILE ?? path.join(dataDir, 'history'),
  env: process.env,
});
process.stdout.write(`[demo exited with code ${code}]\n`);
process.exit(code);
