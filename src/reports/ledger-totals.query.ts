import type { EntityManager } from 'typeorm';

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
 * totals less the day balances after `asOf` (none for a report of today: no event may be dated
 * in the future) and less the lines written after `asOfSeq` (found through the entry_seq index).
 * A current report therefore costs accounts × earmarks, whatever the length of the history.
 */
export async function ledgerTotals(
  manager: EntityManager,
  point: { asOf: string; asOfSeq: number | null },
  earmarks?: readonly string[],
): Promise<LedgerTotalsRow[]> {
  return (await manager.query(
    `WITH parts AS (
       SELECT b.account, b.earmark, b.debit_usd AS debit_by_date, b.credit_usd AS credit_by_date, b.debit_usd AS debit_all
         FROM account_balances b
        WHERE $3::text[] IS NULL OR b.earmark = ANY ($3::text[])
       UNION ALL
       SELECT d.account, d.earmark, -sum(d.debit_usd), -sum(d.credit_usd), 0
         FROM account_day_balances d
        WHERE d.effective_on > $1::date AND ($3::text[] IS NULL OR d.earmark = ANY ($3::text[]))
        GROUP BY d.account, d.earmark
       UNION ALL
       SELECT l.account, l.earmark,
              -COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit' AND e.effective_on <= $1::date), 0),
              -COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit' AND e.effective_on <= $1::date), 0),
              -COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0)
         FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
        WHERE $2::bigint IS NOT NULL AND l.entry_seq > $2::bigint
          AND ($3::text[] IS NULL OR l.earmark = ANY ($3::text[]))
        GROUP BY l.account, l.earmark
     )
     SELECT p.account, p.earmark, sum(p.debit_by_date)::text AS debit_by_date, sum(p.credit_by_date)::text AS credit_by_date,
            sum(p.debit_all)::text AS debit_all
       FROM parts p GROUP BY p.account, p.earmark`,
    [point.asOf, point.asOfSeq, earmarks ?? null],
  )) as LedgerTotalsRow[];
}
