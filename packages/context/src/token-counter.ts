import { createRequire } from 'node:module';
import { messageText, type Message } from './messages.js';

/** Counts tokens of text. The default is tiktoken o200k_base, loaded on first use. */
export interface TokenCounter {
  count(text: string): number;
}

/** Fixed per-message overhead of the chat framing (role, separators), as OpenAI documents it. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

interface Encoder {
  encode(text: string, allowedSpecial?: 'all'): Uint32Array;
}

let sharedEncoder: Encoder | undefined;

function loadEncoder(): Encoder {
  if (!sharedEncoder) {
    // tiktoken is CommonJS with a WASM payload; loading it lazily keeps `import` free of side effects.
    const require = createRequire(import.meta.url);
    const tiktoken = require('tiktoken') as { get_encoding(name: string): Encoder };
    sharedEncoder = tiktoken.get_encoding('o200k_base');
  }
  return sharedEncoder;
}

/** o200k_base counter. Special-token text (`<|endoftext|>`) in tool output is counted, never thrown on. */
export function createTiktokenCounter(): TokenCounter {
  return {
    count(text: string): number {
      if (text.length === 0) return 0;
      return loadEncoder().encode(text, 'all').length;
    },
  };
}

/** Cheap estimate (≈4 characters per token) for callers that cannot afford the tokenizer. */
export function createCharEstimateCounter(charsPerToken = 4): TokenCounter {
  return { count: (text) => Math.ceil(text.length / charsPerToken) };
}

export function countMessageTokens(counter: TokenCounter, message: Message): number {
  return counter.count(messageText(message)) + MESSAGE_OVERHEAD_TOKENS;
}
