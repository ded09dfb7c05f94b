import { temporaryDirectories } from '@ml-intern/testing';
import { isExecutableFile } from '../host-probe.js';
import { createLocalSandbox, type LocalSandbox, type LocalSandboxOptions } from '../local-sandbox.js';

export const hasBubblewrap = isExecutableFile('/usr/bin/bwrap');

/** Temporary directories and local sandboxes over them, removed by `cleanup()` (call it in afterEach). */
export function scratchSandboxes(prefix: string) {
  const directories = temporaryDirectories();
  const sandboxes: LocalSandbox[] = [];
  const makeDirectory = (): string => directories.make(prefix);
  return {
    makeDirectory,
    sandboxFor: (options: LocalSandboxOptions = {}) => {
      const sandbox = createLocalSandbox({ workspace: makeDirectory(), hostEnv: process.env, ...options });
      sandboxes.push(sandbox);
      return sandbox;
    },
    cleanup: async () => {
      await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
      directories.removeAll();
    },
  };
}
