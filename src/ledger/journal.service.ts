import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { formatAmount, formatUsd, Dec, type Decimal } from '#src/common/money/money.js';
import {
  ChainVerifier,
  entryHash,
  type JournalEntryView,
  type JournalLineView,
} from '#src/ledger/journal-hash.js';
import { bindNamed, namedSql } from '#src/database/named-sql.js';
import { formatRate } from '#src/rates/rates.service.js';

export type Side = 'debit' | 'credit';

/** A line as a posting builds it, before the journal numbers and hashes it. */
export interface LineDraft {
  account: string;
  side: Side;
  amountUsd: Decimal;
  earmark: string;
  currency: string;
  amountOriginal: Decimal;
  rate: Decimal;
  rateEffectiveOn: string;
  donorId: string | null;
  pledgeId: string | null;
}

export interface EntryDraft {
  effectiveOn: string;
  kind: string;
  sourceType: string;
  sourceId: string | null;
  reversesSeq: number | null;
  /** None for a memo entry. */
  lines: LineDraft[];
}

interface EntryRow {
  seq: string;
  effective_on: string;
  kind: string;
  source_type: string;
  source_id: string | null;
  reverses_seq: string | null;
  recorded_at: Date;
  previous_hash: string;
  hash: string;
}

interface LineRow {
  entry_seq: string;
  account: string;
  side: Side;
  amount_usd: string;
  earmark: string;
  currency: string;
  amount_original: string;
  rate: string;
  rate_effective_on: string;
  donor_id: string | null;
  pledge_id: string | null;
}

/** The row that numbers and chains the journal: the last entry's sequence and hash. */
export interface LedgerHead {
  seq: string;
  hash: string;
}

/**
 * Locks the head until commit, so numbering and the hash chain follow commit order exactly. A
 * posting takes it last, after every check, and holds it for one more statement and the commit.
 */
const LOCK_HEAD = 'SELECT seq::text AS seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE';

/**
 * The entry, its lines (one `unnest` of column arrays) and the new head, as data-modifying CTEs
 * that other statements extend: a payment adds its receipt, payment row, pledge, audit event and
 * stored answer to the same round trip.
 */
export const ENTRY_CTES = `
  entry AS (
    INSERT INTO journal_entries (seq, effective_on, kind, source_type, source_id, reverses_seq, recorded_at, previous_hash, hash)
    VALUES (:seq, :effectiveOn, :kind, :sourceType, :sourceId::uuid, :reversesSeq::bigint, :recordedAt::timestamptz, :previousHash, :hash)
  ),
  lines AS (
    INSERT INTO journal_lines (entry_seq, line_no, account, side, amount_usd, earmark, currency, amount_original, rate,
                               rate_effective_on, donor_id, pledge_id)
    SELECT :seq, ordinality, account, side, amount_usd, earmark, currency, amount_original, rate, rate_effective_on, donor_id, pledge_id
      FROM unnest(:accounts::char(4)[], :sides::text[], :amountsUsd::numeric[], :earmarks::text[], :currencies::char(3)[],
                  :amountsOriginal::numeric[], :rates::numeric[], :rateEffectiveOns::date[], :donorIds::uuid[], :pledgeIds::uuid[])
           WITH ORDINALITY AS l(account, side, amount_usd, earmark, currency, amount_original, rate, rate_effective_on, donor_id, pledge_id)
  ),
  head AS (
    UPDATE ledger_head SET seq = :seq, hash = :hash WHERE id = 1
  )`;

const WRITE_ENTRY = namedSql<EntryParameter>(`WITH ${ENTRY_CTES} SELECT 1`);

type EntryParameter = keyof ReturnType<typeof entryValues>;

/** Numbers and hashes the entry that follows `head`: pure, so every writer chains alike. */
export function nextEntry(head: LedgerHead, draft: EntryDraft): JournalEntryView {
  const unhashed: Omit<JournalEntryView, 'hash'> = {
    seq: Number(head.seq) + 1,
    effectiveOn: draft.effectiveOn,
    kind: draft.kind,
    sourceType: draft.sourceType,
    sourceId: draft.sourceId,
    reversesSeq: draft.reversesSeq,
    recordedAt: new Date().toISOString(),
    previousHash: head.hash,
    lines: draft.lines.map(toLineView),
  };
  return { ...unhashed, hash: entryHash(unhashed) };
}

