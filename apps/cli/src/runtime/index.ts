export { MissingCredentialsError, createModel, createRuntime, loadRuntimeConfig } from './create-runtime.js';
export { hasCredentials, noCredentialsMessage } from './credentials.js';
export { EXIT_CODES, buildResult, exitCodeOf, statusOf } from './run-result.js';
export type { RunResult, RunStatus } from './run-result.js';
export { renderSystemPrompt } from './system-prompt.js';
export type { RunMode, Runtime, RuntimeDescription, RuntimeOptions } from './runtime-types.js';
export { runUnattended } from './run-unattended.js';
export type { UnattendedOptions } from './run-unattended.js';
export { configFlags } from './config-flags.js';
