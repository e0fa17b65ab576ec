import type { Role } from '#src/auth/role.js';

/**
 * Who is acting and through which request: handed by controllers to services so that every
 * write can record its audit event without services knowing about HTTP.
 */
export interface Actor {
  readonly apiKeyId: string | null;
  /** `system` for the command line and the first start of the server. */
  readonly role: Role | 'system';
  /** Set for donor keys: the only donor whose data the key may read. */
  readonly donorId: string | null;
  readonly requestId: string | null;
  readonly idempotencyKey: string | null;
}

export const SYSTEM_ACTOR: Actor = {
  apiKeyId: null,
  role: 'system',
  donorId: null,
  requestId: null,
  idempotencyKey: null,
};
