export {
  AbortError,
  BudgetExceededError,
  ConfigError,
  ContextOverflowError,
  InvalidToolInputError,
  MaxIterationsError,
  MlInternError,
  ModelBehaviorError,
  ProviderError,
  ToolExecutionError,
  isAbortError,
} from './errors.js';
export type { ProviderErrorOptions } from './errors.js';
export { MAX_IMAGES_PER_REQUEST, addUsage, base64Bytes, computeCost, emptyUsage, imageRefusal, keepRecentImages } from './model.js';
export type {
  FinishReason,
  ImageInputLimits,
  JsonSchema,
  LanguageModel,
  ModelInfo,
  ModelPricing,
  ModelRequest,
  ModelStreamPart,
  ModelUsage,
  ReasoningEffort,
  StreamOptions,
  ToolSpec,
} from './model.js';
export {
  ACCEPTED_MODEL_FORMS,
  DEFAULT_CONTEXT_WINDOW,
  DEFAULT_MAX_OUTPUT_TOKENS,
  LOCAL_PROVIDERS,
  catalogEntryInfo,
  findCatalogEntry,
  lookupModelInfo,
  modelInfoOverrides,
  parseModelId,
  resolveModel,
} from './model-id.js';
export type { LocalProvider, ModelCatalog, ModelCatalogEntry, ModelFactory, ModelProvider, ModelRoute, ResolveModelOptions } from './model-id.js';
export { backoffDelay, streamWithRetry } from './retry.js';
export { DEFAULT_MAX_RESPONSE_CHARS, capEventBytes, checkMaxResponseChars, maxEventBytes, responseChars, responseTooLargeError } from './response-cap.js';
export type { RetryNotice, RetryOptions } from './retry.js';
export { parseRetryAfter } from './retry-after.js';
export type { HeaderSource } from './retry-after.js';
export { createHttpFetch, httpFetch, proxyForUrl } from './http-fetch.js';
export type { HttpFetchOptions, ProxyEnvironment } from './http-fetch.js';
export { readServerSentEvents } from './server-sent-events.js';
export { sleep } from './sleep.js';
export type { IdleTimeout, ServerSentEvent } from './server-sent-events.js';
export { defineTool, hasReadOnlyCalls, isReadOnlyCall, toModelJsonSchema } from './tool.js';
export type { AnyTool, ApprovalHint, Tool, ToolContext, ToolDefinition, ToolLogLevel, ToolResult, ToolSessionInfo } from './tool.js';
export { DEFAULT_TOOL_TIMEOUT_MS, INTERRUPTED_TOOL, ToolRouter } from './tool-router.js';
export type { PreparedCall, RejectedCall, ToolRouterOptions, ToolRunResult } from './tool-router.js';
export type { CostReservation, ReservationListener, ReservationResource } from './usage-meter.js';
export { openReservations } from './open-reservations.js';
export type { OpenReservation } from './open-reservations.js';
export { DEFAULT_MAX_OUTPUT_CHARS, capToolOutput } from './tool-output.js';
export type { CappedOutput } from './tool-output.js';
export { DEFAULT_AUTO_APPROVAL_CAP_USD, createApprovalPolicy, describeRule, ruleMatches } from './approval-policy.js';
export type {
  ApprovalDecisionKind,
  ApprovalMode,
  ApprovalOutcome,
  ApprovalPolicy,
  ApprovalPolicyOptions,
  ApprovalRequest,
  ApprovalRule,
  ApprovalState,
} from './approval-policy.js';
export { UsageMeter } from './usage-meter.js';
export type { Gateway } from './gateway.js';
export { Session, createSession } from './session.js';
export type { SessionOptions } from './session-options.js';
export { TurnLedger } from './workspace-checkpoints.js';
export type { Checkpoint, CheckpointLocation, RemoteEffect, TurnRecord, WorkspaceCheckpoints } from './workspace-checkpoints.js';
export { previewRewind, turnChanges } from './rewind-preview.js';
export type { CheckpointChange, CheckpointHistory, RewindPreview } from './rewind-preview.js';
export type { TurnOutcome } from './turn-outcome.js';
export type { LoadedSession, SessionHeader, SessionRecord, SessionStore, SessionWriter } from '@ml-intern/context';
// Tools and sandboxes depend on core only: the redaction they need to apply themselves comes through it.
export { REDACTED, createStreamRedactor, redactValue } from '@ml-intern/context';
export type { StreamRedactor, StreamRedactorOptions } from '@ml-intern/context';
export { Compactor } from './compactor.js';
export type { CompactionOptions, CompactionOutcome } from './compactor.js';
export { LoopGuard, canonicalJson, loopNotice } from './doom-loop.js';
export type { LoopDetection, LoopGuardOptions } from './doom-loop.js';
export { createPlanTool, formatPlan } from './plan-tool.js';
export { callModel } from './model-call.js';
export type { ModelCallHooks, ModelCallResult } from './model-call.js';
export { agentConfigSchema } from './config-schema.js';
export type { AgentConfig, PartialAgentConfig } from './config-schema.js';
export {
  PROJECT_CREDENTIAL_VARIABLES,
  UNTRUSTED_PROJECT_CONFIG_KEYS,
  configFromEnv,
  deepMerge,
  filterProjectConfig,
  findProjectRoot,
  isProjectCredentialVariable,
  loadConfig,
  loadDotEnv,
  loadProjectEnv,
  maskSecrets,
  parseConfigText,
  parseDotEnv,
  readProjectFiles,
  stripBom,
  substituteVariables,
} from './config.js';
export type { ConfigLayer, Env, LoadConfigOptions, LoadedConfig, LoadedProjectEnv, ProjectFile, ProjectFiles, ProjectTrust } from './config.js';
export {
  describeIgnoredProjectSettings,
  findTrustRecord,
  listTrustRecords,
  projectFingerprint,
  readTrustStore,
  recordProjectTrust,
  resolveProjectTrust,
  revokeProjectTrust,
  storedProjectTrust,
  trustStoreFile,
  untrustedProjectSettings,
} from './project-trust.js';
export type { ProjectTrustState, TrustHistoryEntry, TrustRecord, TrustStoreData, UntrustedProjectSettings } from './project-trust.js';
export { createResearchTool } from './research-tool.js';
export type { ResearchToolOptions } from './research-tool.js';
export type { AgentEvent, AgentEventType, EventOf, Operation } from '@ml-intern/events';
export { estimateImageTokens, imagesText, sniffImage } from '@ml-intern/context';
export type { ImageInfo, ImagePart } from '@ml-intern/context';
export type { AssistantMessage, AssistantPart, Message, NoticeMessage, ReasoningPart, TextPart, ToolCallPart, ToolResultMessage, UserMessage } from '@ml-intern/context';
export { alwaysAllowScope, commandMatches, commandMayMatch, evaluateCommandRules, loadShellParser, resolveProgramOnPath } from './shell-command.js';
export type { CommandRule, MatchOptions, ShellAnalysis, ShellParser, SimpleCommand } from './shell-command.js';
