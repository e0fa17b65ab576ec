import {
  applyDecorators,
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { from, type Observable, switchMap } from 'rxjs';
import { DomainError, type FieldError } from '#src/common/errors/domain-error.js';
import { createValidationPipe } from '#src/common/errors/validation.js';
import { checkIdempotencyKey, requestFingerprint } from '#src/common/http/idempotency.service.js';

const IDEMPOTENCY_KEY_META = 'unfssc:idempotency-key';

/** Declares that a route takes an `Idempotency-Key` (required or optional) and documents it. */
export const IdempotencyKeyHeader = (required: boolean): MethodDecorator =>
  applyDecorators(
    SetMetadata(IDEMPOTENCY_KEY_META, required),
    ApiHeader({
      name: 'Idempotency-Key',
      required,
      description:
        'A client-chosen key of 1–200 printable characters. The same key with the same body returns the first response ' +
        '(header `Idempotent-Replayed: true`) and writes nothing; with another body it answers 409 IDEMPOTENCY_KEY_REUSED.',
      schema: { type: 'string', example: 'pay-2026-11-28-0001' },
    }),
  );

/**
 * Checks the `Idempotency-Key` header before anything else of the request (interceptors run
 * before pipes). When the header is wrong, the body is validated here too, so that one 400 names
 * every offending field, the header and the body's alike.
 */
@Injectable()
export class HeaderChecksInterceptor implements NestInterceptor {
  private readonly bodyPipe = createValidationPipe();

  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const required = this.reflector.get<boolean | undefined>(
      IDEMPOTENCY_KEY_META,
      context.getHandler(),
    );
    if (required === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    let headerErrors: readonly FieldError[];
    try {
      checkIdempotencyKey(request.headers['idempotency-key'], required);
      return next.handle();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      headerErrors = error.errors ?? [];
    }
    return from(this.bodyErrors(context, request.body)).pipe(
      switchMap((bodyErrors) => {
        throw DomainError.validation([...headerErrors, ...bodyErrors]);
      }),
    );
  }

  private async bodyErrors(
    context: ExecutionContext,
    body: unknown,
  ): Promise<readonly FieldError[]> {
    const args = (Reflect.getMetadata(
      ROUTE_ARGS_METADATA,
      context.getClass(),
      context.getHandler().name,
    ) ?? {}) as Record<string, { index: number }>;
    const bodyArg = Object.entries(args).find(([key]) =>
      key.startsWith(`${RouteParamtypes.BODY}:`),
    )?.[1];
    const types = Reflect.getMetadata(
      'design:paramtypes',
      context.getClass().prototype,
      context.getHandler().name,
    ) as (new () => unknown)[] | undefined;
    const metatype = bodyArg === undefined ? undefined : types?.[bodyArg.index];
    if (!metatype) return [];
    try {
      await this.bodyPipe.transform(body, { type: 'body', metatype });
      return [];
    } catch (error) {
      return error instanceof DomainError ? (error.errors ?? []) : [];
    }
  }
}

/** The request's fingerprint, which the idempotency store compares on a replay. */
export const Fingerprint = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<Request>();
  return requestFingerprint(request.method, request.path, request.body);
});
