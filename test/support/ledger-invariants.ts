import { DataSource } from 'typeorm';
import { DAY_BALANCE_BLOCK } from '#src/ledger/journal.entity.js';
import { contributionRows } from '#src/reports/contributions.query.js';
import { contributionRowsFromJournal, normaliseContributions } from './contributions-oracle.js';
import type { TestApp } from './test-app.js';

// Read-only SQL over the ledger tables, shared by the suites that check the ledger's global
// invariants (gap-free numbering, balanced entries) after concurrent or random sequences of
// requests. Every query reads the whole database, so a suite calls them whenever it likes.

/** The journal's numbering: `count` rows numbered `minSeq..maxSeq`, and the head's seq. */
export interface JournalNumbering {
  count: number;
  minSeq: number | null;
  maxSeq: number | null;
  headSeq: number;
}

export async function journalNumbering(t: TestApp): Promise<JournalNumbering> {
  const [row] = await t.sql<{
    count: string;
    min: string | null;
    max: string | null;
    head: string;
  }>(
    `SELECT count(*)::text AS count, min(seq)::text AS min, max(seq)::text AS max,
            (SELECT seq::text FROM ledger_head WHERE id = 1) AS head
       FROM journal_entries`,
  );
  return {
    count: Number(row.count),
    minSeq: row.min === null ? null : Number(row.min),
    maxSeq: row.max === null ? null : Number(row.max),
    headSeq: Number(row.head),
  };
}

/** What a gap-free journal of `count` entries looks like, for `toEqual`. */
export function gapFreeJournal(count: number): JournalNumbering {
  return { count, minSeq: count ? 1 : null, maxSeq: count ? count : null, headSeq: count };
}

/** One year of receipt numbers: `count` receipts with seqs `minSeq..maxSeq`, and the counter. */
export interface ReceiptYear {
  year: number;
  count: number;
  minSeq: number;
  maxSeq: number;
  /** receipt_counters.last_seq, the number the next receipt of the year follows. */
  counter: number | null;
  /** Receipts whose number is not `UNFSSC-{year}-{seq, six digits}`. */
  misnumbered: number;
}

export async function receiptYears(t: TestApp): Promise<ReceiptYear[]> {
  const rows = await t.sql<{
    year: number;
    count: string;
    min: number;
    max: number;
    counter: number | null;
    misnumbered: string;
  }>(
    `SELECT r.year, count(*)::text AS count, min(r.seq) AS min, max(r.seq) AS max,
            (SELECT last_seq FROM receipt_counters c WHERE c.year = r.year) AS counter,
            count(*) FILTER (WHERE r.number <> 'UNFSSC-' || r.year || '-' || lpad(r.seq::text, 6, '0'))::text AS misnumbered
       FROM receipts r GROUP BY r.year ORDER BY r.year`,
  );
  return rows.map((row) => ({
    year: Number(row.year),
    count: Number(row.count),
    minSeq: Number(row.min),
    maxSeq: Number(row.max),
    counter: row.counter === null ? null : Number(row.counter),
    misnumbered: Number(row.misnumbered),
  }));
}

/** The gap-free form of each year's numbering, for `toEqual(receiptYears(...))`. */
export function gapFreeReceiptYears(years: ReceiptYear[]): ReceiptYear[] {
  return years.map((year) => ({
    year: year.year,
    count: year.count,
    minSeq: 1,
    maxSeq: year.count,
    counter: year.count,
    misnumbered: 0,
  }));
}

/** Receipt numbers of one year, in seq order. */
export async function receiptNumbersOf(t: TestApp, year: number): Promise<string[]> {
  const rows = await t.sql<{ number: string }>(
    'SELECT number FROM receipts WHERE year = $1 ORDER BY seq',
    [year],
  );
  return rows.map((row) => row.number);
}

/** `UNFSSC-{year}-000001` to `UNFSSC-{year}-{count}`. */
export function expectedReceiptNumbers(year: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `UNFSSC-${year}-${String(index + 1).padStart(6, '0')}`,
  );
}

