// Cold start of the built CLI: `--version`, `--help`, and a one-shot single answer against the
// fake OpenAI server on loopback. Medians of repeated runs.
import { spawnSync } from 'node:child_process';
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

function time(args, env) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`ml-intern ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
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
  '--version': median(Array.from({ length: RUNS }, () => time(['--version'], env))),
  '--help': median(Array.from({ length: RUNS }, () => time(['--help'], env))),
  'one-shot answer': median(Array.from({ length: RUNS }, () => time(['--no-stream', 'say hello'], env))),
};
await fake.close();
for (const [label, ms] of Object.entries(results)) console.log(`${label.padEnd(16)} median ${ms.toFixed(0)} ms`);
console.log('targets: --version ≤ 120 ms, one-shot single answer ≤ 300 ms');
