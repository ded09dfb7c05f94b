import { EXIT_CODES } from './run-result.js';

/**
 * SIGINT and SIGTERM (`timeout`, a CI runner stopping the job) interrupt an unattended run: the
 * first aborts `signal` so the turn stops and the session is saved; a second exits at once with
 * the interrupted code. `dispose()` removes the handlers.
 */
export function interruptOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT_CODES.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
