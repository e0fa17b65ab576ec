import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The signed acknowledgement of one payment. `payload` is exactly what was signed; only the
 * status beside it may change (issued → cancelled), which a trigger enforces.
 */
@Entity('receipts')
@Check('ck_receipts_status', `"status" IN ('issued', 'cancelled')`)
@Check('ck_receipts_cancelled', `("status" = 'cancelled') = ("cancelled_at" IS NOT NULL)`)
@Index('uq_receipts_year_seq', ['year', 'seq'], { unique: true })
export class Receipt {
  @PrimaryColumn({ type: 'text' })
  number: string;

  @Column({ type: 'integer' })
  year: number;

  @Column({ type: 'integer' })
  seq: number;

  @Index('uq_receipts_payment', { unique: true })
  @Column({ type: 'uuid' })
  paymentId: string;

  @Column({ type: 'uuid' })
  donorId: string;

  @Index('uq_receipts_verification_code', { unique: true })
  @Column({ type: 'text' })
  verificationCode: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ type: 'text' })
  signature: string;

  @Column({ type: 'text' })
  keyId: string;

  @Column({ type: 'text', default: 'issued' })
  status: 'issued' | 'cancelled';

  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;
}

/** The last receipt number issued per year; its row lock makes numbering gap-free. */
@Entity('receipt_counters')
export class ReceiptCounter {
  @PrimaryColumn({ type: 'integer' })
  year: number;

  @Column({ type: 'integer' })
  lastSeq: number;
}

/** Every public key that has signed receipts, so that any receipt can still be verified. */
@Entity('signing_keys')
export class ReceiptSigningKey {
  @PrimaryColumn({ type: 'text' })
  keyId: string;

  @Column({ type: 'text' })
  publicKeyPem: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  firstUsedAt: Date;
}
