// Cost of sandboxing one command: median wall time of `true` run through the local sandbox (one
// sandbox host per session inside bubblewrap; each command is its child, `bash -c`) versus a
// plain spawn of `bash -c true`, plus host start, bare bubblewrap, a whole bash tool call, file
// tool calls on a 100 KB file, and output throughput with caps and redaction on. The tasks run
// interleaved, round after round, so a change in machine load affects all of them alike.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { runTool } from '@ml-intern/core/testing';
import { createRedactor } from '@ml-intern/context';
import { createLocalSandbox, sandboxTools } from '@ml-intern/sandbox';

const ROUNDS = Number(process.argv[2] ?? 40);

function spawnAndWait(file, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

function percentile(times, fraction) {
  const sorted = [...times].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const workspace = mkdtempSync(path.join(tmpdir(), 'ml-intern-bench-sandbox-'));
try {
  const redact = createRedactor({ secrets: ['hf_benchmarksecretvalue0123456789'] });
  const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, redact });
  const networked = createLocalSandbox({ workspace, hostEnv: process.env, network: true });
  const description = await sandbox.describe();
  const hostStarts = [];
  for (let round = 0; round < 5; round += 1) {
    const probe = createLocalSandbox({ workspace, hostEnv: process.env, python: false });
    await probe.describe();
    const started = performance.now();
    await probe.start();
    hostStarts.push(performance.now() - started);
    await probe.close();
  }
  await sandbox.start();
  await networked.start();
  const [bash, read, write, edit] = sandboxTools({ sandbox });
  const dataDir = path.join(workspace, '.data');
  const context = { cwd: workspace, session: { dataDir } };
  const bigText = Array.from({ length: 2_000 }, (_, index) => `line ${index} ${'x'.repeat(40)}`).join('\n');
  await runTool(write, { path: 'big.txt', content: bigText }, context);
  console.log(`runtime ${description.runtime}, network ${description.network}, user: ${description.user}`);
  console.log(`limits ${JSON.stringify(description.limits)}${description.warnings.length ? `, warnings: ${description.warnings.join(' | ')}` : ''}`);

  const tasks = {
    'plain spawn of /bin/true': () => spawnAndWait('/bin/true'),
    'plain spawn of bash -c true': () => spawnAndWait('/bin/bash', ['-c', 'true']),
    'bare bwrap --unshare-all … true': () =>
      spawnAndWait('/usr/bin/bwrap', ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--', '/bin/true']),
    'sandbox.exec("true"), network off': async () => {
      const result = await sandbox.exec('true');
      if (result.exitCode !== 0) throw new Error(`sandboxed true failed: ${result.output}`);
    },
    'sandbox.exec("true"), network on': () => networked.exec('true'),
    'bash tool call via runTool': () => runTool(bash, { command: 'true' }, context),
    'read tool, 100 KB file': () => runTool(read, { path: 'big.txt' }, context),
    'edit tool, 100 KB file': async () => {
      await runTool(read, { path: 'big.txt' }, context);
      await runTool(edit, { path: 'big.txt', old_string: 'line 7 ', new_string: 'line 7 ' }, context);
    },
  };
  const times = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
  for (let round = -3; round < ROUNDS; round += 1) {
    for (const [name, task] of Object.entries(tasks)) {
      const started = performance.now();
      await task();
      if (round >= 0) times[name].push(performance.now() - started);
    }
  }
  console.log(`${ROUNDS} interleaved rounds; load average ${loadavg().map((value) => value.toFixed(2)).join(' ')} (2-core machine shared with other work)\n`);
  const medians = {};
  for (const [name, samples] of Object.entries(times)) {
    medians[name] = percentile(samples, 0.5);
    console.log(`${name.padEnd(36)} median ${medians[name].toFixed(1).padStart(6)} ms   p90 ${percentile(samples, 0.9).toFixed(1).padStart(6)} ms`);
  }
  const plain = medians['plain spawn of bash -c true'];
  const sandboxed = medians['sandbox.exec("true"), network off'];
  console.log(`\nhost start (bubblewrap + node, once per session, off the critical path): median ${percentile(hostStarts, 0.5).toFixed(0)} ms (target ≤ 150 ms)`);
  console.log(`bubblewrap alone (namespaces incl. a new network namespace): +${(medians['bare bwrap --unshare-all … true'] - medians['plain spawn of /bin/true']).toFixed(1)} ms`);
  console.log(`sandbox overhead per call: ${(sandboxed - plain >= 0 ? '+' : '')}${(sandboxed - plain).toFixed(1)} ms over a plain spawn of bash -c true (target ≤ 3 ms)`);

  // Output: seq 1 10000000 (78.9 MB) with the head/tail cap, a 64 MiB spill file and redaction on.
  const spillFile = path.join(workspace, 'spill.txt');
  const streaming = [];
  for (let round = 0; round < 3; round += 1) {
    const started = performance.now();
    const result = await sandbox.exec('seq 1 10000000', { spillFile, maxOutputChars: 200_000, onOutput: () => {} });
    streaming.push({ ms: performance.now() - started, chars: result.totalChars });
  }
  const streamed = streaming.sort((left, right) => left.ms - right.ms)[1];
  console.log(`seq 1 10000000 through sandbox.exec (cap, spill, redaction): median ${streamed.ms.toFixed(0)} ms for ${(streamed.chars / 1e6).toFixed(1)} MB (${(streamed.chars / 1e6 / (streamed.ms / 1000)).toFixed(0)} MB/s; target ≥ 50 MB/s)`);
  await sandbox.close();
  await networked.close();
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
