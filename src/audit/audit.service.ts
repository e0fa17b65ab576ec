import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '#src/auth/actor.js';
import { bindNamed, namedSql } from '#src/database/named-sql.js';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string | null;
}

/**
 * Appends an audit event; statements that write several rows in one round trip (the payment)
 * include it with its values from `auditValues`.
 */
export const AUDIT_EVENT_CTE = `
  audit AS (
    INSERT INTO audit_events (api_key_id, role, action, resource_type, resource_id, request_id, idempotency_key)
    VALUES (:auditApiKeyId::uuid, :auditRole, :auditAction, :auditResourceType, :auditResourceId, :auditRequestId,
            :auditIdempotencyKey)
  )`;

const INSERT_AUDIT_EVENT = namedSql<keyof ReturnType<typeof auditValues>>(
  `WITH ${AUDIT_EVENT_CTE} SELECT 1`,
);

export function auditValues(actor: Actor, record: AuditRecord) {
  return {
    auditApiKeyId: actor.apiKeyId,
    auditRole: actor.role,
    auditAction: record.action,
    auditResourceType: record.resourceType,
    auditResourceId: record.resourceId,
    auditRequestId: actor.requestId,
    auditIdempotencyKey: actor.idempotencyKey,
  };
}

/**
 * Appends audit events. It takes the caller's transaction manager on purpose: an event written
 * outside the transaction of its write could survive a rollback, or be lost after a commit.
 */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, actor: Actor, record: AuditRecord): Promise<void> {
    await manager.query(
      INSERT_AUDIT_EVENT.text,
      bindNamed(INSERT_AUDIT_EVENT, auditValues(actor, record)),
    );
  }
}
