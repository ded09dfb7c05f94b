export { assistantText, imagesText, messageImages, messageText, toolCallsOf } from './messages.js';
export { UNKNOWN_IMAGE_TOKENS, estimateImageTokens, estimateImagesTokens, sniffImage } from './image.js';
export type { ImageInfo, ImageMediaType } from './image.js';
export type {
  AssistantMessage,
  AssistantPart,
  ImagePart,
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
  EXACT_COUNT_CHARS,
  MAX_RUN_CHARS,
  MESSAGE_OVERHEAD_TOKENS,
  countMessageTokens,
  createCharEstimateCounter,
  createTiktokenCounter,
} from './token-counter.js';
export type { TokenCounter } from './token-counter.js';
export { History, INTERRUPTED_RESULT, NO_RESULT_RECORDED, isSafeCut, repairToolResults } from './history.js';
export type { HistoryOptions, ToolResultRepair } from './history.js';
export { SUMMARY_PREFIX, applyCompactionPlan, isSummaryNotice, planCompaction } from './compaction-plan.js';
export type { CompactionPlan, CompactionPlanOptions } from './compaction-plan.js';
export { REDACTED, createRedactor, isSecretName, redactValue, secretsFromEnv } from './redaction.js';
export type { Redactor, RedactorOptions } from './redaction.js';
export { createStreamRedactor } from './stream-redactor.js';
export type { StreamRedactor, StreamRedactorOptions } from './stream-redactor.js';
export type { LoadedSession, SessionHeader, SessionRecord, SessionStore, SessionWriter } from './session-store.js';
export { messageSchema, sessionHeaderSchema, sessionRecordSchema } from './session-store.js';
export { JsonlSessionStore, defaultSessionDir, lastPlan, readSessionLog, replayHistory } from './session-log.js';
export type { PruneResult, ResolvedSession, SessionLogContents, SessionScan, SessionSummary, SkippedSessionLog } from './session-log.js';
export { SessionLockedError, acquireSessionLock, lockHolder, processStartTime } from './session-lock.js';
export type { SessionLock, SessionLockHolder } from './session-lock.js';
