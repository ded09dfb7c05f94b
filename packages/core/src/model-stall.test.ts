import { describe, expect, it } from 'vitest';
import { ProviderError } from './errors.js';
import { callModel } from './model-call.js';
import type { LanguageModel, ModelRequest, ModelStreamPart, StreamOptions } from './model.js';
import { DEFAULT_MODEL_CALL_DEADLINE_MS, DEFAULT_MODEL_IDLE_TIMEOUT_MS, callLimits, type RetryNotice } from './retry.js';
import { sleep } from './sleep.js';

const request: ModelRequest = { system: '', messages: [{ role: 'user', content: 'hi' }], tools: [], maxOutputTokens: 100 };

/** A model whose attempts follow `script`: each attempt is a list of [delay ms, part] steps, or `hang`. */
class StallingModel implements LanguageModel {
  readonly id = 'stalling/model';
  readonly info = { contextWindow: 1000, maxOutputTokens: 100 };
  readonly signals: AbortSignal[] = [];
  attempts = 0;
  constructor(readonly script: (attempt: number) => 'hang' | [number, ModelStreamPart][]) {}

  async *stream(_request: ModelRequest, options: StreamOptions = {}): AsyncGenerator<ModelStreamPart> {
    const attempt = this.attempts++;
    if (options.signal) this.signals.push(options.signal);
    const steps = this.script(attempt);
    // Headers came, then nothing: wait until cancelled.
    if (steps === 'hang') await sleep(2 ** 31 - 1, options.signal);
    else
      for (const [delay, part] of steps) {
        await sleep(delay, options.signal);
        yield part;
      }
  }
}

const answer = (text: string): [number, ModelStreamPart][] => [
  [0, { type: 'text-delta', text }],
  [0, { type: 'finish', reason: 'stop' }],
];
const hooks = (notices: RetryNotice[] = []) => ({ onTextDelta: () => {}, onReset: () => {}, onRetry: (notice: RetryNotice) => notices.push(notice) });

describe('a model that sends nothing', () => {
  it('is given up after the idle timeout and retried, and the abandoned attempt is cancelled', async () => {
    const model = new StallingModel((attempt) => (attempt === 0 ? 'hang' : answer('second try')));
    const notices: RetryNotice[] = [];
    const started = Date.now();
    const result = await callModel(model, request, hooks(notices), { signal: new AbortController().signal, idleTimeoutMs: 100, baseDelayMs: 1 });
    expect(result.text).toBe('second try');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.error.message).toMatch(/stalling\/model sent nothing for 0.1 s; giving up on this attempt/);
    expect(notices[0]?.error.errorType).toBe('timeout');
    expect(model.signals[0]?.aborted).toBe(true);
  });

  it('stops retrying at the call deadline, with a message that says so', async () => {
    const model = new StallingModel(() => 'hang');
    const started = Date.now();
    const error = await callModel(model, request, hooks(), { signal: new AbortController().signal, idleTimeoutMs: 80, deadlineMs: 300, maxAttempts: 50, baseDelayMs: 1 }).catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).isRetryable).toBe(false);
    expect((error as Error).message).toMatch(/sent nothing .*no more retries: this call has already taken 0.3 s/);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1_500);
    expect(model.attempts).toBeLessThan(10);
  });

  it('waits on as long as reasoning keeps arriving, past the idle timeout', async () => {
    const reasoning: [number, ModelStreamPart][] = Array.from({ length: 8 }, () => [40, { type: 'reasoning-delta', text: 'thinking… ' }] as [number, ModelStreamPart]);
    const model = new StallingModel(() => [...reasoning, ...answer('thought it through')]);
    const result = await callModel(model, request, hooks(), { signal: new AbortController().signal, idleTimeoutMs: 100, deadlineMs: 150 });
    expect(result.text).toBe('thought it through');
    expect(model.attempts).toBe(1);
  });

  it('a silent gap in the middle of an answer is retried from the start', async () => {
    const model = new StallingModel((attempt) => (attempt === 0 ? [[0, { type: 'text-delta', text: 'half' }], [5_000, { type: 'text-delta', text: 'never' }]] : answer('whole')));
    const resets: string[] = [];
    const result = await callModel(model, request, { ...hooks(), onReset: (reason) => resets.push(reason) }, { signal: new AbortController().signal, idleTimeoutMs: 100, baseDelayMs: 1 });
    expect(result.text).toBe('whole');
    expect(resets[0]).toMatch(/in the middle of its answer/);
  });

  it('an interrupt still ends a silent call at once', async () => {
    const model = new StallingModel(() => 'hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 50);
    const error = await callModel(model, request, hooks(), { signal: controller.signal }).catch((caught: unknown) => caught);
    expect((error as Error).name === 'AbortError' || (error as { code?: string }).code === 'aborted').toBe(true);
  });

  it('defaults: 180 s of silence, 10 minutes for all attempts; 0 turns each off', () => {
    expect(callLimits({})).toEqual({ idleMs: DEFAULT_MODEL_IDLE_TIMEOUT_MS, deadlineMs: DEFAULT_MODEL_CALL_DEADLINE_MS });
    expect(DEFAULT_MODEL_IDLE_TIMEOUT_MS).toBe(180_000);
    expect(callLimits({ idleTimeoutMs: 900_000 }).deadlineMs).toBe(1_800_000);
    expect(callLimits({ idleTimeoutMs: 0, deadlineMs: 0 })).toEqual({ idleMs: Number.POSITIVE_INFINITY, deadlineMs: Number.POSITIVE_INFINITY });
  });
});
