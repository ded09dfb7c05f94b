export { ScriptedModel, runTool, textTurn, toolTurn } from '@ml-intern/core/testing';
export type { RunToolOptions, RunToolResult, ScriptedModelOptions, ScriptedToolCall, ScriptedTurn } from '@ml-intern/core/testing';
export { sendJson, startHttpFake, startSse, writeSseFrame } from './http-fake.js';
export type { FakeHandler, HttpFake, RecordedRequest } from './http-fake.js';
// fake-anthropic (providers)
// fake-openai (providers)
// fake-hub (tools-hf)
// fake-github (tools-github)
export { startFakeSlack } from './fake-slack.js';
export type { FakeSlack, FakeSlackCall, FakeSlackDownMode, FakeSlackOptions } from './fake-slack.js';
