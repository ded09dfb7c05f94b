import type { History } from './history.js';
import type { Message, NoticeMessage, UserMessage } from './messages.js';

export interface CompactionPlanOptions {
  /** Token budget for the most recent messages kept verbatim (default 20% of the history). */
  keepRecentTokens?: number;
}

/** What a compaction keeps, summarises and carries over (SPEC section 4). */
export interface CompactionPlan {
  /** System-independent head: the first user message (the task). */
  head: Message[];
  /** A previous state snapshot to merge, if the history already had one. */
  previousSummary?: string;
  /** Messages to summarise. */
  middle: Message[];
  middleTokens: number;
  /** User messages from the middle, kept verbatim: nothing the user typed is lost. */
  userMessages: UserMessage[];
  /** The latest user request when it falls in the middle (kept verbatim, after the summary). */
  latestUser?: UserMessage;
  /** The most recent messages, kept verbatim; never starts with a tool result. */
  tail: Message[];
  /** Index in the history where the tail starts. */
  tailStart: number;
}

export const SUMMARY_PREFIX = '[State snapshot of the earlier conversation]';

export function isSummaryNotice(message: Message | undefined): message is NoticeMessage {
  return message?.role === 'notice' && message.kind === 'summary';
}

/**
 * Plan a compaction without touching the history. Cost is one pass over message token counts
 * that were computed when the messages were added (no re-tokenisation).
 */
export function planCompaction(history: History, options: CompactionPlanOptions = {}): CompactionPlan | undefined {
  const messages = history.messages;
  const firstUser = messages.findIndex((message) => message.role === 'user');
  if (firstUser < 0) return undefined;
  let middleStart = firstUser + 1;
  let previousSummary: string | undefined;
  const maybeSummary = messages[middleStart];
  if (isSummaryNotice(maybeSummary)) {
    previousSummary = maybeSummary.content;
    middleStart += 1;
  }
  const budget = options.keepRecentTokens ?? Math.floor(history.rawTokens * 0.2);
  let tailStart = messages.length;
  let kept = 0;
  for (let index = messages.length - 1; index >= middleStart; index -= 1) {
    const tokens = history.tokensAt(index);
    if (kept + tokens > budget && tailStart < messages.length) break;
    kept += tokens;
    tailStart = index;
  }
  // Never start the tail with a tool result: move back to its assistant message (call and result stay together).
  while (tailStart > middleStart && messages[tailStart]?.role === 'tool') tailStart -= 1;
  // Keep the last message out of the summary only when there is something before it to summarise.
  if (tailStart <= middleStart) return undefined;
  const middle = messages.slice(middleStart, tailStart);
  let middleTokens = 0;
  for (let index = middleStart; index < tailStart; index += 1) middleTokens += history.tokensAt(index);
  const tail = messages.slice(tailStart);
  const users = middle.filter((message): message is UserMessage => message.role === 'user');
  const latestInTail = tail.some((message) => message.role === 'user');
  const latestUser = latestInTail ? undefined : users.at(-1);
  return {
    head: messages.slice(0, firstUser + 1),
    ...(previousSummary === undefined ? {} : { previousSummary }),
    middle,
    middleTokens,
    userMessages: latestUser ? users.slice(0, -1) : users,
    ...(latestUser ? { latestUser } : {}),
    tail,
    tailStart,
  };
}

/** The history after compaction: task, snapshot, latest request, recent turns. */
export function applyCompactionPlan(plan: CompactionPlan, summary: string): Message[] {
  const verbatim = plan.userMessages.length
    ? `\n\n## User messages from this period (verbatim)\n${plan.userMessages.map((message) => `- ${message.content}`).join('\n')}`
    : '';
  const notice: NoticeMessage = { role: 'notice', kind: 'summary', content: `${SUMMARY_PREFIX}\n${summary.trim()}${verbatim}` };
  return [...plan.head, notice, ...(plan.latestUser ? [plan.latestUser] : []), ...plan.tail];
}
