import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ToolContext } from '@ml-intern/core';
import { runTool } from '@ml-intern/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createBashTool } from './bash-tool.js';
import { createLocalSandbox, type LocalSandboxOptions } from './local-sandbox.js';
import { temporaryDirectories } from '@ml-intern/testing';

const directories = temporaryDirectories();

const temporaryDirectory = directories.make;

function bashFor(options: LocalSandboxOptions = {}, toolOptions: { maxTimeoutSeconds?: number } = {}) {
  const sandbox = createLocalSandbox({ workspace: temporaryDirectory('ml-intern-bash-'), hostEnv: process.env, ...options });
  return { sandbox, bash: createBashTool({ sandbox, ...toolOptions }), dataDir: temporaryDirectory('ml-intern-data-') };
}

afterEach(() => {
  directories.removeAll();
});

describe('bash tool', () => {
  it('reports output, exit code and duration; a failing command is an error result', async () => {
    const { bash, dataDir } = bashFor();
    const ok = await runTool(bash, { command: 'echo hello' }, { session: { dataDir } });
    expect(ok.isError).toBe(false);
    expect(ok.output).toMatch(/^hello\n\[exit code 0 · \d+(\.\d)? m?s\]$/);
    const failed = await runTool(bash, { command: 'echo oops >&2; exit 3' }, { session: { dataDir } });
    expect(failed.isError).toBe(true);
    expect(failed.output).toMatch(/^oops\n\[exit code 3 · /);
  });

  it('strips ANSI codes and collapses progress-bar redraws', async () => {
    const { bash, dataDir } = bashFor();
    const result = await runTool(bash, { command: "printf '\\033[1;31mred\\033[0m text\\n'; printf '10%%\\r50%%\\r100%%\\n'" }, { session: { dataDir } });
    expect(result.output).toContain('red text\n100%\n');
    expect(result.output).not.toContain('\u001b');
  });

  it('caps a huge output to head and tail and saves the complete output to a file', async () => {
    const { bash, dataDir } = bashFor();
    const result = await runTool(bash, { command: 'seq 1 300000' }, { session: { dataDir } });
    expect(result.truncated).toBe(true);
    expect(result.output.length).toBeLessThan(26_000);
    expect(result.output.startsWith('1\n2\n3\n')).toBe(true);
    expect(result.output).toContain('300000\n[exit code 0');
    const full = /complete output \((\d+) characters\) saved to (\S+);/.exec(result.output);
    expect(full?.[1]).toBe(String(readFileSync(full?.[2] ?? '', 'utf8').length));
    const complete = readFileSync(full?.[2] ?? '', 'utf8').split('\n');
    expect(complete).toHaveLength(300_001);
    expect(complete[149_999]).toBe('150000');
    // The router's own spill holds what the model was given before its final cap.
    expect(result.spillPath && existsSync(result.spillPath)).toBe(true);
  });

  it('streams output as tool_log while the command is still running', async () => {
    const { sandbox, bash } = bashFor();
    const logs: string[] = [];
    const controller = new AbortController();
    // The command waits for a file the test creates only after seeing the first line in the log:
    // without streaming it would wait until its timeout.
    const context: ToolContext = {
      signal: controller.signal,
      toolCallId: 'call_stream',
      log: (message) => {
        logs.push(message);
        if (message.includes('waiting')) {
          void sandbox.writeFile(path.join(sandbox.workspace, 'go'), 'now');
        }
      },
      session: { id: 's', cwd: sandbox.workspace, model: 'm', dataDir: temporaryDirectory('ml-intern-data-'), onInterrupt: () => () => {} },
    };
    const result = await bash.execute({ command: 'echo waiting; while [ ! -f go ]; do sleep 0.05; done; echo done', timeout: 20 }, context);
    expect(typeof result === 'string' ? result : result.output).toMatch(/^waiting\ndone\n\[exit code 0/);
    expect(logs.join('\n')).toContain('done');
  });

  it('kills the command at the timeout the model asked for and says what to do', async () => {
    const { bash, dataDir } = bashFor();
    const result = await runTool(bash, { command: 'echo begun; sleep 30', timeout: 1 }, { session: { dataDir } });
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/^begun\n\[timed out after 1 s: the command and every process it started were killed/);
    expect(result.output).toContain('raise "timeout" (up to 3600 s)');
  });

  it('rejects a timeout above the configured maximum', async () => {
    const { bash, dataDir } = bashFor({}, { maxTimeoutSeconds: 60 });
    const result = await runTool(bash, { command: 'true', timeout: 61 }, { session: { dataDir } });
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/Invalid arguments for bash: .*timeout/);
  });

  it('stops promptly when the session is interrupted', async () => {
    const { bash, dataDir } = bashFor();
    const controller = new AbortController();
    const pending = runTool(bash, { command: 'sleep 30' }, { signal: controller.signal, session: { dataDir } });
    setTimeout(() => controller.abort(), 300);
    const result = await pending;
    expect(result).toMatchObject({ isError: true, output: 'Not completed (interrupted): the user stopped this tool call.' });
  });

  it('runs in work_dir and refuses one outside the workspace', async () => {
    const { sandbox, bash, dataDir } = bashFor();
    await sandbox.writeFile(path.join(sandbox.workspace, 'sub', 'marker.txt'), 'x');
    const inside = await runTool(bash, { command: 'ls', work_dir: 'sub' }, { session: { dataDir } });
    expect(inside.output).toContain('marker.txt');
    const outside = await runTool(bash, { command: 'ls', work_dir: '../' }, { session: { dataDir } });
    expect(outside).toMatchObject({ isError: true });
    expect(outside.output).toContain('outside the workspace');
  });

  it('allows sandboxed commands without network, asks otherwise and says why', () => {
    const command = { command: 'ls' };
    if (existsSync('/usr/bin/bwrap')) {
      expect(bashFor().bash.approval?.(command)).toMatchObject({ decision: 'allow' });
      expect(bashFor({ network: true }).bash.approval?.(command)).toMatchObject({ decision: 'ask', reason: 'the sandbox has network access' });
    }
    const unsandboxed = bashFor({ bwrapPath: '/nonexistent/bwrap' }).bash;
    expect(unsandboxed.approval?.(command)).toMatchObject({ decision: 'ask', reason: expect.stringContaining('no sandbox') });
    expect(unsandboxed.description).toContain('without a sandbox');
    expect(bashFor({ isolation: 'none' }).bash.approval?.(command)).toMatchObject({ decision: 'ask', reason: expect.stringContaining('no sandbox') });
  });

  it('warns once in the log when commands run unsandboxed', async () => {
    const { bash, dataDir } = bashFor({ bwrapPath: '/nonexistent/bwrap' });
    const first = await runTool(bash, { command: 'true' }, { session: { dataDir } });
    const second = await runTool(bash, { command: 'true' }, { session: { dataDir } });
    expect(first.logs).toEqual([{ level: 'warn', message: expect.stringContaining('Not sandboxed') }]);
    expect(second.logs).toEqual([]);
  });
});
