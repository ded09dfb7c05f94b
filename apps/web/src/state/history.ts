import type { InlineImage, TimelineItem, ToolCard, ViewState } from './reducer.js';

/**
 * The conversation of a session as `GET /api/sessions/{id}` returns it (`messages`: user,
 * assistant parts, tool results, notices), turned into timeline entries. Used for a session forked
 * from another one (`forked_from`), whose own events start after that history. Anything
 * unexpected is skipped.
 */
export function applyConversation(state: ViewState, conversation: unknown): ViewState {
  if (!Array.isArray(conversation) || conversation.length === 0 || state.historyLoaded) return state;
  // The conversation also holds the turns this session's own events already show: keep what came before them.
  const ownTurns = state.items.filter((item) => item.kind === 'user').length;
  const userIndexes = conversation.flatMap((message, index) => (isObject(message) && message.role === 'user' ? [index] : []));
  // More own turns than user messages (a compaction summarised them): the events already show everything.
  const cut = ownTurns === 0 ? conversation.length : ownTurns >= userIndexes.length ? 0 : (userIndexes[userIndexes.length - ownTurns] as number);
  const earlier = conversation.slice(0, cut);
  const items: TimelineItem[] = [];
  const tools: Record<string, ToolCard> = {};
  earlier.forEach((raw, index) => {
    if (!isObject(raw)) return;
    const key = `h-${index}`;
    switch (raw.role) {
      case 'user':
        if (typeof raw.content === 'string') items.push({ kind: 'user', key, text: raw.content, images: images(raw.images) });
        break;
      case 'assistant': {
        const parts = Array.isArray(raw.content) ? raw.content.filter(isObject) : [];
        const text = typeof raw.content === 'string' ? raw.content : parts.filter((part) => part.type === 'text').map((part) => String(part.text ?? '')).join('');
        const reasoning = parts.filter((part) => part.type === 'reasoning' && typeof part.text === 'string').map((part) => part.text as string).join('\n');
        if (text || reasoning) items.push({ kind: 'assistant', key, text, ...(reasoning ? { reasoning } : {}), streaming: false });
        for (const part of parts) {
          if (part.type !== 'tool_call' || typeof part.id !== 'string') continue;
          tools[part.id] = {
            id: part.id,
            tool: String(part.name ?? 'tool'),
            arguments: parseArguments(part.arguments),
            summary: String(part.name ?? 'tool'),
            state: 'completed',
            logs: [],
            logsDropped: 0,
            isError: false,
            truncated: false,
            images: [],
          };
          items.push({ kind: 'tool', key: `${key}-${part.id}`, toolCallId: part.id });
        }
        break;
      }
      case 'tool': {
        const id = typeof raw.toolCallId === 'string' ? raw.toolCallId : undefined;
        const card = id ? tools[id] : undefined;
        if (card && id) {
          tools[id] = { ...card, output: String(raw.content ?? ''), isError: raw.isError === true, state: raw.isError === true ? 'failed' : 'completed', images: images(raw.images) };
        }
        break;
      }
      case 'notice':
        if (typeof raw.content === 'string' && raw.kind !== 'summary') items.push({ kind: 'notice', key, level: 'info', text: raw.content });
        break;
      default:
        break;
    }
  });
  return { ...state, historyLoaded: true, items: [...items, ...state.items], tools: { ...tools, ...state.tools } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

function images(value: unknown): InlineImage[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).flatMap((item) => (typeof item.data === 'string' && typeof item.mediaType === 'string' && IMAGE_TYPES.has(item.mediaType) ? [{ mediaType: item.mediaType, data: item.data }] : []));
}

/**
 * Images are not in the events: a tool's result images (a plot the agent read) and a message's
 * attachments come with the conversation. Put them on the cards and messages already shown.
 */
export function applyImages(state: ViewState, conversation: unknown): ViewState {
  if (!Array.isArray(conversation)) return state;
  let tools = state.tools;
  let items = state.items;
  const claimed = new Set<string>();
  for (const message of conversation) {
    if (!isObject(message)) continue;
    const found = images(message.images);
    if (found.length === 0) continue;
    if (message.role === 'tool' && typeof message.toolCallId === 'string') {
      const card = tools[message.toolCallId];
      if (card && card.images.length === 0) tools = { ...tools, [card.id]: { ...card, images: found } };
    } else if (message.role === 'user' && typeof message.content === 'string') {
      const index = items.findIndex((item) => item.kind === 'user' && !claimed.has(item.key) && item.text === message.content && item.images.length === 0);
      const item = items[index];
      if (item?.kind === 'user') {
        claimed.add(item.key);
        items = [...items.slice(0, index), { ...item, images: found }, ...items.slice(index + 1)];
      }
    }
  }
  return tools === state.tools && items === state.items ? state : { ...state, tools, items };
}

/**
 * Images this page sent with a message: on the message when its `processing` is already shown
 * (the event can beat the answer to the request), else kept for it.
 */
export function applySentImages(state: ViewState, text: string, sent: readonly InlineImage[]): ViewState {
  if (sent.length === 0) return state;
  const last = state.items.findLastIndex((item) => item.kind === 'user');
  const item = state.items[last];
  if (item?.kind === 'user' && item.text === text && item.images.length === 0) {
    return { ...state, items: [...state.items.slice(0, last), { ...item, images: [...sent] }, ...state.items.slice(last + 1)] };
  }
  return { ...state, sentImages: [...(state.sentImages ?? []), { text, images: [...sent] }] };
}
