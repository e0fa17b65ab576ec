import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiKeysService } from '#src/auth/api-keys.service.js';
import { PUBLIC_KEY, ROLES_KEY } from '#src/auth/auth.decorators.js';
import { RateLimits } from '#src/auth/rate-limits.js';
import type { Role } from '#src/auth/role.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';

export interface Principal {
  apiKeyId: string;
  role: Role;
  donorId: string | null;
}

export type AuthenticatedRequest = Request & { id?: unknown; principal?: Principal };

/**
 * Global guard: a bearer key is required unless the route is public, and the key's role must
 * be one the route names. Keys are looked up on every request, so a revoked key is refused at
 * once, by every process.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly rateLimits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      // Health, documents and the like are free; the public data endpoints are counted.
      if (isPublicDataRoute(request))
        await this.rateLimits.countPublicRequest(clientAddress(request));
      return true;
    }

    const token = bearerToken(request.headers.authorization);
    if (token === null) {
      throw new DomainError(
        ErrorCode.UNAUTHENTICATED,
        'An API key is required: send "Authorization: Bearer <key>".',
      );
    }
    const key = await this.apiKeys.authenticate(token, clientAddress(request));
    if (!key)
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'The API key is unknown or revoked.');
    request.principal = { apiKeyId: key.id, role: key.role, donorId: key.donorId };

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!roles.includes(key.role)) {
      throw new DomainError(
        ErrorCode.FORBIDDEN,
        `This operation is not open to the ${key.role} role.`,
      );
    }
    return true;
  }
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * Whether the route that matched is one of `/v1/public/*`. The declared route is asked, not the
 * path as the client spelled it: Express matches paths case-insensitively, so
 * `/V1/PUBLIC/signing-keys` reaches the same handler and must count the same.
 */
function isPublicDataRoute(request: Request): boolean {
  const declared = (request.route as { path?: unknown } | undefined)?.path;
  const path = typeof declared === 'string' ? declared : request.path.toLowerCase();
  return path.startsWith('/v1/public/');
}

/** The client's address as Express gives it (`TRUST_PROXY` decides whether proxies may name it). */
function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}
