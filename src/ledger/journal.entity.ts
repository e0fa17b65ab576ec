import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { decimalTransformer } from '#src/common/money/decimal.transformer.js';
import type { Decimal } from '#src/common/money/money.js';

/** The chart of accounts (SPEC 9), seeded by migration. */
@Entity('accounts')
@Check('ck_accounts_side', `"normal_side" IN ('debit', 'credit')`)
export class Account {
  @PrimaryColumn({ type: 'char', length: 4 })
  code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  normalSide: 'debit' | 'credit';
}

/**
 * One financial fact with one gap-free sequence number, chained to the previous entry by its
 * hash. Append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
 */
@Entity('journal_entries')
@Index('ix_journal_entries_source', ['sourceType', 'sourceId'])
@Index('ix_journal_entries_effective', ['effectiveOn', 'seq'])
export class JournalEntry {
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'date' })
  effectiveOn: string;

  @Column({ type: 'text' })
  kind: string;

  @Column({ type: 'text' })
  sourceType: string;

  @Column({ type: 'uuid', nullable: true })
  sourceId: string | null;

  @Column({ type: 'bigint', nullable: true })
  reversesSeq: string | null;

  @Column({ type: 'timestamptz' })
  recordedAt: Date;

  @Column({ type: 'char', length: 64 })
  previousHash: string;

  @Index('uq_journal_entries_hash', { unique: true })
  @Column({ type: 'char', length: 64 })
  hash: string;
}

@Entity('journal_lines')
@Check('ck_journal_lines_side', `"side" IN ('debit', 'credit')`)
@Check('ck_journal_lines_amount', `"amount_usd" > 0 AND "amount_original" > 0 AND "rate" > 0`)
@Index('ix_journal_lines_entry', ['entrySeq', 'lineNo'], { unique: true })
@Index('ix_journal_lines_rate', ['currency', 'rateEffectiveOn'])
export class JournalLine {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'bigint' })
  entrySeq: string;

  @ManyToOne(() => JournalEntry, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'entry_seq', foreignKeyConstraintName: 'fk_journal_lines_entry' })
  entry?: JournalEntry;

  @Column({ type: 'smallint' })
  lineNo: number;

  @Column({ type: 'char', length: 4 })
  account: string;

  @ManyToOne(() => Account, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'account', foreignKeyConstraintName: 'fk_journal_lines_account' })
  accountRef?: Account;

  @Column({ type: 'text' })
  side: 'debit' | 'credit';

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  amountUsd: Decimal;

  @Column({ type: 'text' })
  earmark: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  amountOriginal: Decimal;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  rate: Decimal;

  @Column({ type: 'date' })
  rateEffectiveOn: string;

  @Column({ type: 'uuid', nullable: true })
  donorId: string | null;

  @Column({ type: 'uuid', nullable: true })
  pledgeId: string | null;
}

/** The head of the chain: last sequence number and hash. Its row lock orders all postings. */
@Entity('ledger_head')
@Check('ck_ledger_head_single', `"id" = 1`)
export class LedgerHead {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}

/** Entries per block of the day balances: entry `seq` is in block `seq / DAY_BALANCE_BLOCK`. */
export const DAY_BALANCE_BLOCK = 1024;

/**
 * Debits and credits per account, earmark, effective day and block of 1,024 entries (by
 * sequence), kept by a statement trigger on journal_lines in the same transaction as the lines.
 * Reports sum these few rows instead of every line of history. A report pinned to an older
 * `asOfSeq` subtracts the blocks after the pin's and reads lines only for the rest of the pin's
 * own block, so its cost no longer grows with the history written after the pin.
 */
@Entity('account_day_balances')
@Index('ix_account_day_balances_day', ['effectiveOn'])
@Index('ix_account_day_balances_block', ['seqBlock'])
export class AccountDayBalance {
  @PrimaryColumn({ type: 'char', length: 4 })
  account: string;

  @PrimaryColumn({ type: 'text' })
  earmark: string;

  @PrimaryColumn({ type: 'date' })
  effectiveOn: string;

  /** `entry_seq / 1024` (DAY_BALANCE_BLOCK) of the lines summed here. */
  @PrimaryColumn({ type: 'bigint' })
  seqBlock: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  debitUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  creditUsd: Decimal;
}

/**
 * Running debits and credits per account and earmark, kept by the same trigger as the day
 * balances. A current report reads these few rows and subtracts only the days after its `asOf`.
 */
@Entity('account_balances')
export class AccountBalance {
  @PrimaryColumn({ type: 'char', length: 4 })
  account: string;

  @PrimaryColumn({ type: 'text' })
  earmark: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  debitUsd: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  creditUsd: Decimal;
}
