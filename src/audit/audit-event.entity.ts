import { Column, Entity, Generated, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who did what, when, through which request. Appended in the same transaction as the write it
 * describes; the database refuses to update or delete it.
 */
@Entity('audit_events')
@Index('ix_audit_events_occurred_at', ['occurredAt', 'seq'])
export class AuditEvent {
  /** Insertion order, for stable cursors; not exposed. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  seq: string;

  @Index('uq_audit_events_id', { unique: true })
  @Column({ type: 'uuid' })
  @Generated('uuid')
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ type: 'uuid', nullable: true })
  apiKeyId: string | null;

  /** The role of the key, or `system` for the command line and the first start. */
  @Column({ type: 'text' })
  role: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text' })
  resourceType: string;

  @Column({ type: 'text', nullable: true })
  resourceId: string | null;

  @Column({ type: 'text', nullable: true })
  requestId: string | null;

  @Column({ type: 'text', nullable: true })
  idempotencyKey: string | null;
}
