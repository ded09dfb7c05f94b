import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isExecutableFile } from '../host-probe.js';
import { createLocalSandbox, type LocalSandbox, type LocalSandboxOptions } from '../local-sandbox.js';

export const hasBubblewrap = isExecutableFile('/usr/bin/bwrap');

/** Temporary directories and local sandboxes over them, removed by `cleanup()` (call it in afterEach). */
export function scratchSandboxes(prefix: string) {
  const directories: string[] = [];
  const sandboxes: LocalSandbox[] = [];
  const makeDirectory = (): string => {
    const directory = mkdtempSync(path.join(tmpdir(), prefix));
    directories.push(directory);
    return directory;
  };
  return {
    makeDirectory,
    sandboxFor: (options: LocalSandboxOptions = {}) => {
      const sandbox = createLocalSandbox({ workspace: makeDirectory(), hostEnv: process.env, ...options });
      sandboxes.push(sandbox);
      return sandbox;
    },
    cleanup: async () => {
      const closing = sandboxes.splice(0);
      const removing = directories.splice(0);
      await Promise.all(closing.map((sandbox) => sandbox.close()));
      for (const directory of removing) rmSync(directory, { recursive: true, force: true });
    },
  };
}
