// Helpers for tests (`@ml-intern/context/testing`); `@ml-intern/core/testing` and `@ml-intern/testing` pass them on.
export { temporaryDirectories } from './temporary-directories.js';
export type { TemporaryDirectories } from './temporary-directories.js';
export { testPng } from './test-png.js';
