/** Listener for pushed values; a throwing listener is isolated from the others. */
export type Listener<T> = (value: T) => void;

/**
 * Fan-out queue: every subscriber and every `for await` iterator sees every value pushed after it
 * attached. Pushing never waits on a consumer (backpressure-free); iterators buffer.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  readonly #listeners = new Set<Listener<T>>();
  #closed = false;

  /** Deliver a value to all current listeners. Ignored after close. */
  push(value: T): void {
    if (this.#closed) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch {
        // A faulty consumer (a UI renderer, a gateway) must not break the session or other consumers.
      }
    }
  }

  /** Attach a listener; returns the function that detaches it. */
  subscribe(listener: Listener<T>): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** End every iterator after it drains its buffer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of [...this.#listeners]) {
      const end = (listener as Listener<T> & { end?: () => void }).end;
      end?.();
    }
    this.#listeners.clear();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const buffer: T[] = [];
    let wake: (() => void) | undefined;
    let done = this.#closed;
    const listener: Listener<T> & { end?: () => void } = (value) => {
      buffer.push(value);
      wake?.();
    };
    listener.end = () => {
      done = true;
      wake?.();
    };
    const unsubscribe = this.subscribe(listener);
    return {
      next: async (): Promise<IteratorResult<T>> => {
        while (buffer.length === 0 && !done) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        if (buffer.length > 0) return { done: false, value: buffer.shift() as T };
        return { done: true, value: undefined };
      },
      return: async (): Promise<IteratorResult<T>> => {
        done = true;
        unsubscribe();
        return { done: true, value: undefined };
      },
    };
  }
}
