import { createRequire } from 'node:module';
import { estimateImagesTokens } from './image.js';
import { messageImages, messageText, type Message } from './messages.js';

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

/**
 * Longest run of non-space (or of space) characters handed to the tokenizer in one piece. BPE
 * merges inside one pre-tokenizer "word" cost time quadratic in its length (`A` × 32 KB takes a
 * second, × 20 MB aborts the WASM with `unreachable`); below this length the cost per character
 * is the same as for prose. Cutting a longer run changes its count by at most a token per cut.
 */
export const MAX_RUN_CHARS = 128;
/** Texts up to this many characters are counted exactly (about 0.1 s for prose, 0.2 s at worst). */
export const EXACT_COUNT_CHARS = 128 * 1024;
/** Longer texts are estimated from this many evenly spread windows … */
const SAMPLE_WINDOWS = 16;
/** … of this many characters each. */
const SAMPLE_WINDOW_CHARS = 4 * 1024;
/** Counts of identical run pieces (`AAAA…`), so a long repeated run costs one encode. */
const PIECE_CACHE_LIMIT = 256;

function isSpace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Exact o200k count of `text`, with runs longer than {@link MAX_RUN_CHARS} cut into pieces. */
function countPieces(encoder: Encoder, text: string, cache: Map<string, number>): number {
  const encode = (piece: string): number => {
    if (piece.length === 0) return 0;
    if (piece.length > MAX_RUN_CHARS) return encoder.encode(piece, 'all').length;
    let tokens = cache.get(piece);
    if (tokens === undefined) {
      tokens = encoder.encode(piece, 'all').length;
      if (cache.size >= PIECE_CACHE_LIMIT) cache.clear();
      cache.set(piece, tokens);
    }
    return tokens;
  };
  let total = 0;
  let start = 0;
  let run = 0;
  let runIsSpace = false;
  // o200k lets punctuation be followed by any run of `\r`, `\n` and `/` in one word: count those too.
  let lineBreaksAndSlashes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const space = isSpace(code);
    if (run > 0 && space === runIsSpace) run += 1;
    else {
      run = 1;
      runIsSpace = space;
    }
    lineBreaksAndSlashes = code === 10 || code === 13 || code === 47 ? lineBreaksAndSlashes + 1 : 0;
    // Cut after this character, never between the halves of a surrogate pair.
    if ((run >= MAX_RUN_CHARS || lineBreaksAndSlashes >= MAX_RUN_CHARS) && !isHighSurrogate(code)) {
      total += encode(text.slice(start, index + 1));
      start = index + 1;
      run = 0;
      lineBreaksAndSlashes = 0;
    }
  }
  return total + encode(text.slice(start));
}

/** Estimate a long text from evenly spread windows, never above its UTF-8 byte length (a token is at least a byte). */
function estimateFromSamples(encoder: Encoder, text: string, cache: Map<string, number>): number {
  let sampledChars = 0;
  let sampledTokens = 0;
  const span = text.length - SAMPLE_WINDOW_CHARS;
  for (let window = 0; window < SAMPLE_WINDOWS; window += 1) {
    let start = Math.floor((window * span) / (SAMPLE_WINDOWS - 1));
    let end = start + SAMPLE_WINDOW_CHARS;
    if (isHighSurrogate(text.charCodeAt(start - 1))) start += 1;
    if (isHighSurrogate(text.charCodeAt(end - 1))) end += 1;
    const sample = text.slice(start, end);
    sampledChars += sample.length;
    sampledTokens += countPieces(encoder, sample, cache);
  }
  const estimate = Math.ceil((sampledTokens / Math.max(1, sampledChars)) * text.length);
  return Math.min(estimate, Buffer.byteLength(text, 'utf8'));
}

/** The fallback when the tokenizer cannot be used at all: about 4 characters a token. */
function roughEstimate(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * o200k_base counter. Special-token text (`<|endoftext|>`) in tool output is counted, never thrown
 * on. Bounded in time and memory for any input and never throws: long runs of one character class
 * are cut before encoding ({@link MAX_RUN_CHARS}), texts over {@link EXACT_COUNT_CHARS} are
 * estimated from samples, and should the tokenizer fail, the count falls back to 4 characters a token.
 */
export function createTiktokenCounter(): TokenCounter {
  const cache = new Map<string, number>();
  return {
    count(text: string): number {
      if (text.length === 0) return 0;
      try {
        const encoder = loadEncoder();
        return text.length <= EXACT_COUNT_CHARS ? countPieces(encoder, text, cache) : estimateFromSamples(encoder, text, cache);
      } catch {
        return roughEstimate(text);
      }
    },
  };
}

/** Cheap estimate (≈4 characters per token) for callers that cannot afford the tokenizer. */
export function createCharEstimateCounter(charsPerToken = 4): TokenCounter {
  return { count: (text) => Math.ceil(text.length / charsPerToken) };
}

export function countMessageTokens(counter: TokenCounter, message: Message): number {
  return counter.count(messageText(message)) + MESSAGE_OVERHEAD_TOKENS + estimateImagesTokens(messageImages(message));
}
