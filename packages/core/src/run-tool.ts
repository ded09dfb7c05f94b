import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ToolStateDetails } from '@ml-intern/events';
import type { ToolLogLevel, ToolSessionInfo } from './tool.js';
import type { AnyTool } from './tool.js';
import { ToolRouter, type ToolRunResult } from './tool-router.js';

export interface RunToolOptions {
  cwd?: string;
  signal?: AbortSignal;
  session?: Partial<ToolSessionInfo>;
  maxOutputChars?: number;
  /** Called with each `tool_log` line as the tool writes it (they are also collected in `logs`). */
  onLog?: (message: string, level: ToolLogLevel) => void;
}

export interface RunToolResult extends ToolRunResult {
  /** `tool_log` lines the tool wrote. */
  logs: { message: string; level: ToolLogLevel }[];
  /** What the tool reported with `ctx.reportState` (job URL, Trackio dashboard), in order. */
  states: ToolStateDetails[];
}

/**
 * Run one tool exactly as a session would (JSON arguments validated against the schema, timeout,
 * abort, error capture, output cap), without a model. For tests of tool packages.
 */
export async function runTool(tool: AnyTool, args: Record<string, unknown> | string, options: RunToolOptions = {}): Promise<RunToolResult> {
  const router = new ToolRouter([tool], options.maxOutputChars === undefined ? {} : { maxOutputChars: options.maxOutputChars });
  const call = { type: 'tool_call' as const, id: `test_${Math.random().toString(36).slice(2, 10)}`, name: tool.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
  const prepared = router.prepare(call);
  const logs: RunToolResult['logs'] = [];
  const states: ToolStateDetails[] = [];
  if ('error' in prepared) return { output: prepared.error, isError: true, truncated: false, durationMs: 0, logs, states };
  // A data dir of its own when none is given, removed after the call.
  const ownDataDir = options.session?.dataDir === undefined ? mkdtempSync(path.join(tmpdir(), 'ml-intern-tool-')) : undefined;
  try {
    const result = await router.run(prepared, {
      signal: options.signal ?? new AbortController().signal,
      log: (message, level = 'info') => {
        logs.push({ message, level });
        options.onLog?.(message, level);
      },
      reportState: (details) => states.push(details),
      session: {
        id: 'test-session',
        cwd: options.cwd ?? process.cwd(),
        model: 'scripted/model',
        dataDir: ownDataDir ?? '',
        onInterrupt: () => () => {},
        ...options.session,
      },
    });
    return { ...result, logs, states };
  } finally {
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  }
}
