import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id before anything else runs, so that even a body that fails to parse
 * gets a problem document and a log line that share it. A well-formed `X-Request-Id` from the
 * client is kept, letting a support desk follow one call across systems.
 */
export function requestIdMiddleware(
  req: Request & { id?: string },
  res: Response,
  next: NextFunction,
): void {
  req.id = requestIdOf(req);
  res.setHeader('X-Request-Id', req.id);
  next();
}

/** The client's well-formed `X-Request-Id`, or a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && CLIENT_ID_PATTERN.test(header) ? header : randomUUID();
}
