/** Provider-neutral conversation model. Providers translate it to their wire formats. */

export interface TextPart {
  type: 'text';
  text: string;
}

/**
 * Model reasoning. `signature` (Anthropic thinking) and `redacted` (opaque encrypted reasoning) are
 * kept verbatim so they can be replayed across tool turns; `provider` says who can read them back.
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  redacted?: string;
  provider?: string;
}

export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  name: string;
  /** Raw JSON text of the arguments exactly as the model produced it (may be invalid JSON). */
  arguments: string;
}

export type AssistantPart = TextPart | ReasoningPart | ToolCallPart;

/**
 * An image given to the model (a plot the agent made, a file the user attached). `data` is the
 * file's bytes in base64; `width`/`height` come from the file header when known, for token
 * estimates and provider limits. Images ride beside a message's text (`images`), so everything
 * that reads `content` as text (redaction, compaction transcripts, the UI) keeps working.
 */
export interface ImagePart {
  type: 'image';
  mediaType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  data: string;
  width?: number;
  height?: number;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}

export interface UserMessage {
  role: 'user';
  content: string;
  /** Images attached to the message (`@plot.png` in the CLI). */
  images?: ImagePart[];
}

export interface AssistantMessage {
  role: 'assistant';
  content: AssistantPart[];
}

export interface ToolResultMessage {
  role: 'tool';
  toolCallId: string;
  toolName: string;
  content: string;
  isError: boolean;
  /** Images the tool returned beside its text (`read` of a PNG). */
  images?: ImagePart[];
  /** Where the full output lives when `content` was capped. */
  spillPath?: string;
}

/** Why the harness spoke: never confused with what the user typed. */
export type NoticeKind = 'loop_guard' | 'truncation' | 'interrupted' | 'summary' | 'max_iterations' | 'info';

export interface NoticeMessage {
  role: 'notice';
  kind: NoticeKind;
  content: string;
}

export type Message = SystemMessage | UserMessage | AssistantMessage | ToolResultMessage | NoticeMessage;
export type MessageRole = Message['role'];

export function assistantText(message: AssistantMessage): string {
  return message.content
    .filter((part): part is TextPart => part.type === 'text')
    .map((part) => part.text)
    .join('');
}

export function toolCallsOf(message: Message): ToolCallPart[] {
  if (message.role !== 'assistant') return [];
  return message.content.filter((part): part is ToolCallPart => part.type === 'tool_call');
}

/** Every string in a message that goes to a model, for token counting. */
export function messageText(message: Message): string {
  switch (message.role) {
    case 'assistant':
      return message.content
        .map((part) => {
          if (part.type === 'text') return part.text;
          if (part.type === 'reasoning') return part.text;
          return `${part.name} ${part.arguments}`;
        })
        .join('\n');
    case 'tool':
      return `${message.toolName} ${message.content}${imagesText(message.images)}`;
    case 'user':
      return `${message.content}${imagesText(message.images)}`;
    default:
      return message.content;
  }
}

/** A text stand-in for images (`[image: image/png 640×480]`), for transcripts and summaries. */
export function imagesText(images: readonly ImagePart[] | undefined): string {
  if (!images || images.length === 0) return '';
  return images.map((image) => `\n[image: ${image.mediaType}${image.width && image.height ? ` ${image.width}×${image.height}` : ''}]`).join('');
}

/** The images of a message (tool results and user messages carry them). */
export function messageImages(message: Message): readonly ImagePart[] {
  return (message.role === 'tool' || message.role === 'user') && message.images ? message.images : [];
}