/** The values of ENTRY_CTES' parameters for `entry`. */
export function entryValues(entry: JournalEntryView) {
  const column = <K extends keyof JournalLineView>(key: K) => entry.lines.map((line) => line[key]);
  return {
    seq: entry.seq,
    effectiveOn: entry.effectiveOn,
    kind: entry.kind,
    sourceType: entry.sourceType,
    sourceId: entry.sourceId,
    reversesSeq: entry.reversesSeq,
    recordedAt: entry.recordedAt,
    previousHash: entry.previousHash,
    hash: entry.hash,
    accounts: column('account'),
    sides: column('side'),
    amountsUsd: column('amountUsd'),
    earmarks: column('earmark'),
    currencies: column('currency'),
    amountsOriginal: column('amountOriginal'),
    rates: column('rate'),
    rateEffectiveOns: column('rateEffectiveOn'),
    donorIds: column('donorId'),
    pledgeIds: column('pledgeId'),
  };
}

/**
 * The only writer of the journal. Each posting takes the next gap-free sequence number and the
 * previous hash from `ledger_head` under a row lock, so numbering and the hash chain follow
 * commit order exactly; the lock is taken last in each use case, after every check, to keep the
 * serialised part of a transaction as short as possible.
 */
@Injectable()
export class JournalService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Posts an entry inside the caller's transaction and returns it as the API shows it: two
   * statements, the head lock and then the entry, its lines and the new head together.
   */
  async post(manager: EntityManager, draft: EntryDraft): Promise<JournalEntryView> {
    assertBalanced(draft);
    const [head] = (await manager.query(LOCK_HEAD)) as LedgerHead[];
    const entry = nextEntry(head, draft);
    await manager.query(WRITE_ENTRY.text, bindNamed(WRITE_ENTRY, entryValues(entry)));
    return entry;
  }

  /** The lines of one entry, as postings build them: used to mirror an entry in a reversal. */
  async linesOf(manager: EntityManager, seq: number): Promise<LineDraft[]> {
    const rows = (await manager.query(
      `SELECT account, side, amount_usd::text AS amount_usd, earmark, currency, amount_original::text AS amount_original,
              rate::text AS rate, rate_effective_on::text AS rate_effective_on, donor_id::text AS donor_id, pledge_id::text AS pledge_id
         FROM journal_lines WHERE entry_seq = $1 ORDER BY line_no`,
      [seq],
    )) as Omit<LineRow, 'entry_seq'>[];
    return rows.map((row) => ({
      account: row.account,
      side: row.side,
      amountUsd: new Dec(row.amount_usd),
      earmark: row.earmark,
      currency: row.currency,
      amountOriginal: new Dec(row.amount_original),
      rate: new Dec(row.rate),
      rateEffectiveOn: row.rate_effective_on,
      donorId: row.donor_id,
      pledgeId: row.pledge_id,
    }));
  }

  /** Entries after `afterSeq`, in sequence order, as the API returns them. */
  async entriesAfter(
    afterSeq: number,
    limit: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<JournalEntryView[]> {
    const entries = (await manager.query(
      `SELECT seq::text AS seq, effective_on::text AS effective_on, kind, source_type, source_id::text AS source_id,
              reverses_seq::text AS reverses_seq, recorded_at, previous_hash, hash
         FROM journal_entries e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`,
      [afterSeq, limit],
    )) as EntryRow[];
    if (entries.length === 0) return [];
    const lines = (await manager.query(
      `SELECT entry_seq::text AS entry_seq, account, side, amount_usd::text AS amount_usd, earmark, currency,
              amount_original::text AS amount_original, rate::text AS rate, rate_effective_on::text AS rate_effective_on,
              donor_id::text AS donor_id, pledge_id::text AS pledge_id
         FROM journal_lines l WHERE l.entry_seq > $1 AND l.entry_seq <= $2 ORDER BY l.entry_seq, l.line_no`,
      [afterSeq, entries[entries.length - 1].seq],
    )) as LineRow[];
    const bySeq = new Map<string, JournalLineView[]>();
    for (const line of lines) {
      const list = bySeq.get(line.entry_seq) ?? [];
      list.push(lineFromRow(line));
      bySeq.set(line.entry_seq, list);
    }
    return entries.map((row) => entryFromRow(row, bySeq.get(row.seq) ?? []));
  }

  /**
   * Recomputes the whole chain page by page, so memory stays flat however long the journal is.
   * Given a snapshot's manager, every page comes from that one snapshot.
   */
  async verify(manager: EntityManager = this.dataSource.manager): Promise<{
    valid: boolean;
    entries: number;
    headSeq: number | null;
    headHash: string | null;
    firstBrokenSeq: number | null;
  }> {
    const verifier = new ChainVerifier();
    let afterSeq = 0;
    for (;;) {
      const page = await this.entriesAfter(afterSeq, 1000, manager);
      for (const entry of page) verifier.push(entry);
      if (page.length < 1000) break;
      afterSeq = page[page.length - 1].seq;
    }
    const { valid, entries, headSeq, headHash, firstBrokenSeq } = verifier.result();
    return { valid, entries, headSeq, headHash, firstBrokenSeq };
  }
}

