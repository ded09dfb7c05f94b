import type { AnyTool } from '@ml-intern/core';
import { createBashTool, type BashToolOptions } from './bash-tool.js';
import { createEditTool } from './edit-tool.js';
import { createReadTool } from './read-tool.js';
import { createReadTracker, type ReadTracker } from './read-tracker.js';
import type { WorkspacePathPolicy } from './resolve-workspace-path.js';
import type { Sandbox } from './sandbox.js';
import { createWriteTool } from './write-tool.js';

/** Options of the four-tool bundle: the sandbox, path policy, bash limits, and an optional shared tracker. */
export interface SandboxToolsOptions extends WorkspacePathPolicy, Omit<BashToolOptions, 'sandbox'> {
  sandbox: Sandbox;
  /** Read-before-write memory; a new one per call by default, i.e. one per session. */
  tracker?: ReadTracker;
}

/** The four workspace tools on one sandbox: `bash`, `read`, `write`, `edit`. */
export function sandboxTools(options: SandboxToolsOptions): AnyTool[] {
  const tracker = options.tracker ?? createReadTracker();
  const fileOptions = { ...options, tracker };
  return [createBashTool(options), createReadTool(fileOptions), createWriteTool(fileOptions), createEditTool(fileOptions)];
}
