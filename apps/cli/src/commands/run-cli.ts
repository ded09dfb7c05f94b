import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, MlInternError } from '@ml-intern/core';
import { MissingCredentialsError, createRuntime, hasCredentials, loadRuntimeConfig } from '../runtime/index.js';
import { runOneShot } from './one-shot.js';

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const readline = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await readline.question(question)).trim());
  } finally {
    readline.close();
  }
}

function readPrompt(words: string[]): string | undefined {
  if (words.length === 0) return undefined;
  if (words.length === 1 && words[0] === '-') return readFileSync(0, 'utf8').trim();
  return words.join(' ');
}

/** `ml-intern [prompt]`: one-shot with a prompt, otherwise the interactive chat. */
export async function runCli(words: string[], options: Record<string, unknown>, flags: Record<string, unknown>): Promise<number> {
  const cwd = path.resolve(typeof options.cwd === 'string' ? options.cwd : process.cwd());
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`ml-intern: --cwd ${cwd} is not a directory\n`);
    return 2;
  }
  const resume = options.last === true ? 'last' : typeof options.resume === 'string' ? options.resume : undefined;
  if (options.fork === false && !resume) {
    process.stderr.write('ml-intern: --no-fork only applies with --resume <id> or --last\n');
    return 2;
  }
  const common = {
    cwd,
    env: process.env,
    flags,
    ...(typeof options.config === 'string' ? { configFile: options.config } : {}),
    ...(resume ? { resume } : {}),
    ...(resume && options.fork === false ? { noFork: true } : {}),
    ...(options.trustProject === true ? { trustProject: true } : {}),
  };
  let prompt: string | undefined;
  try {
    prompt = readPrompt(words);
  } catch (error) {
    process.stderr.write(`ml-intern: cannot read the prompt from stdin: ${(error as Error).message}\n`);
    return 2;
  }
  if (prompt !== undefined) {
    if (!prompt) {
      process.stderr.write('ml-intern: the prompt is empty\n');
      return 2;
    }
    return runOneShot(prompt, { ...common, stream: options.stream !== false, format: (options.outputFormat as 'text' | 'json' | 'stream-json') ?? 'text' });
  }
  // Ask whether to trust the project's own settings before anything is loaded from them.
  if (options.trustProject !== true) {
    try {
      const { askProjectTrust } = await import('../interactive/trust-prompt.js');
      if (await askProjectTrust({ cwd, env: process.env, input: process.stdin, output: process.stdout })) Object.assign(common, { trustProject: true });
    } catch (error) {
      // A broken trust store or project config is reported by createRuntime below, with its exit code.
      if (!ConfigError.isInstance(error)) throw error;
    }
  }
  // Ask for a missing HF token before composing the runtime, so this session's Hub tools get it —
  // but only once a model is usable (or the model itself needs the token).
  try {
    const { env, loaded } = loadRuntimeConfig({ ...common, mode: 'interactive' });
    const modelId = loaded.config.model_name;
    if (modelId.startsWith('huggingface/') || hasCredentials(modelId, env, undefined)) {
      const { promptForHfToken } = await import('../interactive/hf-token-prompt.js');
      await promptForHfToken({ input: process.stdin, output: process.stdout, env });
    }
  } catch {
    // Config problems are reported by createRuntime below, with their exit code.
  }
  let runtime;
  try {
    // Sandbox Spaces an earlier run left behind are deleted after asking (unattended runs delete them at once).
    const { orphanSandboxPrompt } = await import('../interactive/orphan-sandbox-prompt.js');
    runtime = await createRuntime({ ...common, mode: 'interactive', confirmOrphanSandboxes: orphanSandboxPrompt({ input: process.stdin, output: process.stdout, env: process.env }) });
  } catch (error) {
    if (error instanceof MissingCredentialsError) {
      process.stderr.write(`${error.message}\n`);
      if (process.stdin.isTTY && process.stdout.isTTY && (await confirm('\nRun the offline demo now? [y/N] '))) {
        const { runDemo } = await import('./demo.js');
        return runDemo({});
      }
      return 2;
    }
    if (MlInternError.isInstance(error)) {
      process.stderr.write(`ml-intern: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  const [{ runInteractive }, { defaultHistoryFile }] = await Promise.all([import('../interactive/run-interactive.js'), import('./paths.js')]);
  return runInteractive(runtime, { input: process.stdin, output: process.stdout, historyFile: defaultHistoryFile(process.env), askHfToken: false });
}
