import path from 'node:path';
import { defineTool, INTERRUPTED_TOOL, ToolExecutionError, type Tool, type ToolResult } from '@ml-intern/core';
import { z } from 'zod';
import { createLogThrottle } from './log-throttle.js';
import { DEFAULT_EXEC_OUTPUT_CHARS } from './output-collector.js';
import { canonicalRulePath, resolveWorkspacePath } from './resolve-workspace-path.js';
import type { ExecResult, Sandbox } from './sandbox.js';

/** Seconds a command may run when the model gives no `timeout` (SPEC section 3). */
export const DEFAULT_BASH_TIMEOUT_SECONDS = 120;
/** Largest `timeout` the model may ask for unless configured otherwise. */
export const DEFAULT_MAX_BASH_TIMEOUT_SECONDS = 3_600;

/** Options of the `bash` tool. */
export interface BashToolOptions {
  sandbox: Sandbox;
  /** Timeout when the model gives none (default 120 s). */
  defaultTimeoutSeconds?: number;
  /** Largest timeout the model may ask for (default 3600 s). */
  maxTimeoutSeconds?: number;
  /** Minimum time between two `tool_log` messages of streamed output (default 250 ms). */
  logIntervalMs?: number;
  /** Output characters kept in memory per call; the complete output goes to a spill file. */
  maxOutputChars?: number;
}

function bashInput(defaultSeconds: number, maxSeconds: number) {
  return z.object({
    command: z.string().min(1).describe('The shell command to run (bash -c). Chain steps with && and quote paths.'),
    description: z.string().max(200).optional().describe('Five to ten words on what the command does, shown to the user.'),
    work_dir: z.string().optional().describe('Directory to run in, relative to the workspace (default: the workspace root).'),
    timeout: z
      .number()
      .int()
      .positive()
      .max(maxSeconds)
      .optional()
      .describe(`Seconds before the command and every process it started are killed (default ${defaultSeconds}, max ${maxSeconds}).`),
  });
}

type BashInput = z.output<ReturnType<typeof bashInput>>;

function describeRuntime(sandbox: Sandbox): string {
  if (!sandbox.sandboxed) return 'Commands run directly on the host, without a sandbox; each one needs the user\'s approval.';
  return `Commands run in a ${sandbox.runtime} sandbox: the workspace (${sandbox.workspace}) is writable, the rest of the file system is read-only, HOME and /tmp are private and emptied after every call${sandbox.network ? '' : sandbox.networkMode === 'allowlist' ? ', and the network is limited to an allow-list of domains (PyPI, the Hugging Face Hub and its CDN, GitHub raw/release hosts, the PyTorch wheel index, plus sandbox.allowed_domains) through HTTPS_PROXY; the Hub is reached through HF_ENDPOINT, which adds the user\'s token (reads only), and the host\'s Hub and pip caches are mounted read-only at their host paths' : ', and there is no network access'}.`;
}

function formatDuration(milliseconds: number): string {
  return milliseconds < 1_000 ? `${milliseconds} ms` : `${(milliseconds / 1_000).toFixed(1)} s`;
}

function formatResult(result: ExecResult, timeoutSeconds: number, maxSeconds: number): ToolResult {
  const body = result.output.replace(/\n+$/, '') || '(no output)';
  const full = result.truncated
    ? ` · complete output (${result.totalChars} characters) ${result.spillPath ? `saved to ${result.spillPath}; read it with the read tool (offset/limit)` : 'was not saved'}`
    : '';
  if (result.timedOut) {
    const advice = timeoutSeconds < maxSeconds ? `raise "timeout" (up to ${maxSeconds} s), ` : '';
    return {
      output: `${body}\n[timed out after ${timeoutSeconds} s: the command and every process it started were killed${full}. Background processes do not outlive a call; ${advice}split the work into shorter steps, or run long training as an HF job.]`,
      isError: true,
    };
  }
  return { output: `${body}\n[exit code ${result.exitCode} · ${formatDuration(result.durationMs)}${full}]`, isError: result.exitCode !== 0 };
}

