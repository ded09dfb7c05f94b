import { createHash } from 'node:crypto';
import { redactValue } from '@ml-intern/core';
import type { AssistantMessage, Message, NoticeMessage, SessionHeader } from '@ml-intern/core';

/** Token counts of the model call that produced an assistant message (Claude Code `message.usage`). */
export interface ClaudeCodeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/** What the session log knows about a message besides its content. */
export interface TranscriptMessageInfo {
  /** When the message was added (ISO 8601); default: the session start. */
  timestamp?: string;
  /** Model that wrote an assistant message; default: the header's model. */
  model?: string;
  usage?: ClaudeCodeUsage;
}

export interface ClaudeCodeJsonlOptions {
  /** Applied to every string written (text, tool arguments and results, paths, ids). */
  redact?: (text: string) => string;
  /** Per-message details, parallel to `messages`. */
  info?: readonly (TranscriptMessageInfo | undefined)[];
}

/** A content block of a Claude Code message. */
export type ClaudeCodeBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error: boolean };

/** One line of a Claude Code session transcript. */
export interface ClaudeCodeLine {
  type: 'user' | 'assistant';
  uuid: string;
  parentUuid: string | null;
  sessionId: string;
  timestamp: string;
  cwd: string;
  isSidechain: false;
  userType: 'external';
  /** A user-role line the harness wrote (a notice), not something the user typed. */
  isMeta?: true;
  /** The state snapshot that replaced earlier turns after compaction. */
  isCompactSummary?: true;
  message:
    | { role: 'user'; content: ClaudeCodeBlock[] }
    | { id: string; type: 'message'; role: 'assistant'; model: string; content: ClaudeCodeBlock[]; stop_reason: 'tool_use' | 'end_turn'; usage?: ClaudeCodeUsage };
}

/** UUID-shaped and stable across re-uploads of a growing session, so the parent chain never changes. */
function lineUuid(sessionId: string, index: number, role: string): string {
  const digest = createHash('sha1').update(`${sessionId}::${role}::${index}`).digest('hex');
  return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
}

/** Values redacted as everywhere else (a string under a secret-named key whole), and keys too. */
function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  const redactKeys = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(redactKeys);
    if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, inner]) => [redact(key), redactKeys(inner)]));
    return item;
  };
  return redactKeys(redactValue(value, redact));
}

/** Tool arguments as an object; invalid or non-object JSON is kept verbatim under `_raw`. */
function toolInput(raw: string, redact: (text: string) => string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return redactDeep(parsed, redact) as Record<string, unknown>;
  } catch {
    // The model wrote invalid JSON; keep what it wrote.
  }
  return { _raw: redact(raw) };
}

function assistantBlocks(message: AssistantMessage, redact: (text: string) => string): ClaudeCodeBlock[] {
  const blocks: ClaudeCodeBlock[] = [];
  for (const part of message.content) {
    if (part.type === 'text') {
      if (part.text) blocks.push({ type: 'text', text: redact(part.text) });
    } else if (part.type === 'reasoning') {
      // Signatures and encrypted reasoning are opaque to a reader; only readable reasoning is kept.
      if (part.text) blocks.push({ type: 'thinking', thinking: redact(part.text) });
    } else {
      blocks.push({ type: 'tool_use', id: redact(part.id), name: redact(part.name), input: toolInput(part.arguments, redact) });
    }
  }
  return blocks;
}

function noticeText(message: NoticeMessage): string {
  return message.kind === 'summary' ? message.content : `[ml-intern notice: ${message.kind}] ${message.content}`;
}

/**
 * Convert a session's messages to a Claude Code JSONL transcript, the format the Hugging Face
 * agent trace viewer renders (SPEC section 8). User turns, assistant text, reasoning (`thinking`)
 * and tool calls (`tool_use`) map one to one; tool results become user lines with a
 * `tool_result` block; harness notices become user lines marked `isMeta` (compaction summaries
 * `isCompactSummary`). System prompts are left out. Every string goes through `redact`.
 * Returns the file text, one JSON object per line.
 */
export function toClaudeCodeJsonl(header: SessionHeader, messages: readonly Message[], options: ClaudeCodeJsonlOptions = {}): string {
  const redact = options.redact ?? ((text: string) => text);
  const sessionId = redact(header.id);
  const cwd = redact(header.cwd);
  const lines: string[] = [];
  let parentUuid: string | null = null;
  messages.forEach((message, index) => {
    if (message.role === 'system') return;
    const info = options.info?.[index];
    const base = {
      uuid: lineUuid(header.id, index, message.role),
      parentUuid,
      sessionId,
      timestamp: info?.timestamp ?? header.started_at,
      cwd,
      isSidechain: false as const,
      userType: 'external' as const,
    };
    let line: ClaudeCodeLine;
    if (message.role === 'assistant') {
      const content = assistantBlocks(message, redact);
      // An assistant turn with nothing readable (only encrypted reasoning) would render as an empty bubble.
      if (content.length === 0) return;
      const hasToolUse = content.some((block) => block.type === 'tool_use');
      line = {
        type: 'assistant',
        ...base,
        message: {
          id: `msg_${base.uuid.replace(/-/g, '')}`,
          type: 'message',
          role: 'assistant',
          model: redact(info?.model ?? header.model),
          content,
          stop_reason: hasToolUse ? 'tool_use' : 'end_turn',
          ...(info?.usage ? { usage: info.usage } : {}),
        },
      };
    } else if (message.role === 'tool') {
      line = {
        type: 'user',
        ...base,
        message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: redact(message.toolCallId), content: redact(message.content), is_error: message.isError }] },
      };
    } else if (message.role === 'notice') {
      line = {
        type: 'user',
        ...base,
        ...(message.kind === 'summary' ? { isCompactSummary: true as const } : { isMeta: true as const }),
        message: { role: 'user', content: [{ type: 'text', text: redact(noticeText(message)) }] },
      };
    } else {
      line = { type: 'user', ...base, message: { role: 'user', content: [{ type: 'text', text: redact(message.content) }] } };
    }
    lines.push(JSON.stringify(line));
    parentUuid = line.uuid;
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
