import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { DomainError, RateLimitedError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { buildProblem, PROBLEM_CONTENT_TYPE, Problem } from '#src/common/errors/problem.js';

/** SQLSTATE classes and socket errors that mean "the database cannot be reached right now". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '57P05',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57014',
]);
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);

/**
 * Turns every error into `application/problem+json`. Domain codes map to statuses in one
 * exhaustive switch; anything unexpected becomes a 500 that names the request id and never
 * carries a stack trace to the client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const requestId = request.id === undefined ? undefined : String(request.id);
    const problem = problemFor(exception, request.originalUrl ?? request.url, requestId);
    // Every VALIDATION_FAILED names what is at fault; a refusal from the router itself (a path
    // that does not decode as UTF-8, say) carries no field, so it names the path.
    if (problem.code === ErrorCode.VALIDATION_FAILED && !problem.errors?.length) {
      problem.errors = [
        { field: /decode/i.test(problem.detail) ? 'path' : 'request', message: problem.detail },
      ];
    }
    if (problem.status >= 500) {
      this.logger.error(
        { err: loggable(exception), requestId, code: problem.code },
        'request failed',
      );
    }
    if (response.headersSent) return;
    if (exception instanceof RateLimitedError)
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}

/**
 * The problem document for any error: a domain error as it says, an HTTP exception by its
 * status, a lost database as 503, a constraint violation by its mapping, anything else as a 500
 * that names the request id. The filter and the public receipt fast path both answer with it.
 */
export function problemFor(exception: unknown, instance: string, requestId?: string): Problem {
  const extras = { instance, requestId };
  if (exception instanceof DomainError) {
    return buildProblem(exception.code, exception.message, {
      ...extras,
      errors: exception.errors,
    });
  }
  if (exception instanceof HttpException) return fromHttpException(exception, extras);
  if (isDatabaseUnavailable(exception)) {
    return buildProblem(
      ErrorCode.SERVICE_UNAVAILABLE,
      'The database cannot be reached; retry later.',
      extras,
    );
  }
  if (exception instanceof QueryFailedError) {
    const mapped = fromConstraintViolation(exception);
    if (mapped) return buildProblem(mapped.code, mapped.detail, extras);
  }
  return buildProblem(
    ErrorCode.INTERNAL_ERROR,
    `An unexpected error occurred; quote request id ${requestId ?? 'unknown'} when reporting it.`,
    extras,
  );
}

interface Mapped {
  code: ErrorCode;
  detail: string;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.NOT_FOUND,
  406: ErrorCode.NOT_ACCEPTABLE,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.TOO_MANY_REQUESTS,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

function fromHttpException(
  exception: HttpException,
  extras: { instance: string; requestId?: string },
): Problem {
  const status = exception.getStatus();
  const code =
    STATUS_CODES[status] ??
    (status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.VALIDATION_FAILED);
  const body = exception.getResponse();
  const message =
    typeof body === 'object' && body !== null && 'message' in body
      ? ([] as unknown[]).concat((body as { message: unknown }).message).join('; ')
      : exception.message;
  const detail = code === ErrorCode.NOT_FOUND ? notFoundDetail(message) : message;
  return buildProblem(code, detail, extras);
}

function notFoundDetail(message: string): string {
  return message.startsWith('Cannot ') ? `No route: ${message.slice('Cannot '.length)}` : message;
}

/**
 * Every failure that means "the database cannot be reached right now" (docs/decisions/
 * 0016-database-outages.md lists what each one is): a SQLSTATE or socket code, a message pg
 * writes without a code, or TypeORM refusing a transaction whose connection it has released.
 */
export function isDatabaseUnavailable(exception: unknown): boolean {
  // TypeORM releases a transaction's connection itself when that connection fails between two
  // statements, and the next statement finds it released. No code of the API keeps a query
  // runner after its transaction ends, so the connection's loss is the only way here.
  if (
    exception instanceof QueryRunnerAlreadyReleasedError ||
    exception instanceof QueryRunnerProviderAlreadyReleasedError
  )
    return true;
  const candidate = exception as {
    code?: unknown;
    driverError?: { code?: unknown };
    message?: unknown;
  } | null;
  const code = candidate?.driverError?.code ?? candidate?.code;
  if (
    typeof code === 'string' &&
    (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code))
  )
    return true;
  const message = typeof candidate?.message === 'string' ? candidate.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Client was closed and is not queryable|Query read timeout/i.test(
    message,
  );
}

function fromConstraintViolation(exception: QueryFailedError): Mapped | null {
  const driverError = exception.driverError as {
    code?: string;
    constraint?: string;
    detail?: string;
  };
  const constraint = driverError.constraint ? ` (${driverError.constraint})` : '';
  switch (driverError.code) {
    case '23505':
      return {
        code: ErrorCode.CONFLICT,
        detail: `A record with the same unique values already exists${constraint}.`,
      };
    case '23514':
    case '23502':
    case '23503':
      return {
        code: ErrorCode.CONSTRAINT_VIOLATION,
        detail: `The data breaks a rule of the ledger${constraint}.`,
      };
    default:
      // Class 22 is "data exception": a value the database cannot take (out of range, invalid
      // text, a malformed timestamp). It comes from input, so it is never a server fault.
      return driverError.code?.startsWith('22')
        ? {
            code: ErrorCode.CONSTRAINT_VIOLATION,
            detail: 'A value is out of the range the ledger can store.',
          }
        : null;
  }
}

/**
 * What of an unexpected error may be logged: its kind, message, SQLSTATE and stack, never the
 * statement's parameters (they may hold delegates' names, keys' digests or other personal data).
 */
function loggable(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { message: String(exception) };
  const driverError = (exception as { driverError?: { code?: string; constraint?: string } })
    .driverError;
  return {
    type: exception.name,
    message: exception.message,
    sqlState: driverError?.code,
    constraint: driverError?.constraint,
    stack: exception.stack,
  };
}
