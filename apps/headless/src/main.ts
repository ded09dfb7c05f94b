#!/usr/bin/env node
import { Command, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { runProgram } from '@ml-intern/cli/program';

// exitOverride: runProgram maps usage errors to exit code 2.
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
  .addOption(new Option('--approval <mode>', 'unattended approvals: "auto" approves billable work (HF Jobs) within the cap (--budget-usd, else $5) and denies what must ask; "strict" denies everything that would ask').choices(['auto', 'strict']))
  .option('--config <file>', 'config file')
  .option('--cwd <dir>', 'workspace directory')
  .option('--sandbox <runtime>', 'where commands and file tools run: sandbox (bubblewrap here, the default), space[:<hardware>] (a private HF Space for this session, e.g. space:t4-small), local (unsandboxed)')
  .option('--sandbox-url <url>', 'run commands and file tools on a sandbox host (ml-intern-sandbox-host) at this URL; its token from ML_INTERN_SANDBOX_TOKEN')
  .option('--trust-project', "apply the project's .ml-intern/config.json and .env in full, as if the folder were trusted (otherwise only a folder trusted with `ml-intern trust` does)")
  .option('--resume <id>', 'resume a saved session (as a new session forked from it)')
  .option('--no-fork', "with --resume: continue that session's own log instead of forking it (refused, exit 2, while another run is using it)")
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

runProgram(program, 'ml-intern-headless');
