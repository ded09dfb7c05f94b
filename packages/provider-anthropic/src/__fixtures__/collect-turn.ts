import type { AssistantMessage, FinishReason, ModelStreamPart, ModelUsage } from '@ml-intern/core';

/** Everything one model call streamed, assembled the way an agent loop would. */
export interface CollectedTurn {
  parts: ModelStreamPart[];
  text: string;
  reasoningText: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: ModelUsage | undefined;
  finish: FinishReason | undefined;
  /** The assistant message to append to the history. */
  message: AssistantMessage;
}

/** Drain a stream into a turn; `reset` parts discard what came before, as core's consumers do. */
export async function collectTurn(stream: AsyncIterable<ModelStreamPart>): Promise<CollectedTurn> {
  let parts: ModelStreamPart[] = [];
  for await (const part of stream) {
    if (part.type === 'reset') parts = [];
    else parts.push(part);
  }
  const content: AssistantMessage['content'] = [];
  const calls = new Map<string, { id: string; name: string; arguments: string }>();
  let text = '';
  let reasoningText = '';
  let usage: ModelUsage | undefined;
  let finish: FinishReason | undefined;
  for (const part of parts) {
    switch (part.type) {
      case 'text-delta': {
        text += part.text;
        const last = content.at(-1);
        if (last?.type === 'text') last.text += part.text;
        else content.push({ type: 'text', text: part.text });
        break;
      }
      case 'reasoning-delta':
        reasoningText += part.text;
        break;
      case 'reasoning':
        content.push({ type: 'reasoning', text: part.text, ...(part.signature ? { signature: part.signature } : {}), ...(part.redacted ? { redacted: part.redacted } : {}), ...(part.provider ? { provider: part.provider } : {}) });
        break;
      case 'tool-call-start': {
        const call = { id: part.id, name: part.name, arguments: '' };
        calls.set(part.id, call);
        content.push({ type: 'tool_call', ...call });
        break;
      }
      case 'tool-call-delta': {
        const call = calls.get(part.id);
        if (call) call.arguments += part.argumentsDelta;
        break;
      }
      case 'tool-call-end': {
        const call = calls.get(part.id);
        const index = content.findIndex((item) => item.type === 'tool_call' && item.id === part.id);
        if (call && index !== -1) content[index] = { type: 'tool_call', ...call };
        break;
      }
      case 'usage':
        usage = part.usage;
        break;
      case 'finish':
        finish = part.reason;
        break;
      default:
        break;
    }
  }
  return { parts, text, reasoningText, toolCalls: [...calls.values()], usage, finish, message: { role: 'assistant', content } };
}
