const MARKER = Symbol.for('ml-intern.error');

/** Base of every error ml-intern throws. `code` is stable and machine-readable. */
export class MlInternError extends Error {
  readonly code: string;
  readonly [MARKER] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** True for any MlInternError, even one created by another copy of this package. */
  static isInstance(value: unknown): value is MlInternError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** The caller's mistake: bad config, unknown model id, invalid option. */
export class ConfigError extends MlInternError {
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
  constructor(message: string, options?: { cause?: unknown }) {
    super('model_behavior', message, options);
  }
}

/** Tool input failed validation; becomes an error tool result the model sees. */
export class InvalidToolInputError extends MlInternError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_tool_input', message, options);
  }
}

/** A tool failed in a way it wants reported as such; becomes an error tool result. */
export class ToolExecutionError extends MlInternError {
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
  constructor(message: string, options: ProviderErrorOptions = {}) {
    super(message, { ...options, isRetryable: false }, 'context_overflow');
  }
}

export class BudgetExceededError extends MlInternError {
  constructor(message: string) {
    super('budget_exceeded', message);
  }
}

export class MaxIterationsError extends MlInternError {
  constructor(message: string) {
    super('max_iterations', message);
  }
}

export class AbortError extends MlInternError {
  constructor(message = 'aborted') {
    super('aborted', message);
  }
}

export function isAbortError(error: unknown): boolean {
  if (error instanceof AbortError) return true;
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}
