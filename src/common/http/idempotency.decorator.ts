import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { checkIdempotencyKey, requestFingerprint } from '#src/common/http/idempotency.service.js';

/**
 * Checks the `Idempotency-Key` header (required or optional) and yields the request's
 * fingerprint, which the idempotency store compares on a replay.
 */
export const Fingerprint = createParamDecorator(
  (required: boolean, context: ExecutionContext): string => {
    const request = context.switchToHttp().getRequest<Request>();
    checkIdempotencyKey(request.headers['idempotency-key'], required);
    return requestFingerprint(request.method, request.path, request.body);
  },
);

export const ApiIdempotencyKey = (required: boolean): MethodDecorator =>
  ApiHeader({
    name: 'Idempotency-Key',
    required,
    description:
      'A client-chosen key of 1–200 printable characters. The same key with the same body returns the first response ' +
      '(header `Idempotent-Replayed: true`) and writes nothing; with another body it answers 409 IDEMPOTENCY_KEY_REUSED.',
    schema: { type: 'string', example: 'pay-2026-11-28-0001' },
  });
