import { createHash } from 'node:crypto';

export interface LoopGuardOptions {
  /** Same call signature this many times in a row is a loop (default 3). */
  repeatThreshold?: number;
  /** Cycle lengths checked (default 2–5); a cycle must repeat `cycleRepeats` times (default 2). */
  minCycle?: number;
  maxCycle?: number;
  cycleRepeats?: number;
  /** Tools never counted (e.g. polling helpers whose identical results are expected). */
  exemptTools?: readonly string[];
}

export interface LoopDetection {
  pattern: 'repeat' | 'cycle';
  tools: string[];
  repetitions: number;
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` sign the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The part of a result that says what happened: durations and spill-file paths change on every
 * call (`[exit code 0 · 12 ms]`), so they are masked; other numbers (job steps, losses) are kept,
 * so polling whose output moves on is still not a loop.
 */
export function stableResult(result: string): string {
  return result.replace(/\b\d+(?:\.\d+)? ?(?:ms|s|sec|seconds)\b/g, '<duration>').replace(/\S*\/spill\/\S+/g, '<spill>');
}

interface Signature {
  tool: string;
  key: string;
}

/**
 * Doom-loop detection on the tail of the call history (SPEC section 5). A signature is tool name
 * + hash of canonical arguments + hash of the result, so polling a job whose output changes is
 * not a loop. After a detection the tail is cleared: only new repetitions count again.
 */
export class LoopGuard {
  readonly #options: Required<Omit<LoopGuardOptions, 'exemptTools'>> & { exemptTools: Set<string> };
  #tail: Signature[] = [];

  constructor(options: LoopGuardOptions = {}) {
    this.#options = {
      repeatThreshold: options.repeatThreshold ?? 3,
      minCycle: options.minCycle ?? 2,
      maxCycle: options.maxCycle ?? 5,
      cycleRepeats: options.cycleRepeats ?? 2,
      exemptTools: new Set(options.exemptTools ?? ['plan_tool']),
    };
  }

  record(tool: string, input: unknown, result: string): void {
    if (this.#options.exemptTools.has(tool)) return;
    this.#tail.push({ tool, key: `${tool}:${hash(canonicalJson(input))}:${hash(stableResult(result))}` });
    const keep = Math.max(this.#options.repeatThreshold, this.#options.maxCycle * this.#options.cycleRepeats);
    if (this.#tail.length > keep) this.#tail.splice(0, this.#tail.length - keep);
  }

  /** Forget the tail (after a detection was acted on, or a new user turn). */
  reset(): void {
    this.#tail = [];
  }

  check(): LoopDetection | undefined {
    const tail = this.#tail;
    const { repeatThreshold, minCycle, maxCycle, cycleRepeats } = this.#options;
    const last = tail.at(-1);
    if (!last) return undefined;
    let run = 0;
    for (let index = tail.length - 1; index >= 0 && tail[index]?.key === last.key; index -= 1) run += 1;
    if (run >= repeatThreshold) return { pattern: 'repeat', tools: [last.tool], repetitions: run };
    for (let length = minCycle; length <= maxCycle; length += 1) {
      const needed = length * cycleRepeats;
      if (tail.length < needed) break;
      const window = tail.slice(-needed);
      const cycle = window.slice(0, length);
      if (new Set(cycle.map((item) => item.key)).size < 2) continue;
      const repeats = window.every((item, index) => item.key === cycle[index % length]?.key);
      if (repeats) return { pattern: 'cycle', tools: cycle.map((item) => item.tool), repetitions: cycleRepeats };
    }
    return undefined;
  }
}

export function loopNotice(detection: LoopDetection): string {
  const what =
    detection.pattern === 'repeat'
      ? `called ${detection.tools[0]} ${detection.repetitions} times in a row with the same arguments and got the same result`
      : `repeated the same cycle of calls (${detection.tools.join(' → ')}) ${detection.repetitions} times with identical results`;
  return `Loop guard: you ${what}. Repeating it will not change the outcome. Stop, state what you expected and what happened, then try a different approach (other arguments, another tool, or ask the user).`;
}
