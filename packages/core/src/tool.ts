import type { ApprovalDecision, PendingApproval, ToolStateDetails } from '@ml-intern/events';
import type { ImagePart } from '@ml-intern/context';
import { z } from 'zod';
import type { CostReservation, ReservationResource, UsageMeter } from './usage-meter.js';
import type { JsonSchema, ToolSpec } from './model.js';

export type ToolLogLevel = 'info' | 'warn' | 'error';

/** What a running tool knows about the session it runs in. */
export interface ToolSessionInfo {
  id: string;
  /** Workspace directory of the session. */
  cwd: string;
  /** Model id driving the session. */
  model: string;
  /** Directory for this session's spill files and other scratch output. */
  dataDir: string;
  /**
   * Run `handler` when the session is interrupted (e.g. cancel HF jobs this session started).
   * Returns a function that unregisters it.
   */
  onInterrupt(handler: () => void | Promise<void>): () => void;
  /** Where this session's spend is counted (a sub-agent shares it, so its spend counts here too). */
  meter?: UsageMeter;
  /** The session's USD cap, if any. */
  budgetUsd?: number;
  /**
   * Ask this session's user about calls a sub-agent wants to make (shown as this session's
   * `approval_required`). Resolves `undefined` when nobody can answer now, so the caller denies.
   */
  requestApproval?(pending: PendingApproval[], signal: AbortSignal): Promise<ApprovalDecision[] | undefined>;
}

export interface ToolContext {
  /** Aborted on interrupt or timeout; tools must stop promptly. */
  signal: AbortSignal;
  /** Progress lines shown to the user as `tool_log` events while the tool runs. */
  log(message: string, level?: ToolLogLevel): void;
  session: ToolSessionInfo;
  toolCallId: string;
  /**
   * The session's secret redaction (identity when it has none). The router redacts what a tool
   * returns; a tool that streams or writes output elsewhere (live log lines, spill files) redacts
   * it with this, through `createStreamRedactor` for text that arrives in pieces.
   */
  redact?: (text: string) => string;
  /**
   * For a call approved with a cost estimate: the reserved estimate. Call `hold()` once the
   * billable resource exists and `settle(actualUsd)` when its real cost is known; a call that
   * fails without holding it is settled at $0 (it never started).
   */
  reservation?: CostReservation;
  /**
   * Tell the UI about the resource the call started (job URL, Trackio dashboard): emitted as a
   * `tool_state_change` (state `running`) carrying these fields, and repeated on the final state.
   */
  reportState?(details: ToolStateDetails): void;
}

/** Result of a tool. A plain string is shorthand for `{ output }`. */
export interface ToolResult {
  output: string;
  isError?: boolean;
  /**
   * Images for the model beside the text (`read` of a plot): base64 bytes with their media type
   * and, when known, pixel size. They are not capped or redacted like `output`; providers send
   * them as image blocks, or a note in their place when the model cannot take them.
   */
  images?: ImagePart[];
}

/** A tool's own view of whether a call needs the user's approval (before user rules apply). */
export interface ApprovalHint {
  decision: 'allow' | 'ask' | 'deny';
  /** Never auto-approved, even in yolo mode (e.g. scheduled HF job writes). */
  neverAuto?: boolean;
  reason?: string;
  /** Estimated USD cost (HF Jobs: hourly price × timeout); counts against the session budget. */
  costUsd?: number;
  /**
   * The call spends money on the user's account (a job, a Space). Without `costUsd` its cost is
   * unknown, and it is never auto-approved under a spending cap.
   */
  billable?: boolean;
  /** The call runs with the user's own privileges outside any sandbox; `auto` mode does not approve it. */
  unsandboxed?: boolean;
}

export interface ToolDefinition<Schema extends z.ZodObject = z.ZodObject> {
  /** snake_case; the name the model calls. */
  name: string;
  description: string;
  inputSchema: Schema;
  execute(input: z.output<Schema>, ctx: ToolContext): Promise<string | ToolResult> | string | ToolResult;
  /**
   * True for tools that only read (allowed in read-only mode and the research sub-agent). Tools
   * with reading and writing operations decide per call.
   */
  readOnly?: boolean | ((input: z.output<Schema>) => boolean);
  /** Default approval for a call; omitted means allow. User policy rules are applied on top. */
  approval?(input: z.output<Schema>): ApprovalHint;
  /**
   * The arguments approval rules are matched against, when they differ from the call's own:
   * canonical workspace-relative paths for file tools (`./.env` and `/abs/ws/.env` are both
   * `.env`), posix-normalised repo paths. Throwing a `ToolExecutionError` refuses the call with
   * its message (e.g. a `..` in a repo path). Omitted: rules see the call's arguments.
   */
  ruleInput?(input: z.output<Schema>): Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * A billable resource this tool started in an earlier run of the session, whose reservation was
   * still open when that run ended (`ctx.reservation`, restored; `ctx.toolCallId` is the original
   * call's): check it and `settle` the reservation if it has ended, or keep watching it.
   */
  reconcile?(resource: ReservationResource, ctx: ToolContext & { reservation: CostReservation }): Promise<void>;
  /** One-line summary of a call for the UI and approval prompts. */
  summarize?(input: z.output<Schema>): string;
  /**
   * JSON Schema sent to the model instead of the one derived from `inputSchema` (tools whose schema
   * comes from elsewhere, e.g. MCP servers); `inputSchema` still validates every call.
   */
  jsonSchema?: JsonSchema;
  /** Wall-clock limit for one call in ms (default: the router's). May depend on the input. */
  timeoutMs?: number | ((input: z.output<Schema>) => number);
}

/** Whether one call of a tool only reads. */
export function isReadOnlyCall(tool: AnyTool, input: Record<string, unknown>): boolean {
  if (typeof tool.readOnly === 'function') {
    try {
      return tool.readOnly(input) === true;
    } catch {
      return false;
    }
  }
  return tool.readOnly === true;
}

/** Whether a tool has any read-only calls. */
export function hasReadOnlyCalls(tool: AnyTool): boolean {
  return typeof tool.readOnly === 'function' || tool.readOnly === true;
}

/** A defined tool: the definition plus the JSON Schema derived once from its zod schema. */
export interface Tool<Schema extends z.ZodObject = z.ZodObject> extends ToolDefinition<Schema> {
  readonly jsonSchema: JsonSchema;
  readonly spec: ToolSpec;
}

// biome-ignore lint: the erased form is what routers and packages hold in arrays.
export type AnyTool = Tool<any>;

// Model APIs accept [a-zA-Z0-9_-]{1,64}; built-ins use snake_case, MCP tools `server__tool`.
const TOOL_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

/** Define a tool. The JSON Schema the model sees is derived here, once, from the zod schema. */
export function defineTool<Schema extends z.ZodObject>(definition: ToolDefinition<Schema>): Tool<Schema> {
  if (!TOOL_NAME.test(definition.name)) {
    throw new TypeError(`tool name "${definition.name}" must match [a-zA-Z][a-zA-Z0-9_-]{0,63} (built-ins use snake_case)`);
  }
  const jsonSchema = definition.jsonSchema ?? toModelJsonSchema(definition.inputSchema);
  return {
    ...definition,
    jsonSchema,
    spec: { name: definition.name, description: definition.description, inputSchema: jsonSchema },
  };
}

/** zod → JSON Schema in the shape model APIs accept (object root, no `$schema`). */
export function toModelJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}
