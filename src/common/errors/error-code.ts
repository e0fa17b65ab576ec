/** Every machine-readable error code the API can answer with (SPEC section 13). */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  NOT_ACCEPTABLE = 'NOT_ACCEPTABLE',
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
  /** A uniqueness rule of the database refused the write. */
  CONFLICT = 'CONFLICT',
  /** A check rule of the database refused the write. */
  CONSTRAINT_VIOLATION = 'CONSTRAINT_VIOLATION',
  DONOR_EXISTS = 'DONOR_EXISTS',
  REQUEST_EXISTS = 'REQUEST_EXISTS',
  CONFERENCE_EXISTS = 'CONFERENCE_EXISTS',
  ALREADY_RELEASED = 'ALREADY_RELEASED',
  RATE_IN_USE = 'RATE_IN_USE',
  ALREADY_REVERSED = 'ALREADY_REVERSED',
  INVALID_PLEDGE_STATE = 'INVALID_PLEDGE_STATE',
  CONFERENCE_LOCKED = 'CONFERENCE_LOCKED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  RATE_NOT_FOUND = 'RATE_NOT_FOUND',
  PLEDGE_DONOR_MISMATCH = 'PLEDGE_DONOR_MISMATCH',
  CURRENCY_MISMATCH = 'CURRENCY_MISMATCH',
  EXCEEDS_OUTSTANDING = 'EXCEEDS_OUTSTANDING',
  DATE_IN_FUTURE = 'DATE_IN_FUTURE',
  DATE_OUT_OF_ORDER = 'DATE_OUT_OF_ORDER',
  COUNTRY_NOT_ELIGIBLE = 'COUNTRY_NOT_ELIGIBLE',
  UNKNOWN_COUNTRY = 'UNKNOWN_COUNTRY',
  /** The amount is worth less than one US cent at the rate of the day: it cannot be booked. */
  AMOUNT_TOO_SMALL = 'AMOUNT_TOO_SMALL',
  /** Four-eyes control: the approval request has already been approved or rejected. */
  ALREADY_DECIDED = 'ALREADY_DECIDED',
  /** Four-eyes control: the payment or pledge already has a request awaiting a decision. */
  APPROVAL_PENDING = 'APPROVAL_PENDING',
}

/**
 * The HTTP status of each code. The `switch` is exhaustive: adding a code without a status is a
 * compile error, so no domain error can fall through to a 500 by accident.
 */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
      return 400;
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.NOT_ACCEPTABLE:
      return 406;
    case ErrorCode.CONFLICT:
    case ErrorCode.DONOR_EXISTS:
    case ErrorCode.REQUEST_EXISTS:
    case ErrorCode.CONFERENCE_EXISTS:
    case ErrorCode.ALREADY_RELEASED:
    case ErrorCode.RATE_IN_USE:
    case ErrorCode.ALREADY_REVERSED:
    case ErrorCode.INVALID_PLEDGE_STATE:
    case ErrorCode.CONFERENCE_LOCKED:
    case ErrorCode.IDEMPOTENCY_KEY_REUSED:
    case ErrorCode.ALREADY_DECIDED:
    case ErrorCode.APPROVAL_PENDING:
      return 409;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.CONSTRAINT_VIOLATION:
    case ErrorCode.RATE_NOT_FOUND:
    case ErrorCode.PLEDGE_DONOR_MISMATCH:
    case ErrorCode.CURRENCY_MISMATCH:
    case ErrorCode.EXCEEDS_OUTSTANDING:
    case ErrorCode.DATE_IN_FUTURE:
    case ErrorCode.DATE_OUT_OF_ORDER:
    case ErrorCode.COUNTRY_NOT_ELIGIBLE:
    case ErrorCode.UNKNOWN_COUNTRY:
    case ErrorCode.AMOUNT_TOO_SMALL:
      return 422;
    case ErrorCode.TOO_MANY_REQUESTS:
      return 429;
    case ErrorCode.INTERNAL_ERROR:
      return 500;
    case ErrorCode.SERVICE_UNAVAILABLE:
      return 503;
    default:
      return assertNever(code);
  }
}

function assertNever(code: never): never {
  throw new Error(`Unmapped error code ${String(code)}`);
}

/** Short human titles for the problem document's `title` member. */
export function titleOf(code: ErrorCode): string {
  return code
    .toLowerCase()
    .split('_')
    .map((word, i) => (i === 0 ? word[0].toUpperCase() + word.slice(1) : word))
    .join(' ');
}
