import { createWriteStream, existsSync, openSync, readFileSync, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { EXIT_CODES, configFlags, interruptOnSignals, runUnattended, type RunResult } from '@ml-intern/cli/runtime';
import { stripBom } from '@ml-intern/core';
import type { AgentEvent } from '@ml-intern/events';
import { runBatch } from './run-batch.js';

/**
 * The `--events` file, opened now so a bad path is a usage error before any work starts. A write
 * that fails later (disk full) is reported once; the run goes on.
 */
function openEventsFile(file: string): WriteStream {
  const stream = createWriteStream(file, { fd: openSync(file, 'a') });
  let reported = false;
  stream.on('error', (error) => {
    if (!reported) process.stderr.write(`ml-intern-headless: cannot write events to ${file}: ${error.message}; later events are lost\n`);
    reported = true;
  });
  return stream;
}

function fail(message: string): number {
  process.stderr.write(`ml-intern-headless: ${message}\n`);
  return EXIT_CODES.usage;
}

function readTask(words: string[], taskFile: unknown): string {
  if (typeof taskFile === 'string') return readFileSync(taskFile, 'utf8').trim();
  if (words.length === 1 && words[0] === '-') return readFileSync(0, 'utf8').trim();
  return words.join(' ').trim();
}

/** `--policy <file>`: approval rules, as `{ "rules": [...] }` or a config with an `approval` section. */
export function policyFlags(file: string): Record<string, unknown> {
  const value = JSON.parse(stripBom(readFileSync(file, 'utf8'))) as Record<string, unknown>;
  const approval = (value.approval as Record<string, unknown> | undefined) ?? value;
  if (!Array.isArray(approval.rules)) throw new Error(`${file}: expected {"rules": [...]} or {"approval": {"rules": [...]}}`);
  return { approval: { rules: approval.rules } };
}

export function flagsFrom(options: Record<string, unknown>): Record<string, unknown> {
  const flags = configFlags(options);
  if (typeof options.policy === 'string') flags.approval = { ...(flags.approval as Record<string, unknown> | undefined), ...(policyFlags(options.policy).approval as Record<string, unknown>) };
  return flags;
}

/** Run one task (or a batch), writing JSONL events and the result object; returns the exit code. */
export async function runHeadless(words: string[], options: Record<string, unknown>): Promise<number> {
  let flags: Record<string, unknown>;
  try {
    flags = flagsFrom(options);
  } catch (error) {
    return fail(`cannot read --policy: ${(error as Error).message}`);
  }
  for (const [name, value] of Object.entries({ 'max-iterations': flags.max_iterations, 'budget-usd': flags.budget_usd })) {
    if (value !== undefined && !Number.isFinite(value)) return fail(`--${name} must be a number`);
  }
  if (options.fork === false && typeof options.resume !== 'string') return fail('--no-fork only applies with --resume <id>');
  const cwd = path.resolve(typeof options.cwd === 'string' ? options.cwd : process.cwd());
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) return fail(`--cwd ${cwd} is not a directory`);
  const base = {
    cwd,
    env: process.env,
    flags,
    ...(typeof options.config === 'string' ? { configFile: options.config } : {}),
    ...(options.trustProject === true ? { trustProject: true } : {}),
  };
  let events: WriteStream | undefined;
  if (typeof options.events === 'string') {
    try {
      events = openEventsFile(options.events);
    } catch (error) {
      return fail(`cannot write the events file: ${(error as Error).message}`);
    }
  }
  if (typeof options.batch === 'string') {
    if (!existsSync(options.batch)) return fail(`batch file ${options.batch} does not exist`);
    const concurrency = Number(options.concurrency ?? 2);
    if (!Number.isInteger(concurrency) || concurrency < 1) return fail(`--concurrency must be a whole number of at least 1, found "${String(options.concurrency)}"`);
    return runBatch(options.batch, { ...base, concurrency, ...(events ? { events } : {}) });
  }
  let task: string;
  try {
    task = readTask(words, options.taskFile);
  } catch (error) {
    return fail(`cannot read the task: ${(error as Error).message}`);
  }
  if (!task) return fail('no task given: pass it as an argument, with --task-file, or on stdin with "-"');

  const write = (line: string) => (events ? events.write(line) : process.stdout.write(line));
  const interrupt = interruptOnSignals();
  try {
    const { result, exitCode, message } = await runUnattended({
      ...base,
      mode: 'headless',
      task,
      signal: interrupt.signal,
      ...(typeof options.resume === 'string' ? { resume: options.resume, ...(options.fork === false ? { noFork: true } : {}) } : {}),
      onEvent: (event: AgentEvent) => write(`${JSON.stringify(event)}\n`),
    });
    if (!result) return fail(message ?? 'could not start');
    const line = `${JSON.stringify(result satisfies RunResult)}\n`;
    process.stdout.write(line);
    if (events) events.write(line);
    return exitCode;
  } finally {
    interrupt.dispose();
    if (events) await new Promise((resolve) => events?.end(resolve));
  }
}
