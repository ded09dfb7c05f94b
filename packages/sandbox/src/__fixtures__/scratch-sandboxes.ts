import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isExecutableFile } from '../host-probe.js';
import { createLocalSandbox, type LocalSandboxOptions } from '../local-sandbox.js';

export const hasBubblewrap = isExecutableFile('/usr/bin/bwrap');

/** Temporary directories and local sandboxes over them, removed by `cleanup()` (call it in afterEach). */
export function scratchSandboxes(prefix: string) {
  const directories: string[] = [];
  const makeDirectory = (): string => {
    const directory = mkdtempSync(path.join(tmpdir(), prefix));
    directories.push(directory);
    return directory;
  };
  return {
    makeDirectory,
    sandboxFor: (options: LocalSandboxOptions = {}) => createLocalSandbox({ workspace: makeDirectory(), hostEnv: process.env, ...options }),
    cleanup: () => {
      for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
    },
  };
}
