// Tests resolve workspace packages to their sources, so a change in one package is seen by the
// tests of another without a rebuild. Published builds still go through each package's exports.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/** @returns {{ find: RegExp, replacement: string }[]} */
export function workspaceAliases() {
  return [
    { find: /^@ml-intern\/(core|context)\/testing$/, replacement: path.join(root, 'packages/$1/src/testing.ts') },
    { find: /^@ml-intern\/([a-z-]+)$/, replacement: path.join(root, 'packages/$1/src/index.ts') },
  ];
}
