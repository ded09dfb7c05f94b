export {
  AGENT_EVENT_TYPES,
  agentEventSchema,
  approvalRequiredEvent,
  pendingApprovalSchema,
  planItemSchema,
  toolStateDetailsSchema,
  toolStateSchema,
  turnReasonSchema,
  usageSchema,
} from './events.js';
export type {
  AgentEvent,
  AgentEventType,
  EventOf,
  EventPayload,
  PendingApproval,
  PlanItem,
  ToolState,
  ToolStateDetails,
  TurnReason,
  UsageTotals,
} from './events.js';
export { approvalDecisionSchema, approvalModeSchema, formatIssues, imageInputSchema, operationSchema, parseOperation } from './operations.js';
export type { ApprovalDecision, SettableApprovalMode, Operation, OperationType, ParseResult } from './operations.js';
export { JsonlDecodeError, decodeEvent, decodeEvents, encodeEvent } from './jsonl.js';
export { EventQueue } from './event-queue.js';
export type { Listener } from './event-queue.js';