/**
 * The `bash` tool: runs a command in the sandbox, streams its output as `tool_log` while it runs,
 * and returns the output with the exit code and duration. Allowed without asking only when the
 * sandbox isolates the command and has no network; otherwise it asks, and says why.
 */
export function createBashTool(options: BashToolOptions): Tool<ReturnType<typeof bashInput>> {
  const { sandbox } = options;
  const maxSeconds = options.maxTimeoutSeconds ?? DEFAULT_MAX_BASH_TIMEOUT_SECONDS;
  const defaultSeconds = Math.min(options.defaultTimeoutSeconds ?? DEFAULT_BASH_TIMEOUT_SECONDS, maxSeconds);
  let warned = false;

  return defineTool({
    name: 'bash',
    description: [
      'Run a shell command and get its combined stdout/stderr, exit code and duration.',
      describeRuntime(sandbox),
      'Keep files you need in the workspace. Long outputs are cut to their head and tail, and the complete output is saved to a file you can read.',
      `Use "timeout" for long runs (default ${defaultSeconds} s); processes started in the background are killed when the command ends.`,
    ].join(' '),
    inputSchema: bashInput(defaultSeconds, maxSeconds),
    approval() {
      if (!sandbox.sandboxed) {
        return { decision: 'ask', unsandboxed: true, reason: `no sandbox (runtime ${sandbox.runtime}): the command would run directly on this machine` };
      }
      if (sandbox.network) return { decision: 'ask', reason: 'the sandbox has network access' };
      return { decision: 'allow', reason: `sandboxed (${sandbox.runtime}), no network` };
    },
    summarize(input: BashInput) {
      const firstLine = input.command.split('\n')[0] ?? '';
      const command = firstLine.length > 100 ? `${firstLine.slice(0, 97)}...` : firstLine;
      return input.description ? `bash: ${input.description} — ${command}` : `bash: ${command}`;
    },
    // The command itself is matched as given (parsed by the policy); work_dir like a file path.
    ruleInput: async (input: BashInput) => (input.work_dir === undefined ? { ...input } : { ...input, work_dir: await canonicalRulePath(sandbox, input.work_dir) }),
    timeoutMs: (input: BashInput) => ((input.timeout ?? defaultSeconds) + 30) * 1_000,
    async execute(input: BashInput, ctx) {
      if (!sandbox.sandboxed && !warned) {
        warned = true;
        ctx.log(`Not sandboxed: ${sandbox.runtime} runs commands directly on this machine.`, 'warn');
      }
      const cwd = input.work_dir ? await resolveWorkspacePath(sandbox, input.work_dir, 'read') : sandbox.workspace;
      const directory = await sandbox.stat(cwd);
      if (directory?.type !== 'directory') throw new ToolExecutionError(`work_dir ${input.work_dir} is not a directory in the workspace`);
      const timeoutSeconds = input.timeout ?? defaultSeconds;
      const throttle = createLogThrottle(ctx.log, options.logIntervalMs === undefined ? {} : { intervalMs: options.logIntervalMs });
      const safeId = ctx.toolCallId.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 120) || 'bash';
      let result: ExecResult;
      try {
        result = await sandbox.exec(input.command, {
          cwd,
          timeoutMs: timeoutSeconds * 1_000,
          signal: ctx.signal,
          onOutput: throttle.push,
          maxOutputChars: options.maxOutputChars ?? DEFAULT_EXEC_OUTPUT_CHARS,
          spillFile: path.join(ctx.session.dataDir, 'spill', `${safeId}-full-output.txt`),
        });
      } finally {
        throttle.flush();
      }
      if (result.aborted) return { output: INTERRUPTED_TOOL, isError: true };
      return formatResult(result, timeoutSeconds, maxSeconds);
    },
  });
}
