import type { Sandbox } from './sandbox.js';

/**
 * One sandbox the four workspace tools are built on, whose target can change during the session:
 * `sandbox_create` moves `bash`/`read`/`write`/`edit` from the local sandbox to a Space, and
 * tearing the Space down moves them back. Every property is read at call time.
 */
export interface SwitchableSandbox extends Sandbox {
  /** The sandbox calls go to now. */
  readonly current: Sandbox;
  /** Send every later call to `next`; returns the previous target. */
  switchTo(next: Sandbox): Sandbox;
  /** Back to the sandbox the session started with. */
  restore(): void;
}

export function createSwitchableSandbox(initial: Sandbox): SwitchableSandbox {
  let current = initial;
  const switchable: SwitchableSandbox = {
    get current() {
      return current;
    },
    get workspace() {
      return current.workspace;
    },
    get runtime() {
      return current.runtime;
    },
    get sandboxed() {
      return current.sandboxed;
    },
    get network() {
      return current.network;
    },
    get networkMode() {
      return current.networkMode;
    },
    exec: (command, options) => current.exec(command, options),
    readFile: (path) => current.readFile(path),
    writeFile: (path, data) => current.writeFile(path, data),
    stat: (path) => current.stat(path),
    realpath: (path) => current.realpath(path),
    describe: () => current.describe(),
    switchTo(next) {
      const previous = current;
      current = next;
      return previous;
    },
    restore() {
      current = initial;
    },
    // The session's own sandbox ends with the session; a Space is ended by whoever created it.
    close: async () => {
      await initial.close?.();
    },
  };
  // Optional capabilities exist only while the current target has them.
  Object.defineProperty(switchable, 'readFileRange', {
    enumerable: true,
    get: () => (current.readFileRange ? (path: string, start: number, length: number) => current.readFileRange?.(path, start, length) as Promise<Uint8Array> : undefined),
  });
  Object.defineProperty(switchable, 'writeFileNoFollow', {
    enumerable: true,
    get: () => (current.writeFileNoFollow ? (root: string, relative: string, data: Uint8Array | string) => current.writeFileNoFollow?.(root, relative, data) as Promise<void> : undefined),
  });
  return switchable;
}
