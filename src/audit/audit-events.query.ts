import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEvent } from '#src/audit/audit-event.entity.js';
import type { AuditEventPage, AuditEventResponse } from '#src/audit/audit-events.dto.js';
import { decodeCursor, toPage } from '#src/common/http/pagination.js';

/** Reads the audit trail in the order it was written. */
@Injectable()
export class AuditEventsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(options: {
    from?: string;
    to?: string;
    cursor?: string;
    limit: number;
  }): Promise<AuditEventPage> {
    const afterSeq = decodeCursor(options.cursor, /^\d{1,18}$/);
    const query = this.dataSource
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .orderBy('e.seq', 'ASC')
      .limit(options.limit + 1);
    if (options.from) query.andWhere('e.occurred_at >= :from', { from: options.from });
    if (options.to) query.andWhere('e.occurred_at < :to', { to: options.to });
    if (afterSeq) query.andWhere('e.seq > :afterSeq', { afterSeq });
    const rows = await query.getMany();
    return toPage(rows, options.limit, toResponse, (row) => row.seq);
  }
}

function toResponse(event: AuditEvent): AuditEventResponse {
  return {
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    apiKeyId: event.apiKeyId,
    role: event.role,
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    requestId: event.requestId,
    idempotencyKey: event.idempotencyKey,
  };
}
