#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };

// Usage errors exit 2 (SPEC section 11), not commander's default 1.
const program = new Command()
  .exitOverride()
  .name('ml-intern-headless')
  .description('Run ml-intern unattended (CI): JSONL events, a final result object, documented exit codes.')
  .version(packageJson.version, '-v, --version')
  .argument('[task...]', 'the task; "-" reads it from stdin')
  .option('--task-file <file>', 'read the task from a file')
  .option('--events <file>', 'write JSONL events to this file instead of stdout')
  .option('--policy <file>', 'JSON file with approval rules ({"rules": [...]}) or a config file with an "approval" section')
  .option('-m, --model <id>', 'model id')
  .option('--max-iterations <n>', 'model calls per task (-1 = unlimited)')
  .option('--yolo', 'approve every operation except those that always ask')
  .option('--budget-usd <usd>', 'stop auto-approving and end the run when this much is spent')
  .option('--config <file>', 'config file')
  .option('--cwd <dir>', 'workspace directory')
  .option('--resume <id>', 'resume a saved session')
  .option('--batch <file>', 'JSONL file of tasks ({"task": "...", "id"?, "cwd"?, "model"?}); one result line each')
  .option('--concurrency <n>', 'parallel sessions in batch mode', '2')
  .addHelpText(
    'after',
    '\nExit codes: 0 done, 1 error, 2 bad usage/config, 3 max iterations, 4 budget exceeded, 5 loop detected, 130 interrupted.',
  )
  .action(async (task: string[], options: Record<string, unknown>) => {
    const { runHeadless } = await import('./run-headless.js');
    process.exitCode = await runHeadless(task, options);
  });

// The reader of our output went away (`ml-intern sessions | head`): stop quietly, as a program
// killed by SIGPIPE does, instead of crashing on the write.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(141);
    throw error;
  });
}

// If the event loop empties while the run is still awaiting something, Node would exit silently
// with status 0: say so and fail instead. ('beforeExit' is not emitted for process.exit.)
let finished = false;
process.once('beforeExit', () => {
  if (finished) return;
  process.stderr.write('ml-intern-headless: internal error: the run stopped before finishing (it was waiting on an operation that can never complete). Please report this.\n');
  process.exitCode = 1;
});
program
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander has printed the problem (or the help / version) already.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`ml-intern-headless: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    finished = true;
  });
