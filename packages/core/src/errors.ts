const MARKER = Symbol.for('ml-intern.error');

/** An error class with its stable kind (what `isInstance` needs of `this`). */
// biome-ignore lint: any constructor signature.
type ErrorClass<T> = { readonly kind: string; prototype: T } & (abstract new (...args: any[]) => T);

/** Base of every error ml-intern throws. `code` is stable and machine-readable. */
export class MlInternError extends Error {
  /** Stable class name, kept by minifiers: `isInstance` compares these, not constructors. */
  static readonly kind: string = 'MlInternError';
  readonly code: string;
  /** The kinds of this error's class and its ancestors. */
  readonly [MARKER]: readonly string[];

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = Object.hasOwn(new.target, 'kind') ? (new.target as typeof MlInternError).kind : new.target.name;
    this.code = code;
    const kinds: string[] = [];
    for (let type: unknown = new.target; typeof type === 'function'; type = Object.getPrototypeOf(type)) {
      if (Object.hasOwn(type, 'kind')) kinds.push((type as typeof MlInternError).kind);
    }
    this[MARKER] = kinds;
  }

  /**
   * True for an instance of this class (or a subclass), even one created by another copy of
   * `@ml-intern/core` in the same program, where `instanceof` fails: `ContextOverflowError.isInstance(e)`.
   */
  static isInstance<T extends MlInternError>(this: ErrorClass<T>, value: unknown): value is T {
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as Record<symbol, unknown>)[MARKER];
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }
}

/** The caller's mistake: bad config, unknown model id, invalid option. */
export class ConfigError extends MlInternError {
  static override readonly kind: string = 'ConfigError';
  /** File the bad value came from, when known. */
  readonly file: string | undefined;
  /** Dotted key path of the bad value, when known. */
  readonly keyPath: string | undefined;
  constructor(message: string, options: { file?: string; keyPath?: string; cause?: unknown } = {}) {
    super('config_error', message, options);
    this.file = options.file;
    this.keyPath = options.keyPath;
  }
}

/** The model did something unusable (empty answer, unusable tool call). */
export class ModelBehaviorError extends MlInternError {
  static override readonly kind: string = 'ModelBehaviorError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('model_behavior', message, options);
  }
}

/** Tool input failed validation; becomes an error tool result the model sees. */
export class InvalidToolInputError extends MlInternError {
  static override readonly kind: string = 'InvalidToolInputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_tool_input', message, options);
  }
}

/** A tool failed in a way it wants reported as such; becomes an error tool result. */
export class ToolExecutionError extends MlInternError {
  static override readonly kind: string = 'ToolExecutionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('tool_execution', message, options);
  }
}

export interface ProviderErrorOptions {
  status?: number;
  requestId?: string;
  isRetryable?: boolean;
  retryAfterMs?: number;
  /** The provider's error type (`overloaded_error`, `rate_limit_exceeded`, …). */
  errorType?: string;
  cause?: unknown;
}

/** A provider call failed. Classification is by status and error type, never by message text. */
export class ProviderError extends MlInternError {
  static override readonly kind: string = 'ProviderError';
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly errorType: string | undefined;

  constructor(message: string, options: ProviderErrorOptions = {}, code = 'provider_error') {
    super(code, message, { cause: options.cause });
    this.status = options.status;
    this.requestId = options.requestId;
    this.isRetryable = options.isRetryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.errorType = options.errorType;
  }
}

/** The request did not fit the model's context window; the loop compacts and retries once. */
export class ContextOverflowError extends ProviderError {
  static override readonly kind: string = 'ContextOverflowError';
  /** The window the server reported in its error (`maximum context length is 32768 tokens`, `n_ctx`), when it said. */
  readonly contextWindow: number | undefined;
  constructor(message: string, options: ProviderErrorOptions & { contextWindow?: number } = {}) {
    const { contextWindow, ...rest } = options;
    super(message, { ...rest, isRetryable: false }, 'context_overflow');
    this.contextWindow = contextWindow;
  }
}

export class BudgetExceededError extends MlInternError {
  static override readonly kind: string = 'BudgetExceededError';
  constructor(message: string) {
    super('budget_exceeded', message);
  }
}

export class MaxIterationsError extends MlInternError {
  static override readonly kind: string = 'MaxIterationsError';
  constructor(message: string) {
    super('max_iterations', message);
  }
}

export class AbortError extends MlInternError {
  static override readonly kind: string = 'AbortError';
  constructor(message = 'aborted') {
    super('aborted', message);
  }
}

export function isAbortError(error: unknown): boolean {
  if (AbortError.isInstance(error)) return true;
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}
