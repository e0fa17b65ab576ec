import { ErrorCode } from '#src/common/errors/error-code.js';

export interface FieldError {
  /** Path of the offending field in the request, e.g. `instalments[1].amount` or `header:Idempotency-Key`. */
  readonly field: string;
  readonly message: string;
}

/**
 * A rule of the domain refused the request. Services throw it and never know about HTTP: the
 * problem filter maps `code` to a status.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(resource: string, id: string): DomainError {
    return new DomainError(ErrorCode.NOT_FOUND, `${resource} ${id} was not found`);
  }

  static validation(errors: readonly FieldError[]): DomainError {
    const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return new DomainError(ErrorCode.VALIDATION_FAILED, detail, errors);
  }
}

/** 429: a rate limit refused the request; the client may retry after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(ErrorCode.TOO_MANY_REQUESTS, message);
    this.name = 'RateLimitedError';
  }
}