/**
 * Entries whose lines do not balance in USD, in total or within one earmark, with the
 * difference (debits − credits). An empty list is a balanced journal.
 */
export async function unbalancedEntries(
  t: TestApp,
): Promise<{ seq: string; earmark: string | null; difference: string }[]> {
  return t.sql(
    `SELECT entry_seq::text AS seq, NULL AS earmark,
            sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END)::text AS difference
       FROM journal_lines GROUP BY entry_seq
     HAVING sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END) <> 0
     UNION ALL
     SELECT entry_seq::text, earmark,
            sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END)::text
       FROM journal_lines GROUP BY entry_seq, earmark
     HAVING sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END) <> 0`,
  );
}

/**
 * Maintained day balances that differ from the sum of the journal lines they stand for. An empty
 * list means the reports, which read the day balances, see exactly what the journal says.
 */
export async function driftedDayBalances(
  t: TestApp,
): Promise<{ account: string; earmark: string; effective_on: string; seq_block: string }[]> {
  return t.sql(
    `WITH from_lines AS (
       SELECT l.account, l.earmark, e.effective_on, l.entry_seq / ${DAY_BALANCE_BLOCK} AS seq_block,
              COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0) AS debit_usd,
              COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit'), 0) AS credit_usd
         FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
        GROUP BY l.account, l.earmark, e.effective_on, l.entry_seq / ${DAY_BALANCE_BLOCK}
     )
     SELECT COALESCE(f.account, b.account) AS account, COALESCE(f.earmark, b.earmark) AS earmark,
            COALESCE(f.effective_on, b.effective_on)::text AS effective_on,
            COALESCE(f.seq_block, b.seq_block)::text AS seq_block
       FROM from_lines f
       FULL JOIN account_day_balances b
         ON b.account = f.account AND b.earmark = f.earmark AND b.effective_on = f.effective_on
        AND b.seq_block = f.seq_block
      WHERE f.debit_usd IS DISTINCT FROM b.debit_usd OR f.credit_usd IS DISTINCT FROM b.credit_usd`,
  );
}

/**
 * The contributions figures the API reads (maintained facts) next to the oracle's (straight from
 * the journal), at a point; equal objects mean the maintained figures are right there.
 */
export async function contributionsAt(
  t: TestApp,
  point: { asOf: string; asOfSeq: number },
): Promise<{ maintained: unknown; oracle: unknown }> {
  const manager = t.running.app.get(DataSource).manager;
  return {
    maintained: normaliseContributions(await contributionRows(manager, point, null)),
    oracle: normaliseContributions(await contributionRowsFromJournal(manager, point, null)),
  };
}

/** Running totals that differ from the sum of their day rows (accounts, then contributions). */
export async function driftedRunningTotals(t: TestApp): Promise<unknown[]> {
  return t.sql(
    `SELECT 'account' AS kind, COALESCE(b.account, d.account) AS key1, COALESCE(b.earmark, d.earmark) AS key2
       FROM account_balances b
       FULL JOIN (SELECT account, earmark, sum(debit_usd) AS debit_usd, sum(credit_usd) AS credit_usd
                    FROM account_day_balances GROUP BY account, earmark) d
         ON d.account = b.account AND d.earmark = b.earmark
      WHERE b.debit_usd IS DISTINCT FROM d.debit_usd OR b.credit_usd IS DISTINCT FROM d.credit_usd
     UNION ALL
     SELECT 'contribution', COALESCE(c.donor_id, d.donor_id)::text, COALESCE(c.currency, d.currency)
       FROM contribution_totals c
       FULL JOIN (SELECT donor_id, currency, sum(facts) AS facts, sum(announced) AS announced, sum(paid) AS paid,
                         sum(received_usd) AS received_usd
                    FROM contribution_day_totals GROUP BY donor_id, currency) d
         ON d.donor_id = c.donor_id AND d.currency = c.currency
      WHERE c.facts IS DISTINCT FROM d.facts OR c.announced IS DISTINCT FROM d.announced
         OR c.paid IS DISTINCT FROM d.paid OR c.received_usd IS DISTINCT FROM d.received_usd`,
  );
}
