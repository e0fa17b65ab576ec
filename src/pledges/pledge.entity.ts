import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { decimalTransformer } from '#src/common/money/decimal.transformer.js';
import type { Decimal } from '#src/common/money/money.js';
import { Donor } from '#src/donors/donor.entity.js';

export const PLEDGE_STATUSES = [
  'announced',
  'confirmed',
  'partially_paid',
  'paid',
  'cancelled',
  'written_off',
] as const;
export type PledgeStatus = (typeof PLEDGE_STATUSES)[number];

export interface Instalment {
  dueOn: string;
  amount: string;
}

/**
 * A donor's promise. The row carries the pledge's running state (status, paid and written-off
 * amounts, relieved carrying value) and is the row locked by every event that changes it; the
 * facts themselves are the journal entries. A trigger keeps the promise's own terms immutable.
 */
@Entity('pledges')
@Check(
  'ck_pledges_status',
  `"status" IN ('announced', 'confirmed', 'partially_paid', 'paid', 'cancelled', 'written_off')`,
)
@Check('ck_pledges_amount', `"amount" > 0`)
@Check(
  'ck_pledges_paid',
  `"paid_amount" >= 0 AND "written_off_amount" >= 0 AND "paid_amount" + "written_off_amount" <= "amount"`,
)
@Index('ix_pledges_donor', ['donorId', 'createdAt', 'id'])
@Index('ix_pledges_created', ['createdAt', 'id'])
export class Pledge {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  donorId: string;

  @ManyToOne(() => Donor, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'donor_id', foreignKeyConstraintName: 'fk_pledges_donor' })
  donor?: Donor;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  amount: Decimal;

  @Column({ type: 'text' })
  earmark: string;

  @Column({ type: 'text' })
  status: PledgeStatus;

  @Column({ type: 'date' })
  pledgedOn: string;

  @Column({ type: 'date', nullable: true })
  confirmedOn: string | null;

  @Column({ type: 'text', nullable: true })
  reference: string | null;

  @Column({ type: 'jsonb' })
  instalments: Instalment[];

  @Column({ type: 'numeric', nullable: true, transformer: decimalTransformer })
  confirmRate: Decimal | null;

  @Column({ type: 'date', nullable: true })
  confirmRateEffectiveOn: string | null;

  @Column({
    type: 'numeric',
    precision: 18,
    scale: 2,
    nullable: true,
    transformer: decimalTransformer,
  })
  carryingUsd: Decimal | null;

  @Column({ type: 'numeric', default: 0, transformer: decimalTransformer })
  paidAmount: Decimal;

  @Column({ type: 'numeric', default: 0, transformer: decimalTransformer })
  writtenOffAmount: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, default: 0, transformer: decimalTransformer })
  relievedUsd: Decimal;

  /** The effective date of the latest event, which a later event may not precede. */
  @Column({ type: 'date' })
  lastEventOn: string;

  @Column({ type: 'date', nullable: true })
  closedOn: string | null;

  @Column({ type: 'text', nullable: true })
  closedReason: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
