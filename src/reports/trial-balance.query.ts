import type { EntityManager } from 'typeorm';
import { Dec } from '#src/common/money/money.js';
import { ledgerTotals } from '#src/reports/ledger-totals.query.js';
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
  const accounts = (await manager.query(
    'SELECT a.code AS account, a.name FROM accounts a ORDER BY a.code',
  )) as {
    account: string;
    name: string;
  }[];
  const sums = new Map(accounts.map((a) => [a.account, { debit: new Dec(0), credit: new Dec(0) }]));
  for (const row of await ledgerTotals(manager, point)) {
    const sum = sums.get(row.account)!;
    sum.debit = sum.debit.plus(row.debit_by_date);
    sum.credit = sum.credit.plus(row.credit_by_date);
  }
  return accounts.map((a) => ({
    ...a,
    debit: sums.get(a.account)!.debit.toFixed(),
    credit: sums.get(a.account)!.credit.toFixed(),
  }));
}
