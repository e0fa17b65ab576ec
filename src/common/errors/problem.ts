import { ErrorCode, statusOf, titleOf } from '#src/common/errors/error-code.js';
import type { FieldError } from '#src/common/errors/domain-error.js';

/** An RFC 9457 problem document as this API writes it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: ErrorCode): string {
  return `urn:unfssc:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function buildProblem(
  code: ErrorCode,
  detail: string,
  extras: { instance?: string; requestId?: string; errors?: readonly FieldError[] } = {},
): Problem {
  const problem: Problem = {
    type: problemType(code),
    title: titleOf(code),
    status: statusOf(code),
    detail,
    code,
  };
  if (extras.instance !== undefined) problem.instance = extras.instance;
  if (extras.requestId !== undefined) problem.requestId = extras.requestId;
  if (extras.errors && extras.errors.length > 0) problem.errors = [...extras.errors];
  return problem;
}
