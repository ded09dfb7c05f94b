import { MlInternError } from '@ml-intern/core';
import type { AgentEvent } from '@ml-intern/events';
import { imageAttachments } from '../interactive/image-attachments.js';
import { createRuntime } from './create-runtime.js';
import { EXIT_CODES, buildResult, exitCodeOf, type RunResult } from './run-result.js';
import type { RuntimeOptions } from './runtime-types.js';

export interface UnattendedOptions extends Omit<RuntimeOptions, 'mode'> {
  mode?: 'oneshot' | 'headless';
  task: string;
  /** Every event, as it happens (JSONL writers, renderers). */
  onEvent?: (event: AgentEvent) => void;
  /** Aborting interrupts the run (SIGINT). */
  signal?: AbortSignal;
}

/**
 * Run one task to completion with the unattended approval policy (or `askApprovals`) and return the result object
 * and exit code. Config problems become exit code 2 with a clear message, never a stack trace.
 */
export async function runUnattended(options: UnattendedOptions): Promise<{ result: RunResult | undefined; exitCode: number; message?: string }> {
  const startedAt = Date.now();
  let runtime;
  try {
    runtime = await createRuntime({ ...options, mode: options.mode ?? 'headless' });
  } catch (error) {
    if (MlInternError.isInstance(error)) return { result: undefined, exitCode: EXIT_CODES.usage, message: (error as Error).message };
    throw error;
  }
  const { session } = runtime;
  const ask = options.askApprovals;
  const offApprovals = ask
    ? session.subscribe((event) => {
        if (event.type !== 'approval_required') return;
        void ask(event.tools).then(
          (decisions) => session.submit(decisions ? { type: 'exec_approval', decisions } : { type: 'interrupt' }),
          () => session.submit({ type: 'interrupt' }),
        );
      })
    : undefined;
  const interrupt = () => session.submit({ type: 'interrupt' });
  options.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    // `@plot.png` in the task attaches the image, as in the interactive chat.
    const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
    const attachments = await imageAttachments(options.task, options.cwd);
    for (const line of [...attachments.attached, ...attachments.problems]) warn(`ml-intern: ${line}`);
    if (attachments.images.length > 0 && !session.model.info.imageInput) warn(`ml-intern: ${session.model.id} does not accept images: it gets a note in their place.`);
    const outcome = await session.run(options.task, attachments.images.length > 0 ? { images: attachments.images } : {});
    const result = buildResult(session, outcome, startedAt);
    return { result, exitCode: exitCodeOf(result.status) };
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
    offApprovals?.();
    await runtime.close();
  }
}
