import { agentEventSchema, type AgentEvent } from './events.js';
import { formatIssues } from './operations.js';

/** Error for one malformed JSONL line; `line` is 1-based. */
export class JsonlDecodeError extends Error {
  readonly line: number;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = 'JsonlDecodeError';
    this.line = line;
  }
}

/** One event as one JSONL line (with the trailing newline). */
export function encodeEvent(event: AgentEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** Parse and validate one line; throws JsonlDecodeError naming the line and the problem. */
export function decodeEvent(line: string, lineNumber = 1): AgentEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new JsonlDecodeError(lineNumber, `not valid JSON (${(error as Error).message})`);
  }
  const result = agentEventSchema.safeParse(value);
  if (!result.success) throw new JsonlDecodeError(lineNumber, `not a valid event: ${formatIssues(result.error)}`);
  return result.data;
}

/** Decode a whole JSONL document; blank lines are ignored, the first bad line throws. */
export function decodeEvents(text: string): AgentEvent[] {
  const events: AgentEvent[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    events.push(decodeEvent(line, index + 1));
  });
  return events;
}
