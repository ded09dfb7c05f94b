import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Temporary directories of one test file: `make(prefix)` creates one; `removeAll()` (in `afterEach`) deletes them all. */
export interface TemporaryDirectories {
  make(prefix: string): string;
  removeAll(): void;
}

export function temporaryDirectories(): TemporaryDirectories {
  const made: string[] = [];
  return {
    make(prefix) {
      const directory = mkdtempSync(path.join(tmpdir(), prefix));
      made.push(directory);
      return directory;
    },
    removeAll() {
      for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
    },
  };
}
