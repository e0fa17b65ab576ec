import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { decimalTransformer } from '#src/common/money/decimal.transformer.js';
import type { Decimal } from '#src/common/money/money.js';

/**
 * What one journal entry changes in the contributions report, per donor, currency and effective
 * day (a pledge created confirmed adds to `announced` on its pledge date and takes it away on its
 * confirmation date). Written at commit by a deferred trigger, from the rows the entry records.
 */
@Entity('contribution_facts')
@Index('ix_contribution_facts_entry', ['entrySeq'])
export class ContributionFact {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'bigint' })
  entrySeq: string;

  @Column({ type: 'uuid' })
  donorId: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'date' })
  effectiveOn: string;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  announced: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  confirmed: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  paid: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  unpledged: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  writtenOff: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  confirmedUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  receivedUsd: Decimal;
}

/** The facts summed per donor, currency and day: the rows the contributions report reads. */
@Entity('contribution_day_totals')
@Index('ix_contribution_day_totals_day', ['effectiveOn'])
export class ContributionDayTotal {
  @PrimaryColumn({ type: 'uuid' })
  donorId: string;

  @PrimaryColumn({ type: 'char', length: 3 })
  currency: string;

  @PrimaryColumn({ type: 'date' })
  effectiveOn: string;

  /** How many facts the day holds: a pinned report shows a row only where one still counts. */
  @Column({ type: 'integer' })
  facts: number;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  announced: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  confirmed: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  paid: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  unpledged: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  writtenOff: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  confirmedUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  receivedUsd: Decimal;
}

/** Running contribution figures per donor and currency: what a current report reads. */
@Entity('contribution_totals')
export class ContributionTotal {
  @PrimaryColumn({ type: 'uuid' })
  donorId: string;

  @PrimaryColumn({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'integer' })
  facts: number;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  announced: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  confirmed: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  paid: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  unpledged: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  writtenOff: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  confirmedUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  receivedUsd: Decimal;
}
