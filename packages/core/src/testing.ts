export { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
export type { ScriptedModelOptions, ScriptedResponder, ScriptedToolCall, ScriptedTurn } from './scripted-model.js';
export { runTool } from './run-tool.js';
export type { RunToolOptions, RunToolResult } from './run-tool.js';
export { temporaryDirectories, testPng } from '@ml-intern/context/testing';
export type { TemporaryDirectories } from '@ml-intern/context/testing';
export { nextEvent } from './next-event.js';
