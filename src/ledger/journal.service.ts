import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { formatAmount, formatUsd, Dec, type Decimal } from '#src/common/money/money.js';
import {
  ChainVerifier,
  entryHash,
  type JournalEntryView,
  type JournalLineView,
} from '#src/ledger/journal-hash.js';
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

/**
 * The only writer of the journal. Each posting takes the next gap-free sequence number and the
 * previous hash from `ledger_head` under a row lock, so numbering and the hash chain follow
 * commit order exactly; the lock is taken last in each use case, after every check, to keep the
 * serialised part of a transaction as short as possible.
 */
@Injectable()
export class JournalService {
  constructor(private readonly dataSource: DataSource) {}

  /** Posts an entry inside the caller's transaction and returns it as the API shows it. */
  async post(manager: EntityManager, draft: EntryDraft): Promise<JournalEntryView> {
    assertBalanced(draft);
    const [head] = (await manager.query(
      'SELECT seq::text AS seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE',
    )) as {
      seq: string;
      hash: string;
    }[];
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
    const entry: JournalEntryView = { ...unhashed, hash: entryHash(unhashed) };
    await manager.query(
      `INSERT INTO journal_entries (seq, effective_on, kind, source_type, source_id, reverses_seq, recorded_at, previous_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.seq,
        entry.effectiveOn,
        entry.kind,
        entry.sourceType,
        entry.sourceId,
        entry.reversesSeq,
        entry.recordedAt,
        entry.previousHash,
        entry.hash,
      ],
    );
    if (entry.lines.length > 0) await insertLines(manager, entry.seq, entry.lines);
    await manager.query('UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1', [
      entry.seq,
      entry.hash,
    ]);
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
   */
  async verify(): Promise<{
    valid: boolean;
    entries: number;
    headSeq: number | null;
    headHash: string | null;
    firstBrokenSeq: number | null;
  }> {
    const verifier = new ChainVerifier();
    let afterSeq = 0;
    for (;;) {
      const page = await this.entriesAfter(afterSeq, 1000);
      for (const entry of page) verifier.push(entry);
      if (page.length < 1000) break;
      afterSeq = page[page.length - 1].seq;
    }
    const { valid, entries, headSeq, headHash, firstBrokenSeq } = verifier.result();
    return { valid, entries, headSeq, headHash, firstBrokenSeq };
  }
}

function assertBalanced(draft: EntryDraft): void {
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

async function insertLines(
  manager: EntityManager,
  seq: number,
  lines: JournalLineView[],
): Promise<void> {
  const column = <K extends keyof JournalLineView>(key: K) => lines.map((line) => line[key]);
  await manager.query(
    `INSERT INTO journal_lines (entry_seq, line_no, account, side, amount_usd, earmark, currency, amount_original, rate,
                                rate_effective_on, donor_id, pledge_id)
     SELECT $1, ordinality, account, side, amount_usd, earmark, currency, amount_original, rate, rate_effective_on, donor_id, pledge_id
       FROM unnest($2::char(4)[], $3::text[], $4::numeric[], $5::text[], $6::char(3)[], $7::numeric[], $8::numeric[],
                   $9::date[], $10::uuid[], $11::uuid[])
            WITH ORDINALITY AS l(account, side, amount_usd, earmark, currency, amount_original, rate, rate_effective_on, donor_id, pledge_id)`,
    [
      seq,
      column('account'),
      column('side'),
      column('amountUsd'),
      column('earmark'),
      column('currency'),
      column('amountOriginal'),
      column('rate'),
      column('rateEffectiveOn'),
      column('donorId'),
      column('pledgeId'),
    ],
  );
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
