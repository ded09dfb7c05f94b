import type { ToolLogLevel } from '@ml-intern/core';

export interface LogThrottleOptions {
  /** Minimum time between two log messages. */
  intervalMs?: number;
  /** Lines per message; older lines of a burst are summarised as a count. */
  maxLines?: number;
  /** Characters per line. */
  maxLineChars?: number;
}

export interface LogThrottle {
  push(line: string): void;
  /** Send what is pending now (at the end of a command). */
  flush(): void;
}

/**
 * Batch output lines into at most one `tool_log` message per interval, so a chatty command
 * streams progress without flooding the event stream.
 */
export function createLogThrottle(log: (message: string, level?: ToolLogLevel) => void, options: LogThrottleOptions = {}): LogThrottle {
  const intervalMs = options.intervalMs ?? 250;
  const maxLines = options.maxLines ?? 40;
  const maxLineChars = options.maxLineChars ?? 500;
  // The latest `maxLines` lines in a ring: a burst of millions of lines costs one store each.
  let ring: string[] = [];
  let next = 0;
  let count = 0;
  let skipped = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (count === 0 && skipped === 0) return;
    const pending = count < maxLines ? ring.slice(0, count) : [...ring.slice(next), ...ring.slice(0, next)];
    const lines = skipped > 0 ? [`… ${skipped} earlier lines not shown`, ...pending] : pending;
    ring = [];
    next = 0;
    count = 0;
    skipped = 0;
    log(lines.join('\n'));
  };

  return {
    push(line) {
      // Keep the latest lines of a burst: they say where the command is now.
      if (count === maxLines) skipped += 1;
      else count += 1;
      ring[next] = line.length > maxLineChars ? `${line.slice(0, maxLineChars)}…` : line;
      next = (next + 1) % maxLines;
      timer ??= setTimeout(flush, intervalMs);
    },
    flush,
  };
}
