// Cost of a workspace checkpoint (a shadow git repository under the session's data folder), taken
// before every approved write, edit and bash call: the target is ≤ 20 ms for a workspace of 1,000
// files when nothing changed since the last one. Also: the first snapshot, one changed file, and
// a restore of one file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGitCheckpoints } from '@ml-intern/sandbox';

const FILES = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 50);

function percentile(times, fraction) {
  const sorted = [...times].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const root = mkdtempSync(path.join(tmpdir(), 'ml-intern-bench-checkpoint-'));
try {
  const cwd = path.join(root, 'workspace');
  const dataDir = path.join(root, 'data');
  for (let index = 0; index < FILES; index += 1) {
    const directory = path.join(cwd, `module_${Math.floor(index / 50)}`);
    mkdirSync(directory, { recursive: true });
    writeFileSync(path.join(directory, `file_${index}.py`), `# file ${index}\n${'x = 1\n'.repeat(40)}`);
  }
  writeFileSync(path.join(cwd, '.gitignore'), 'outputs/\n');
  const checkpoints = createGitCheckpoints();
  const location = { cwd, dataDir };

  let started = performance.now();
  const first = await checkpoints.snapshot(location);
  const firstMs = performance.now() - started;

  const unchanged = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    started = performance.now();
    const again = await checkpoints.snapshot(location);
    unchanged.push(performance.now() - started);
    if (again.id !== first.id) throw new Error('an unchanged workspace gave a new checkpoint');
  }

  const changed = [];
  for (let round = 0; round < Math.min(ROUNDS, 20); round += 1) {
    writeFileSync(path.join(cwd, 'module_0', 'file_0.py'), `# round ${round}\n`);
    started = performance.now();
    await checkpoints.snapshot(location);
    changed.push(performance.now() - started);
  }

  started = performance.now();
  const { files } = await checkpoints.restore(location, first);
  const restoreMs = performance.now() - started;

  const median = (times) => percentile(times, 0.5).toFixed(1);
  console.log(`workspace: ${FILES} files; ${ROUNDS} rounds`);
  console.log(`first snapshot:            ${firstMs.toFixed(1)} ms`);
  console.log(`unchanged (target ≤ 20 ms): median ${median(unchanged)} ms, p90 ${percentile(unchanged, 0.9).toFixed(1)} ms`);
  console.log(`one file changed:          median ${median(changed)} ms, p90 ${percentile(changed, 0.9).toFixed(1)} ms`);
  console.log(`restore (${files.length} file):         ${restoreMs.toFixed(1)} ms`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