/** Refuses an entry that does not balance in USD within each earmark: a bug, never input. */
export function assertBalanced(draft: EntryDraft): void {
  const byEarmark = new Map<string, Decimal>();
  for (const line of draft.lines) {
    if (!line.amountUsd.greaterThan(0))
      throw new Error(`Journal line of ${line.account} has a non-positive amount`);
    const signed = line.side === 'debit' ? line.amountUsd : line.amountUsd.negated();
    byEarmark.set(line.earmark, (byEarmark.get(line.earmark) ?? new Dec(0)).plus(signed));
  }
  for (const [earmark, difference] of byEarmark) {
    if (!difference.isZero())
      throw new Error(
        `Journal entry ${draft.kind} does not balance in ${earmark} by ${difference.toFixed()}`,
      );
  }
}

function toLineView(line: LineDraft): JournalLineView {
  return {
    account: line.account,
    side: line.side,
    amountUsd: formatUsd(line.amountUsd),
    earmark: line.earmark,
    currency: line.currency,
    amountOriginal: formatAmount(line.amountOriginal, line.currency),
    rate: formatRate(line.rate),
    rateEffectiveOn: line.rateEffectiveOn,
    donorId: line.donorId,
    pledgeId: line.pledgeId,
  };
}

/**
 * Stored rows are formatted exactly as they were when hashed. A row altered behind the API's
 * back may no longer fit its currency; it is then shown as stored, and verification reports it.
 */
function lineFromRow(row: LineRow): JournalLineView {
  const amountOriginal = new Dec(row.amount_original);
  let formattedOriginal: string;
  try {
    formattedOriginal = formatAmount(amountOriginal, row.currency);
  } catch {
    formattedOriginal = amountOriginal.toFixed();
  }
  return {
    account: row.account,
    side: row.side,
    amountUsd: formatUsd(new Dec(row.amount_usd)),
    earmark: row.earmark,
    currency: row.currency,
    amountOriginal: formattedOriginal,
    rate: formatRate(new Dec(row.rate)),
    rateEffectiveOn: row.rate_effective_on,
    donorId: row.donor_id,
    pledgeId: row.pledge_id,
  };
}

function entryFromRow(row: EntryRow, lines: JournalLineView[]): JournalEntryView {
  return {
    seq: Number(row.seq),
    effectiveOn: row.effective_on,
    kind: row.kind,
    sourceType: row.source_type,
    sourceId: row.source_id,
    reversesSeq: row.reverses_seq === null ? null : Number(row.reverses_seq),
    recordedAt: row.recorded_at.toISOString(),
    previousHash: row.previous_hash,
    hash: row.hash,
    lines,
  };
}
