/**
 * Detects a key pressed twice within a short window (Ctrl-C twice within 1 s quits, as in
 * ml-intern). A detected pair is consumed: a third press starts a new pair.
 */
export class DoublePress {
  readonly #windowMs: number;
  readonly #now: () => number;
  #last = Number.NEGATIVE_INFINITY;

  constructor(windowMs = 1_000, now: () => number = () => performance.now()) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Record a press; true when it is the second one within the window. */
  press(): boolean {
    const now = this.#now();
    const second = now - this.#last <= this.#windowMs;
    this.#last = second ? Number.NEGATIVE_INFINITY : now;
    return second;
  }
}
