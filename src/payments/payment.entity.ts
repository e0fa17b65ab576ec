import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { decimalTransformer } from '#src/common/money/decimal.transformer.js';
import type { Decimal } from '#src/common/money/money.js';
import { Donor } from '#src/donors/donor.entity.js';
import { Pledge } from '#src/pledges/pledge.entity.js';

/** Money actually received. Immutable once written; a reversal is a separate fact. */
@Entity('payments')
@Check('ck_payments_amount', `"amount" > 0 AND "amount_usd" > 0`)
@Index('ix_payments_donor', ['donorId', 'createdAt', 'id'])
@Index('ix_payments_pledge', ['pledgeId', 'createdAt', 'id'])
@Index('ix_payments_created', ['createdAt', 'id'])
export class Payment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  donorId: string;

  @ManyToOne(() => Donor, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'donor_id', foreignKeyConstraintName: 'fk_payments_donor' })
  donor?: Donor;

  @Column({ type: 'uuid', nullable: true })
  pledgeId: string | null;

  @ManyToOne(() => Pledge, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pledge_id', foreignKeyConstraintName: 'fk_payments_pledge' })
  pledge?: Pledge;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  amount: Decimal;

  @Column({ type: 'date' })
  receivedOn: string;

  @Column({ type: 'text' })
  earmark: string;

  @Column({ type: 'text', nullable: true })
  bankReference: string | null;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  rate: Decimal;

  @Column({ type: 'date' })
  rateEffectiveOn: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  amountUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  relievedUsd: Decimal;

  /** Positive for a gain, negative for a loss. */
  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  fxGainLossUsd: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  pscRate: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  pscUsd: Decimal;

  @Column({ type: 'bigint' })
  journalEntrySeq: string;

  @Index('uq_payments_receipt', { unique: true })
  @Column({ type: 'text' })
  receiptNumber: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/** The reversal of one payment: at most one, enforced by the primary key. */
@Entity('payment_reversals')
export class PaymentReversal {
  @PrimaryColumn({ type: 'uuid' })
  paymentId: string;

  @ManyToOne(() => Payment, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'payment_id', foreignKeyConstraintName: 'fk_payment_reversals_payment' })
  payment?: Payment;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'date' })
  reversedOn: string;

  @Column({ type: 'bigint' })
  journalEntrySeq: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
