import { readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { EXIT_CODES, runUnattended, type RuntimeOptions } from '@ml-intern/cli/runtime';
import { stripBom } from '@ml-intern/core';

interface BatchTask {
  task: string;
  id?: string;
  cwd?: string;
  model?: string;
}

export interface BatchOptions extends Omit<RuntimeOptions, 'mode'> {
  concurrency: number;
  /** Where events go (`--events`); without it only result lines are written. */
  events?: WriteStream;
}

function parseTasks(file: string): { tasks: BatchTask[]; errors: string[] } {
  const tasks: BatchTask[] = [];
  const errors: string[] = [];
  // A UTF-8 BOM (Windows editors) and CRLF line ends are fine.
  stripBom(readFileSync(file, 'utf8'))
    .split(/\r?\n/)
    .forEach((line, index) => {
      if (!line.trim()) return;
      try {
        const value = JSON.parse(line) as BatchTask;
        if (typeof value.task !== 'string' || !value.task.trim()) throw new Error('missing "task" string');
        tasks.push(value);
      } catch (error) {
        errors.push(`${file}:${index + 1}: ${(error as Error).message}`);
      }
    });
  return { tasks, errors };
}

/**
 * Batch mode: independent sessions with bounded concurrency, one result line per task on stdout
 * (in completion order, each tagged with the task id); a failing task does not stop the others.
 * Exit code: 0 when every task is done, else the first non-zero code in task order.
 */
export async function runBatch(file: string, options: BatchOptions): Promise<number> {
  const { tasks, errors } = parseTasks(file);
  if (errors.length > 0) {
    process.stderr.write(`ml-intern-headless: invalid batch file:\n  ${errors.join('\n  ')}\n`);
    return EXIT_CODES.usage;
  }
  const { events } = options;
  const codes: number[] = new Array(tasks.length).fill(0);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index] as BatchTask;
      const id = task.id ?? String(index + 1);
      try {
        const { result, exitCode, message } = await runUnattended({
          ...options,
          mode: 'headless',
          task: task.task,
          cwd: task.cwd ? path.resolve(options.cwd, task.cwd) : options.cwd,
          flags: { ...options.flags, ...(task.model ? { model_name: task.model } : {}) },
          ...(events ? { onEvent: (event) => events.write(`${JSON.stringify({ task_id: id, ...event })}\n`) } : {}),
        });
        codes[index] = exitCode;
        process.stdout.write(`${JSON.stringify(result ? { task_id: id, ...result } : { type: 'result', task_id: id, status: 'error', error: { code: 'config_error', message } })}\n`);
      } catch (error) {
        codes[index] = EXIT_CODES.error;
        process.stdout.write(`${JSON.stringify({ type: 'result', task_id: id, status: 'error', error: { code: 'internal', message: (error as Error).message } })}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, tasks.length)) }, worker));
  if (events) await new Promise((resolve) => events.end(resolve));
  return codes.find((code) => code !== 0) ?? 0;
}
