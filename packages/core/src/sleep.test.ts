import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortError } from './errors.js';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('resolves after the wait', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('rejects with AbortError at once when the signal is already aborted', async () => {
    await expect(sleep(2 ** 31 - 1, AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
  });

  it('rejects with AbortError when the signal aborts during the wait', async () => {
    const controller = new AbortController();
    const pending = sleep(2 ** 31 - 1, controller.signal);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('stops listening to the signal once the wait is over', async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
