import type { ImagePart, ToolCallPart } from '@ml-intern/context';
import { formatIssues } from '@ml-intern/events';
import { ConfigError, MlInternError, isAbortError } from './errors.js';
import type { ToolSpec } from './model.js';
import type { AnyTool, ApprovalHint, ToolContext, ToolResult } from './tool.js';
import { capToolOutput } from './tool-output.js';

export const DEFAULT_TOOL_TIMEOUT_MS = 600_000;

/** A tool call whose arguments parsed and validated, ready to run. */
export interface PreparedCall {
  call: ToolCallPart;
  tool: AnyTool;
  input: Record<string, unknown>;
}

/** A call that cannot run (unknown tool, invalid arguments); its error goes back to the model. */
export interface RejectedCall {
  call: ToolCallPart;
  error: string;
}

export interface ToolRunResult {
  output: string;
  isError: boolean;
  truncated: boolean;
  spillPath?: string;
  /** Images the tool returned (passed through as they are: only the text is redacted and capped). */
  images?: ImagePart[];
  durationMs: number;
}

export interface ToolRouterOptions {
  defaultTimeoutMs?: number;
  maxOutputChars?: number;
  /** Applied to every output before it is capped, shown, logged or sent to the model. */
  redact?: (text: string) => string;
}

/** Registry and executor of tools: validation, timeouts, error capture, output capping. */
export class ToolRouter {
  readonly #tools = new Map<string, AnyTool>();
  readonly #options: ToolRouterOptions;

  constructor(tools: readonly AnyTool[] = [], options: ToolRouterOptions = {}) {
    this.#options = options;
    for (const tool of tools) this.register(tool);
  }

  register(tool: AnyTool): void {
    if (this.#tools.has(tool.name)) {
      throw new ConfigError(`two tools are named "${tool.name}"; rename one (MCP tools are namespaced server__tool)`);
    }
    this.#tools.set(tool.name, tool);
  }

  unregister(name: string): boolean {
    return this.#tools.delete(name);
  }

