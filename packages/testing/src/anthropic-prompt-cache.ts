import { createHash } from 'node:crypto';

/** Token numbers for one request, as the fake reports them. */
export interface AnthropicCacheMeasure {
  /** Every input token of the request (uncached + cache read + cache creation). */
  totalTokens: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** How far back from a breakpoint the API looks for an earlier cache entry (documented: 20 blocks). */
const LOOKBACK_BLOCKS = 20;

/** Rough token estimate used by the fake everywhere: four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

interface PrefixBlock {
  serialized: string;
  breakpoint: boolean;
}

function withoutCacheControl(block: unknown): unknown {
  if (typeof block !== 'object' || block === null || !('cache_control' in block)) return block;
  const { cache_control: _ignored, ...rest } = block as Record<string, unknown>;
  return rest;
}

function isBreakpoint(block: unknown): boolean {
  return typeof block === 'object' && block !== null && (block as Record<string, unknown>).cache_control != null;
}

/** The request as the API orders its cache prefix: tools, then system, then messages. */
function prefixBlocks(body: Record<string, unknown>): PrefixBlock[] {
  const blocks: PrefixBlock[] = [];
  const push = (label: string, block: unknown) =>
    blocks.push({ serialized: `${label}:${JSON.stringify(withoutCacheControl(block))}`, breakpoint: isBreakpoint(block) });
  for (const tool of (body.tools as unknown[] | undefined) ?? []) push('tool', tool);
  const system = body.system;
  if (typeof system === 'string') push('system', { type: 'text', text: system });
  else for (const block of (system as unknown[] | undefined) ?? []) push('system', block);
  for (const message of (body.messages as { role?: string; content?: unknown }[] | undefined) ?? []) {
    const role = message.role ?? 'user';
    if (typeof message.content === 'string') push(role, { type: 'text', text: message.content });
    else for (const block of (message.content as unknown[] | undefined) ?? []) push(role, block);
  }
  const last = blocks.at(-1);
  if (last && body.cache_control != null) last.breakpoint = true;
  return blocks;
}

/**
 * A prompt cache that behaves like Anthropic's: a request reads from the cache the longest prefix,
 * ending at (or up to 20 blocks before) one of its `cache_control` breakpoints, that an earlier
 * request wrote; it writes every breakpoint prefix it sends.
 */
export class AnthropicPromptCache {
  readonly #entries = new Set<string>();
  readonly #minimumTokens: number;

  constructor(options: { minimumTokens?: number } = {}) {
    this.#minimumTokens = options.minimumTokens ?? 0;
  }

  /** Measure a `/v1/messages` body and record its breakpoints. */
  measure(body: Record<string, unknown>): AnthropicCacheMeasure {
    const { measure, blocks, hashes, cumulative } = this.#compute(body);
    blocks.forEach((block, index) => {
      if (block.breakpoint && (cumulative[index] ?? 0) >= this.#minimumTokens) this.#entries.add(hashes[index] ?? '');
    });
    return measure;
  }

  /** Measure without recording (count_tokens). */
  peek(body: Record<string, unknown>): AnthropicCacheMeasure {
    return this.#compute(body).measure;
  }

  #compute(body: Record<string, unknown>) {
    const { blocks, hashes, cumulative } = this.#analyse(body);
    const totalTokens = cumulative.at(-1) ?? 0;
    let readUpTo = -1;
    let lastBreakpoint = -1;
    blocks.forEach((block, index) => {
      if (!block.breakpoint) return;
      lastBreakpoint = index;
      for (let candidate = index; candidate >= Math.max(0, index - LOOKBACK_BLOCKS + 1); candidate -= 1) {
        if (this.#entries.has(hashes[candidate] ?? '')) {
          readUpTo = Math.max(readUpTo, candidate);
          break;
        }
      }
    });
    const cacheReadTokens = readUpTo >= 0 ? (cumulative[readUpTo] ?? 0) : 0;
    const written = lastBreakpoint > readUpTo ? (cumulative[lastBreakpoint] ?? 0) : 0;
    const cacheCreationTokens = written >= this.#minimumTokens && written > 0 ? written - cacheReadTokens : 0;
    const measure: AnthropicCacheMeasure = {
      totalTokens,
      inputTokens: totalTokens - cacheReadTokens - cacheCreationTokens,
      cacheReadTokens,
      cacheCreationTokens,
    };
    return { measure, blocks, hashes, cumulative };
  }

  #analyse(body: Record<string, unknown>): { blocks: PrefixBlock[]; hashes: string[]; cumulative: number[] } {
    const blocks = prefixBlocks(body);
    const hashes: string[] = [];
    const cumulative: number[] = [];
    let previous = String(body.model ?? '');
    let tokens = 0;
    for (const block of blocks) {
      previous = createHash('sha256').update(previous).update(block.serialized).digest('base64');
      tokens += estimateTokens(block.serialized);
      hashes.push(previous);
      cumulative.push(tokens);
    }
    return { blocks, hashes, cumulative };
  }
}
