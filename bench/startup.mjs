// Cold start of the built CLI: `--version`, `--help`, and a one-shot single answer against the
// fake OpenAI server on loopback. Medians of repeated runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAI } from '@ml-intern/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'apps/cli/dist/main.js');
const RUNS = 15;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Asynchronous on purpose: the fake server lives in this process and must keep answering.
function time(args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => {
      const elapsed = performance.now() - started;
      if (status !== 0) reject(new Error(`ml-intern ${args.join(' ')} exited ${status}: ${stderr}`));
      else resolve(elapsed);
    });
  });
}

async function medianOf(args, env) {
  const times = [];
  for (let run = 0; run < RUNS; run += 1) times.push(await time(args, env));
  return median(times);
}

const home = mkdtempSync(path.join(tmpdir(), 'ml-intern-bench-'));
const baseEnv = { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), NO_COLOR: '1' };
const fake = await startFakeOpenAI({ fallbackText: 'Hello.' });
const env = { ...baseEnv, OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-bench', ML_INTERN_MODEL: 'openai/gpt-4o', ML_INTERN_SAVE_SESSIONS: 'false' };

const bare = [];
for (let run = 0; run < RUNS; run += 1) {
  const started = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push(performance.now() - started);
}
const results = {
  'node -e 0': median(bare),
  '--version': await medianOf(['--version'], env),
  '--help': await medianOf(['--help'], env),
  'one-shot answer': await medianOf(['--no-stream', 'say hello'], env),
};
await fake.close();
for (const [label, ms] of Object.entries(results)) console.log(`${label.padEnd(16)} median ${ms.toFixed(0)} ms`);
console.log('targets: --version ≤ 120 ms, one-shot single answer ≤ 300 ms');