  /**
   * Swap one group of tools for another in one step (an MCP server whose tool list changed):
   * `removed` are unregistered and `tools` registered. When a new name belongs to a tool outside
   * the group, nothing changes and a `ConfigError` says which. Calls already prepared keep the
   * tool they were prepared with; the model sees the new set from its next request.
   */
  replace(removed: readonly string[], tools: readonly AnyTool[]): void {
    const leaving = new Set(removed);
    const names = new Set<string>();
    for (const tool of tools) {
      if (names.has(tool.name) || (this.#tools.has(tool.name) && !leaving.has(tool.name))) {
        throw new ConfigError(`two tools are named "${tool.name}"; rename one (MCP tools are namespaced server__tool)`);
      }
      names.add(tool.name);
    }
    for (const name of leaving) this.#tools.delete(name);
    for (const tool of tools) this.#tools.set(tool.name, tool);
  }

  get(name: string): AnyTool | undefined {
    return this.#tools.get(name);
  }

  list(): AnyTool[] {
    return [...this.#tools.values()];
  }

  specs(filter?: (tool: AnyTool) => boolean): ToolSpec[] {
    return this.list()
      .filter((tool) => !filter || filter(tool))
      .map((tool) => tool.spec);
  }

  /** Parse and validate a call's arguments against its tool's schema. */
  prepare(call: ToolCallPart, editedArguments?: Record<string, unknown>): PreparedCall | RejectedCall {
    const tool = this.#tools.get(call.name);
    if (!tool) {
      const names = [...this.#tools.keys()].sort().join(', ');
      return { call, error: `Unknown tool "${call.name}". Available tools: ${names}.` };
    }
    let raw: unknown = editedArguments;
    if (raw === undefined) {
      const text = call.arguments.trim();
      try {
        raw = text === '' ? {} : JSON.parse(text);
      } catch (error) {
        return {
          call,
          error: `Invalid JSON in the arguments of ${call.name}: ${(error as Error).message}. Send one JSON object matching the tool's schema (if the content is very long, split it into smaller calls).`,
        };
      }
    }
    const parsed = tool.inputSchema.safeParse(raw);
    if (!parsed.success) {
      return { call, error: `Invalid arguments for ${call.name}: ${formatIssues(parsed.error)}. Fix them and call the tool again.` };
    }
    return { call, tool, input: parsed.data as Record<string, unknown> };
  }

  approvalHint(prepared: PreparedCall): ApprovalHint | undefined {
    try {
      return prepared.tool.approval?.(prepared.input);
    } catch {
      return { decision: 'ask', reason: `${prepared.tool.name} could not classify this call` };
    }
  }

  /**
   * The arguments approval rules see (the tool's `ruleInput`, else the call's own). Resolves to
   * `{ ok: false, error }` when the tool refuses the call while normalising it.
   */
  async ruleInput(prepared: PreparedCall): Promise<{ ok: true; input: Record<string, unknown> } | { ok: false; error: string }> {
    if (!prepared.tool.ruleInput) return { ok: true, input: prepared.input };
    try {
      return { ok: true, input: await prepared.tool.ruleInput(prepared.input) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  summarize(prepared: PreparedCall): string {
    try {
      const summary = prepared.tool.summarize?.(prepared.input);
      if (summary) return summary;
    } catch {
      // fall through to the generic summary
    }
    const text = JSON.stringify(prepared.input);
    return `${prepared.tool.name} ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
  }

  /** Run a prepared call with timeout and abort; never throws. */
  async run(prepared: PreparedCall, context: Omit<ToolContext, 'signal' | 'toolCallId'> & { signal: AbortSignal }): Promise<ToolRunResult> {
    const started = performance.now();
    const { tool, input, call } = prepared;
    const timeoutMs = typeof tool.timeoutMs === 'function' ? tool.timeoutMs(input) : (tool.timeoutMs ?? this.#options.defaultTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS);
    const controller = new AbortController();
    const onAbort = () => controller.abort(context.signal.reason);
    if (context.signal.aborted) controller.abort();
    else context.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ToolResult>((resolve) => {
      timer = setTimeout(() => {
        // Settle the timeout first so the race reports it, then stop the tool.
        resolve({ output: `${tool.name} timed out after ${formatSeconds(timeoutMs)} and was stopped. Try a smaller step or a longer timeout.`, isError: true });
        controller.abort(new Error('timeout'));
      }, timeoutMs);
    });
    const aborted = new Promise<ToolResult>((resolve) => {
      const stopped = () => resolve({ output: INTERRUPTED_TOOL, isError: true });
      // Interrupted before it started (approval and rule checks are asynchronous): it never runs.
      if (controller.signal.aborted) stopped();
      else controller.signal.addEventListener('abort', stopped, { once: true });
    });
    let result: ToolResult;
    try {
      const execution = Promise.resolve()
        .then(() => (controller.signal.aborted ? { output: INTERRUPTED_TOOL, isError: true } : tool.execute(input, { ...context, signal: controller.signal, toolCallId: call.id, ...(this.#options.redact ? { redact: this.#options.redact } : {}) })))
        .then((value): ToolResult => (typeof value === 'string' ? { output: value } : value))
        .catch((error: unknown): ToolResult => describeToolFailure(tool.name, error, controller.signal));
      result = await Promise.race([execution, timeout, aborted]);
    } finally {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onAbort);
    }
    const redacted = this.#options.redact ? this.#options.redact(String(result.output ?? '')) : String(result.output ?? '');
    const capped = await capToolOutput(redacted, {
      id: call.id,
      spillDir: `${context.session.dataDir}/spill`,
      ...(this.#options.maxOutputChars === undefined ? {} : { maxChars: this.#options.maxOutputChars }),
    });
    return {
      output: capped.text,
      isError: result.isError === true,
      truncated: capped.truncated,
      ...(capped.spillPath ? { spillPath: capped.spillPath } : {}),
      ...imagesOf(result),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

const MEDIA_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** The well-formed image parts of a tool's result, as an optional `images` field. */
function imagesOf(result: ToolResult): { images?: ImagePart[] } {
  if (!Array.isArray(result.images)) return {};
  const images = result.images.filter((image) => image?.type === 'image' && MEDIA_TYPES.has(image.mediaType) && typeof image.data === 'string' && image.data.length > 0);
  return images.length > 0 ? { images } : {};
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

export const INTERRUPTED_TOOL = 'Not completed (interrupted): the user stopped this tool call.';

function describeToolFailure(name: string, error: unknown, signal: AbortSignal): ToolResult {
  if (signal.aborted && isAbortError(error)) return { output: INTERRUPTED_TOOL, isError: true };
  if (MlInternError.isInstance(error)) return { output: `${name} failed: ${error.message}`, isError: true };
  const message = error instanceof Error ? error.message : String(error);
  return { output: `${name} failed with an unexpected error: ${message}`, isError: true };
}
