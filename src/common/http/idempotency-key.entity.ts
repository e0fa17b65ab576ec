import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A request made with an `Idempotency-Key`, scoped to the API key that sent it. Written in the
 * same transaction as the write it guards, so a crash can never keep one without the other.
 */
@Entity('idempotency_keys')
export class IdempotencyKey {
  @PrimaryColumn({ type: 'uuid' })
  apiKeyId: string;

  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'char', length: 64 })
  requestHash: string;

  @Column({ type: 'integer', nullable: true })
  statusCode: number | null;

  /** The first response's body as sent, byte for byte (text, not jsonb, which would reorder keys). */
  @Column({ type: 'text', nullable: true })
  responseBody: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
