import { checkImageData, parseDataUrl } from './validate-image.js';

type Part = Record<string, unknown> & { type?: unknown };

function imageUrlProblem(url: unknown, where: string): string | undefined {
  if (typeof url === 'string' && /^https?:\/\//.test(url)) return undefined;
  const parsed = parseDataUrl(url);
  if (!parsed) return `Invalid '${where}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got an invalid value.`;
  const problem = checkImageData(parsed.mediaType, parsed.data);
  return problem ? `You uploaded an unsupported image. Please make sure your image is valid. (${where}: ${problem})` : undefined;
}

function chatProblem(body: Record<string, unknown>): string | undefined {
  const messages = Array.isArray(body.messages) ? (body.messages as Part[]) : [];
  for (const [index, message] of messages.entries()) {
    if (!Array.isArray(message.content)) continue;
    for (const [partIndex, part] of (message.content as Part[]).entries()) {
      const where = `messages[${index}].content[${partIndex}]`;
      if (part.type === 'text') continue;
      if (part.type !== 'image_url') return `Invalid value: '${String(part.type)}'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio' and 'file'.`;
      // Only user messages may carry images: a tool message's content parts are text only.
      if (message.role !== 'user') {
        return `Invalid '${where}'. Image URLs are only allowed for messages with role 'user', but this message with role '${String(message.role)}' contains an image URL.`;
      }
      const problem = imageUrlProblem((part.image_url as Part | undefined)?.url, `${where}.image_url.url`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function responsesPartsProblem(parts: Part[], where: string, allowed: readonly string[]): string | undefined {
  for (const [index, part] of parts.entries()) {
    const at = `${where}[${index}]`;
    if (!allowed.includes(String(part.type))) return `Invalid value: '${String(part.type)}' at '${at}.type'. Supported values are: ${allowed.map((type) => `'${type}'`).join(', ')}.`;
    if (part.type === 'input_image') {
      const problem = imageUrlProblem(part.image_url, `${at}.image_url`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function responsesProblem(body: Record<string, unknown>): string | undefined {
  const input = Array.isArray(body.input) ? (body.input as Part[]) : [];
  for (const [index, item] of input.entries()) {
    if (item.type === 'function_call_output' && Array.isArray(item.output)) {
      const problem = responsesPartsProblem(item.output as Part[], `input[${index}].output`, ['input_text', 'input_image', 'input_file']);
      if (problem) return problem;
    } else if (typeof item.role === 'string' && Array.isArray(item.content)) {
      const allowed = item.role === 'assistant' ? ['output_text', 'refusal'] : ['input_text', 'input_image', 'input_file'];
      const problem = responsesPartsProblem(item.content as Part[], `input[${index}].content`, allowed);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Check the content parts of a Chat Completions or Responses body the way OpenAI does for the
 * mistakes an adapter can make with images (an image in a tool message, a bad data URL, a part
 * type the endpoint does not know). Returns the API's error message, or undefined when valid.
 */
export function validateOpenAIRequest(api: 'chat' | 'responses', body: Record<string, unknown>): string | undefined {
  return api === 'chat' ? chatProblem(body) : responsesProblem(body);
}
