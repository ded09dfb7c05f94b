export { ScriptedModel, runTool, textTurn, toolTurn } from '@ml-intern/core/testing';
export type { RunToolOptions, RunToolResult, ScriptedModelOptions, ScriptedToolCall, ScriptedTurn } from '@ml-intern/core/testing';
export { sendJson, startHttpFake, startSse, writeSseFrame } from './http-fake.js';
export type { FakeHandler, HttpFake, RecordedRequest } from './http-fake.js';
export { startFakeAnthropic } from './fake-anthropic.js';
export type { FakeAnthropic, FakeAnthropicOptions } from './fake-anthropic.js';
export { anthropicScript } from './anthropic-script.js';
export type {
  AnthropicBlockScript,
  AnthropicFailureScript,
  AnthropicScenario,
  AnthropicScriptResponder,
  AnthropicScriptStep,
  AnthropicStepContext,
  AnthropicStopReason,
  AnthropicUsageScript,
} from './anthropic-script.js';
export { signThinking } from './validate-anthropic-request.js';
export { startFakeOpenAI } from './fake-openai.js';
export { startFakeProxy } from './fake-proxy.js';
export type { FakeProxy, FakeProxyOptions, FakeProxyRequest } from './fake-proxy.js';
export { checkLocalWindow, localMetadata, localOverflowError } from './fake-local-servers.js';
export type { FakeLocalServer, LocalServerAnswer, LocalServerKind } from './fake-local-servers.js';
export type { FakeOpenAI, FakeOpenAIOptions } from './fake-openai.js';
export type {
  OpenAIFailure,
  OpenAIScenario,
  OpenAIScriptResponder,
  OpenAIScriptStep,
  OpenAIScriptToolCall,
  OpenAIScriptUsage,
  OpenAIStepContext,
} from './fake-openai-script.js';
export { FAKE_HUB_TOKEN, startFakeHub } from './fake-hub.js';
export type { FakeHub, FakeHubFailure, FakeHubOptions, FakeHubSeed } from './fake-hub.js';
export type { FakeCollection, FakeDocsLibrary, FakePaper, FakeViewerDataset } from './fake-hub-content.js';
export type { FakeJob, FakeJobScript, FakeScheduledJob } from './fake-hub-jobs.js';
export type { FakeRepo, FakeRepoSeed, FakeRepoType, FakeUser } from './fake-hub-state.js';
export { FAKE_SPACE_HARDWARE, fakeSpaceUrlTemplate } from './fake-hub-spaces.js';
export type { FakeSpace, FakeSpacesOptions } from './fake-hub-spaces.js';
export { startFakeGitHub } from './fake-github.js';
export type { FakeGitHub, FakeGitHubOptions, FakeGitHubRateLimit, FakeGitHubRepository } from './fake-github.js';
export { startFakeSlack } from './fake-slack.js';
export type { FakeSlack, FakeSlackCall, FakeSlackDownMode, FakeSlackOptions } from './fake-slack.js';
export { startFakeSandboxHost } from './fake-sandbox-host.js';
export type { FakeSandboxHostOptions } from './fake-sandbox-host.js';
export { FAKE_SEARCH_DOCUMENTS, startFakeBrave, startFakeSearxng, startFakeTavily } from './fake-web-search.js';
export type { FakeKeyedSearchOptions, FakeSearchDocument, FakeSearchEngine, FakeSearchFailure, FakeSearchOptions, FakeSearxngOptions } from './fake-web-search.js';
export { FAKE_S2_PAPERS, startFakeAr5iv, startFakeSemanticScholar } from './fake-semantic-scholar.js';
export type { FakeAr5ivOptions, FakeS2Failure, FakeS2Paper, FakeSemanticScholar, FakeSemanticScholarOptions } from './fake-semantic-scholar.js';
export { testPng } from '@ml-intern/core/testing';
export { startFakeMcpServer } from './fake-mcp.js';
export type { FakeMcpServer, FakeMcpServerOptions, FakeMcpTool } from './fake-mcp.js';
export type { FakeMcpAuthorization, FakeMcpOAuthOptions } from './fake-mcp-oauth.js';
export { startFakeOpenId } from './fake-openid.js';
export type { FakeOpenId, FakeOpenIdOptions, FakeOpenIdUser } from './fake-openid.js';
export { temporaryDirectories } from '@ml-intern/core/testing';
export type { TemporaryDirectories } from '@ml-intern/core/testing';
