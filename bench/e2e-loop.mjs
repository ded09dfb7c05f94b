// Per-iteration cost of the whole CLI (provider, loop, sandboxed bash) and peak memory:
// one-shot runs of 20 and 100 shell-tool iterations against the fake OpenAI server's scenario mode.
// per-iteration = (t100 − t20) / 80.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAI } from '@ml-intern/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'apps/cli/dist/main.js');

function run_(command, options) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function run(iterations) {
  const fake = await startFakeOpenAI({ scenario: { tool: 'bash', arguments: (call) => ({ command: `echo iteration ${call}` }), times: iterations, finalText: 'done' } });
  const home = mkdtempSync(path.join(tmpdir(), 'ml-intern-bench-'));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: 'sk-bench',
    ML_INTERN_MODEL: 'openai/gpt-4o',
  };
  const started = performance.now();
  // Asynchronous on purpose: the fake server lives in this process and must keep answering.
  const result = await run_(['/usr/bin/time', '-f', '%M', process.execPath, cli, '--max-iterations', String(iterations + 5), '--output-format', 'json', 'loop'], { env, cwd: home });
  const elapsed = performance.now() - started;
  await fake.close();
  if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr.slice(-2000)}`);
  const parsed = JSON.parse(result.stdout.trim().split('\n').at(-1));
  const peakKb = Number(result.stderr.trim().split('\n').at(-1));
  return { elapsed, iterations: parsed.iterations, peakMb: peakKb / 1024 };
}

const runs20 = [await run(20), await run(20), await run(20)].sort((a, b) => a.elapsed - b.elapsed);
const runs100 = [await run(100), await run(100), await run(100)].sort((a, b) => a.elapsed - b.elapsed);
const t20 = runs20[1];
const t100 = runs100[1];
console.log(`20 iterations:  ${t20.elapsed.toFixed(0)} ms (model calls ${t20.iterations}), peak RSS ${t20.peakMb.toFixed(0)} MB`);
console.log(`100 iterations: ${t100.elapsed.toFixed(0)} ms (model calls ${t100.iterations}), peak RSS ${t100.peakMb.toFixed(0)} MB`);
console.log(`per iteration: ${((t100.elapsed - t20.elapsed) / 80).toFixed(1)} ms (target ≤ 12 ms with the sandbox on); peak RSS at 100 iterations ${t100.peakMb.toFixed(0)} MB (target ≤ 150 MB)`);
