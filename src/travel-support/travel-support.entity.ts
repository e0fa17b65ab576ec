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
import { Country } from '#src/reference-data/country.entity.js';

/**
 * A conference whose participation the fund supports. Parameters may change until the first
 * allocation run is committed; money parameters of a seeded conference start empty, to be entered.
 */
@Entity('conferences')
@Check('ck_conferences_dates', `"ends_on" >= "starts_on"`)
@Check(
  'ck_conferences_money',
  `"dsa_rate_usd" >= 0 AND "terminal_expenses_usd" >= 0 AND "dsa_nights" >= 0`,
)
@Check(
  'ck_conferences_counts',
  `"max_delegates_ldc" >= 0 AND "max_delegates_other" >= 0 AND "ldc_grace_years" >= 0`,
)
export class Conference {
  @PrimaryColumn({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  city: string;

  @Column({ type: 'date' })
  startsOn: string;

  @Column({ type: 'date' })
  endsOn: string;

  @Column({ type: 'date', nullable: true })
  nominationDeadline: string | null;

  @Column({
    type: 'numeric',
    precision: 18,
    scale: 2,
    nullable: true,
    transformer: decimalTransformer,
  })
  dsaRateUsd: Decimal | null;

  @Column({ type: 'integer', nullable: true })
  dsaNights: number | null;

  @Column({
    type: 'numeric',
    precision: 18,
    scale: 2,
    nullable: true,
    transformer: decimalTransformer,
  })
  terminalExpensesUsd: Decimal | null;

  @Column({ type: 'integer', nullable: true })
  maxDelegatesLdc: number | null;

  @Column({ type: 'integer', nullable: true })
  maxDelegatesOther: number | null;

  @Column({ type: 'boolean', default: false })
  useUnearmarked: boolean;

  @Column({ type: 'integer', default: 0 })
  ldcGraceYears: number;

  /** Set by the first committed allocation run; parameters are frozen from then on. */
  @Column({ type: 'timestamptz', nullable: true })
  lockedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/** A Government's nomination of delegates for one conference; one per country and conference. */
@Entity('travel_requests')
@Index('uq_travel_requests_country', ['conferenceCode', 'countryCode'], { unique: true })
export class TravelRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  conferenceCode: string;

  @ManyToOne(() => Conference, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'conference_code',
    foreignKeyConstraintName: 'fk_travel_requests_conference',
  })
  conference?: Conference;

  @Column({ type: 'char', length: 3 })
  countryCode: string;

  @ManyToOne(() => Country, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'country_code', foreignKeyConstraintName: 'fk_travel_requests_country' })
  country?: Country;

  @Column({ type: 'date' })
  nominatedOn: string;

  @Column({ type: 'text' })
  nominationReference: string;

  @Column({ type: 'boolean' })
  late: boolean;

  @Column({ type: 'boolean' })
  ldc: boolean;

  @Column({ type: 'smallint' })
  tier: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

@Entity('travel_delegates')
@Check('ck_travel_delegates_airfare', `"airfare_usd" > 0`)
export class TravelDelegate {
  @PrimaryColumn({ type: 'uuid' })
  requestId: string;

  @ManyToOne(() => TravelRequest, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'request_id', foreignKeyConstraintName: 'fk_travel_delegates_request' })
  request?: TravelRequest;

  /** Position in the request, from 0; breaks ties between delegates of equal cost. */
  @PrimaryColumn({ type: 'smallint' })
  idx: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  airfareUsd: Decimal;
}

/** A committed allocation run: what it saw (inputsHash) and what it answered. Previews are not kept. */
@Entity('allocation_runs')
export class AllocationRun {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  conferenceCode: string;

  @Column({ type: 'date' })
  effectiveOn: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  budgetUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  spentUsd: Decimal;

  @Column({ type: 'char', length: 64 })
  inputsHash: string;

  /** The response as sent, byte for byte. */
  @Column({ type: 'text' })
  response: string;

  @Column({ type: 'bigint', nullable: true })
  journalEntrySeq: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/** Travel support granted to one country by one committed run: an obligation. */
@Entity('allocations')
@Index('ix_allocations_conference', ['conferenceCode', 'createdAt', 'id'])
@Index('ix_allocations_request', ['requestId'])
@Check(
  'ck_allocations_amounts',
  `"amount_usd" > 0 AND "earmarked_usd" >= 0 AND "unearmarked_usd" >= 0 AND "earmarked_usd" + "unearmarked_usd" = "amount_usd"`,
)
export class Allocation {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  runId: string;

  @Column({ type: 'text' })
  conferenceCode: string;

  @Column({ type: 'uuid' })
  requestId: string;

  @Column({ type: 'char', length: 3 })
  countryCode: string;

  @Column({ type: 'integer' })
  delegatesFunded: number;

  @Column({ type: 'smallint', array: true })
  delegateIndexes: number[];

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  amountUsd: Decimal;

  /** The part obligated on `participation:<code>`; the rest is on `unearmarked`. */
  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  earmarkedUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  unearmarkedUsd: Decimal;

  @Column({ type: 'date' })
  effectiveOn: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/** The release of one allocation: at most one, by the primary key. */
@Entity('allocation_releases')
export class AllocationRelease {
  @PrimaryColumn({ type: 'uuid' })
  allocationId: string;

  @ManyToOne(() => Allocation, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'allocation_id',
    foreignKeyConstraintName: 'fk_allocation_releases_allocation',
  })
  allocation?: Allocation;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'date' })
  releasedOn: string;

  @Column({ type: 'bigint' })
  journalEntrySeq: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
