import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '#src/auth/actor.js';
import { AuditEvent } from '#src/audit/audit-event.entity.js';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string | null;
}

/**
 * Appends audit events. It takes the caller's transaction manager on purpose: an event written
 * outside the transaction of its write could survive a rollback, or be lost after a commit.
 */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, actor: Actor, record: AuditRecord): Promise<void> {
    await manager.insert(AuditEvent, {
      apiKeyId: actor.apiKeyId,
      role: actor.role,
      action: record.action,
      resourceType: record.resourceType,
      resourceId: record.resourceId,
      requestId: actor.requestId,
      idempotencyKey: actor.idempotencyKey,
    });
  }
}
