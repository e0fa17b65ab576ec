import type { EntityManager } from 'typeorm';
import type { ReportPoint } from '#src/reports/report-point.js';

export interface TrialBalanceRow {
  account: string;
  name: string;
  debit: string;
  credit: string;
}

/** Gross debits and credits per account at the report point; every account, even when idle. */
export async function trialBalanceRows(
  manager: EntityManager,
  point: ReportPoint,
): Promise<TrialBalanceRow[]> {
  return (await manager.query(
    `SELECT a.code AS account, a.name,
            COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0)::text AS debit,
            COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit'), 0)::text AS credit
       FROM accounts a
       LEFT JOIN (journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq AND e.seq <= $2 AND e.effective_on <= $1::date)
              ON l.account = a.code
      GROUP BY a.code, a.name
      ORDER BY a.code`,
    [point.asOf, point.asOfSeq],
  )) as TrialBalanceRow[];
}
