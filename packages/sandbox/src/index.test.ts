import { describe, expect, it } from 'vitest';
import * as sandbox from './index.js';

describe('@ml-intern/sandbox exports', () => {
  it('exposes exactly the public API', () => {
    expect(Object.keys(sandbox).sort()).toEqual([
      'DEFAULT_ALLOWED_DOMAINS',
      'DEFAULT_BASH_TIMEOUT_SECONDS',
      'DEFAULT_CHECKPOINT_EXCLUDES',
      'DEFAULT_ENVIRONMENT_ALLOW_LIST',
      'DEFAULT_EXEC_TIMEOUT_MS',
      'DEFAULT_MAX_BASH_TIMEOUT_SECONDS',
      'GPU_SLEEP_TIME_SECONDS',
      'SANDBOX_SPACE_PREFIX',
      'SPACE_DOCKERFILE',
      'SPACE_HARDWARE',
      'SPACE_HOST_PATH',
      'SPACE_PORT',
      'SPACE_README',
      'SPACE_WORKSPACE',
      'applyEdit',
      'buildBubblewrapArguments',
      'checkpointRepository',
      'createBashTool',
      'createEditTool',
      'createGitCheckpoints',
      'createLocalSandbox',
      'createReadTool',
      'createReadTracker',
      'createRemoteSandbox',
      'createSandboxCreateTool',
      'createSpaceLeaseStore',
      'createSpaceSandbox',
      'createSpaceSandboxManager',
      'createSwitchableSandbox',
      'createWriteTool',
      'deleteSpaceSandbox',
      'domainMatcher',
      'downscaleFactor',
      'fitImage',
      'listSandboxSpaces',
      'parseNvidiaSmiOutput',
      'resolveWorkspacePath',
      'sandboxTools',
      'selectNvidiaDevices',
      'spaceRuntime',
      'spaceSandboxFiles',
      'spaceSubdomain',
      'spaceUrl',
      'startEgress',
      'stripAnsi',
    ]);
  });

  it('bundles the four tools with the names the model knows', () => {
    const tools = sandbox.sandboxTools({ sandbox: sandbox.createLocalSandbox({ workspace: process.cwd(), bwrapPath: '/nonexistent/bwrap' }) });
    expect(tools.map((tool) => tool.name)).toEqual(['bash', 'read', 'write', 'edit']);
    expect(tools.map((tool) => tool.readOnly === true)).toEqual([false, true, false, false]);
  });
});
