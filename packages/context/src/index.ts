export { assistantText, messageText, toolCallsOf } from './messages.js';
export type {
  AssistantMessage,
  AssistantPart,
  Message,
  MessageRole,
  NoticeKind,
  NoticeMessage,
  ReasoningPart,
  SystemMessage,
  TextPart,
  ToolCallPart,
  ToolResultMessage,
  UserMessage,
} from './messages.js';
export {
  MESSAGE_OVERHEAD_TOKENS,
  countMessageTokens,
  createCharEstimateCounter,
  createTiktokenCounter,
} from './token-counter.js';
export type { TokenCounter } from './token-counter.js';
export { History, INTERRUPTED_RESULT, isSafeCut } from './history.js';
export type { HistoryOptions } from './history.js';
export { SUMMARY_PREFIX, applyCompactionPlan, isSummaryNotice, planCompaction } from './compaction-plan.js';
export type { CompactionPlan, CompactionPlanOptions } from './compaction-plan.js';
export { REDACTED, createRedactor, isSecretName, redactValue, secretsFromEnv } from './redaction.js';
export type { Redactor, RedactorOptions } from './redaction.js';
export type { LoadedSession, SessionHeader, SessionRecord, SessionStore, SessionWriter } from './session-store.js';
export { JsonlSessionStore, defaultSessionDir, readSessionLog, replayHistory } from './session-log.js';
export type { SessionLogContents, SessionSummary } from './session-log.js';
