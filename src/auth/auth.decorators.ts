import {
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Actor } from '#src/auth/actor.js';
import type { Role } from '#src/auth/role.js';
import type { AuthenticatedRequest } from '#src/auth/api-key.guard.js';
import { PUBLIC_EXTENSION, problemRef } from '#src/common/http/openapi.js';

export const ROLES_KEY = 'unfssc:roles';
export const PUBLIC_KEY = 'unfssc:public';

/**
 * Names the roles that may call a route. Every route must say who may call it: a route with
 * neither `@Roles` nor `@Public` is refused to everyone, so forgetting is never an open door.
 */
export function Roles(...roles: Role[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth('apiKey'),
    ApiUnauthorizedResponse({
      description: 'No key, or a revoked or unknown key.',
      ...problemRef(),
    }),
    ApiForbiddenResponse({
      description: `The key's role is not one of: ${roles.join(', ')}.`,
      ...problemRef(),
    }),
  );
}

/**
 * Marks a route that answers without a key (health, public receipt verification). The same mark
 * documents the route with `security: []`, so the document cannot disagree with the guard.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension(PUBLIC_EXTENSION, true));

/** The caller as services need it: key, role, donor binding, request id and idempotency key. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const idempotencyKey = request.headers['idempotency-key'];
  return {
    apiKeyId: request.principal?.apiKeyId ?? null,
    role: request.principal?.role ?? 'system',
    donorId: request.principal?.donorId ?? null,
    requestId: request.id === undefined ? null : String(request.id),
    idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : null,
  };
});
