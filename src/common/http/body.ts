import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '#src/common/errors/problem.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Media types a request body may have: JSON everywhere, CSV for the bulk imports. */
const JSON_TYPES = ['application/json', 'application/*+json'];
const CSV_TYPES = ['text/csv'];

/**
 * Reads request bodies. Parser failures are answered here as problem documents, because they
 * happen before any Nest route exists to hand them to the exception filter.
 */
export function bodyMiddleware(limitBytes: number): RequestHandler[] {
  const json = express.json({ limit: limitBytes, strict: true, type: JSON_TYPES });
  const csv = express.text({ limit: limitBytes, type: CSV_TYPES });
  return [refuseUnsupportedMedia, guarded(json), guarded(csv), requireObjectBody];
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function refuseUnsupportedMedia(req: Request, res: Response, next: NextFunction): void {
  if (!WITH_BODY.has(req.method) || !hasBody(req)) return next();
  if (req.is([...JSON_TYPES, ...CSV_TYPES])) return next();
  const type = req.headers['content-type'] ?? 'none';
  writeProblem(
    req,
    res,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    `Content-Type ${type} is not accepted; send application/json.`,
  );
}

function guarded(parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (error?: unknown) => {
      if (!error) return next();
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') {
        return writeProblem(
          req,
          res,
          ErrorCode.PAYLOAD_TOO_LARGE,
          'The request body exceeds the size limit.',
        );
      }
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
        return writeProblem(
          req,
          res,
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          'The body encoding or charset is not supported.',
        );
      }
      const detail =
        type === 'entity.parse.failed'
          ? 'The request body is not valid JSON.'
          : 'The request body could not be read.';
      writeProblem(req, res, ErrorCode.VALIDATION_FAILED, detail, [
        { field: 'body', message: detail },
      ]);
    });
  };
}

/**
 * A JSON body must be an object. An empty body becomes `{}` so that validation names every
 * missing field instead of failing on "no value".
 */
function requireObjectBody(req: Request, res: Response, next: NextFunction): void {
  if (!WITH_BODY.has(req.method) || typeof req.body === 'string') return next();
  if (req.body === undefined || req.body === null) req.body = {};
  if (typeof req.body !== 'object' || Array.isArray(req.body)) {
    const message = 'must be a JSON object';
    return writeProblem(req, res, ErrorCode.VALIDATION_FAILED, `The request body ${message}.`, [
      { field: 'body', message },
    ]);
  }
  const fault = findStructuralFault(req.body, 'body', 0);
  if (fault) {
    return writeProblem(req, res, ErrorCode.VALIDATION_FAILED, `${fault.field}: ${fault.message}`, [
      fault,
    ]);
  }
  next();
}

/** No request of this API nests deeper than a few levels; a deeper body is refused, not recursed. */
const MAX_DEPTH = 16;

/**
 * Refuses what no field of the API may hold, before any validator or hash walks the body: a
 * nesting deeper than MAX_DEPTH (deep recursion would exhaust the stack) and the NUL character,
 * which PostgreSQL cannot store in text.
 */
function findStructuralFault(
  value: unknown,
  path: string,
  depth: number,
): { field: string; message: string } | null {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? { field: path, message: 'may not contain the NUL character (U+0000)' }
      : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) return { field: path, message: `nests deeper than ${MAX_DEPTH} levels` };
  const entries = Array.isArray(value)
    ? value.map((item, i) => [`[${i}]`, item] as const)
    : Object.entries(value).map(([k, v]) => [`.${k}`, v] as const);
  for (const [key, item] of entries) {
    if (key.includes('\u0000'))
      return { field: path, message: 'has a field name with the NUL character (U+0000)' };
    const fault = findStructuralFault(
      item,
      path === 'body' ? key.replace(/^\./, '') : `${path}${key}`,
      depth + 1,
    );
    if (fault) return fault;
  }
  return null;
}

function writeProblem(
  req: Request & { id?: unknown },
  res: Response,
  code: ErrorCode,
  detail: string,
  errors?: { field: string; message: string }[],
): void {
  const problem = buildProblem(code, detail, {
    instance: req.originalUrl,
    requestId: String(req.id),
    errors,
  });
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
