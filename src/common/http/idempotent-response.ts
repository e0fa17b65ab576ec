import type { Response } from 'express';
import type { IdempotentOutcome } from '#src/common/http/idempotency.service.js';

/** Writes an outcome's status, and marks a replayed answer with `Idempotent-Replayed: true`. */
export function sendOutcome<T>(res: Response, outcome: IdempotentOutcome<T>): T {
  res.status(outcome.status);
  if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return outcome.body;
}
