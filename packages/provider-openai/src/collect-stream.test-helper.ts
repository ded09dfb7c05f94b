import type { ModelRequest, ModelStreamPart, ModelUsage } from '@ml-intern/core';

/** What one streamed answer amounts to, assembled from its parts. */
export interface CollectedAnswer {
  parts: ModelStreamPart[];
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: ModelUsage | undefined;
  finish: string | undefined;
}

export async function collect(stream: AsyncIterable<ModelStreamPart>): Promise<CollectedAnswer> {
  const answer: CollectedAnswer = { parts: [], text: '', reasoning: '', toolCalls: [], usage: undefined, finish: undefined };
  for await (const part of stream) {
    answer.parts.push(part);
    switch (part.type) {
      case 'text-delta':
        answer.text += part.text;
        break;
      case 'reasoning-delta':
        answer.reasoning += part.text;
        break;
      case 'tool-call-start':
        answer.toolCalls.push({ id: part.id, name: part.name, arguments: '' });
        break;
      case 'tool-call-delta': {
        const call = answer.toolCalls.find((candidate) => candidate.id === part.id);
        if (!call) throw new Error(`delta for unknown tool call ${part.id}`);
        call.arguments += part.argumentsDelta;
        break;
      }
      case 'usage':
        answer.usage = part.usage;
        break;
      case 'finish':
        answer.finish = part.reason;
        break;
      case 'reset':
        answer.text = '';
        answer.reasoning = '';
        answer.toolCalls = [];
        break;
      default:
        break;
    }
  }
  return answer;
}

export function userRequest(text: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return { system: 'You are a test assistant.', messages: [{ role: 'user', content: text }], tools: [], ...extra };
}

export const BASH_TOOL = {
  name: 'bash',
  description: 'Run a shell command',
  inputSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'], additionalProperties: false },
};
