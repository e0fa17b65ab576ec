import type { EntityManager } from 'typeorm';
import { DAY_BALANCE_BLOCK } from '#src/ledger/journal.entity.js';

/** Sums of one account on one earmark at a report point. */
export interface LedgerTotalsRow {
  account: string;
  earmark: string;
  /** Debits and credits effective on or before `asOf`. */
  debit_by_date: string;
  credit_by_date: string;
  /** Debits whatever their date (obligations count so, SPEC 10). */
  debit_all: string;
}

/**
 * Debits and credits per account and earmark at (`asOf`, `asOfSeq`), from the maintained running
 * totals less what does not count at the point:
 * - the day balances dated after `asOf` (none for a report of today: no event may be dated in
 *   the future) or in a block of entries after the pin's (none for a current report);
 * - the lines of the pin's own block written after `asOfSeq` (at most 1,023 entries' lines).
 * A current report therefore costs accounts × earmarks, and a pinned one the day balances after
 * its point, whatever the length of the history.
 */
export async function ledgerTotals(
  manager: EntityManager,
  point: { asOf: string; asOfSeq: number | null },
  earmarks?: readonly string[],
): Promise<LedgerTotalsRow[]> {
  const pinBlock = point.asOfSeq === null ? null : Math.floor(point.asOfSeq / DAY_BALANCE_BLOCK);
  const blockEnd = pinBlock === null ? null : (pinBlock + 1) * DAY_BALANCE_BLOCK;
  return (await manager.query(
    `WITH parts AS (
       SELECT b.account, b.earmark, b.debit_usd AS debit_by_date, b.credit_usd AS credit_by_date, b.debit_usd AS debit_all
         FROM account_balances b
        WHERE $5::text[] IS NULL OR b.earmark = ANY ($5::text[])
       UNION ALL
       SELECT d.account, d.earmark, -sum(d.debit_usd), -sum(d.credit_usd),
              -COALESCE(sum(d.debit_usd) FILTER (WHERE d.seq_block > $3::bigint), 0)
         FROM account_day_balances d
        WHERE (d.effective_on > $1::date OR d.seq_block > $3::bigint)
          AND ($5::text[] IS NULL OR d.earmark = ANY ($5::text[]))
        GROUP BY d.account, d.earmark
       UNION ALL
       SELECT l.account, l.earmark,
              -COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit' AND e.effective_on <= $1::date), 0),
              -COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit' AND e.effective_on <= $1::date), 0),
              -COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0)
         FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
        WHERE l.entry_seq > $2::bigint AND l.entry_seq < $4::bigint
          AND ($5::text[] IS NULL OR l.earmark = ANY ($5::text[]))
        GROUP BY l.account, l.earmark
     )
     SELECT p.account, p.earmark, sum(p.debit_by_date)::text AS debit_by_date, sum(p.credit_by_date)::text AS credit_by_date,
            sum(p.debit_all)::text AS debit_all
       FROM parts p GROUP BY p.account, p.earmark`,
    [point.asOf, point.asOfSeq, pinBlock, blockEnd, earmarks ?? null],
  )) as LedgerTotalsRow[];
}
