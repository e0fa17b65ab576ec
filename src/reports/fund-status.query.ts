import type { EntityManager } from 'typeorm';
import { Dec, type Decimal, roundUsd } from '#src/common/money/money.js';
import { ledgerTotals } from '#src/reports/ledger-totals.query.js';

/** Cash-basis figures of one earmark at a report point (SPEC 11, fund-status). */
export interface FundStatusFigures {
  earmark: string;
  receivedUsd: Decimal;
  fxGainLossUsd: Decimal;
  pscUsd: Decimal;
  obligatedUsd: Decimal;
  releasedUsd: Decimal;
  reserveUsd: Decimal;
  availableUsd: Decimal;
}

interface Row {
  earmark: string;
  received: string;
  fx: string;
  psc: string;
  obligated: string;
  released: string;
}

/**
 * Fund status per earmark: entries with a sequence up to `asOfSeq` (all when null) count; cash,
 * FX, PSC and releases count when effective on or before `asOf`; obligations count whatever
 * their date, as the travel budget requires (SPEC 10). The travel budget and the fund-status
 * report both come from here, so they cannot disagree.
 */
export async function fundStatusFigures(
  manager: EntityManager,
  point: { asOf: string; asOfSeq: number | null },
  reserveRate: Decimal,
  earmarks?: readonly string[],
): Promise<FundStatusFigures[]> {
  const byEarmark = new Map<string, Row>();
  const zero = (earmark: string): Row => ({
    earmark,
    received: '0',
    fx: '0',
    psc: '0',
    obligated: '0',
    released: '0',
  });
  // An earmark asked for by name is reported even before any money has reached it.
  for (const earmark of earmarks ?? []) byEarmark.set(earmark, zero(earmark));
  for (const totals of await ledgerTotals(manager, point, earmarks)) {
    const row = byEarmark.get(totals.earmark) ?? zero(totals.earmark);
    const net = new Dec(totals.debit_by_date).minus(totals.credit_by_date);
    if (totals.account === '1100') row.received = net.toFixed();
    if (totals.account === '4900') row.fx = net.negated().toFixed();
    if (totals.account === '5200') row.psc = net.toFixed();
    if (totals.account === '5100') {
      row.obligated = totals.debit_all;
      row.released = totals.credit_by_date;
    }
    byEarmark.set(totals.earmark, row);
  }
  return [...byEarmark.values()]
    .map((row) => toFigures(row, reserveRate))
    .sort((a, b) => (a.earmark < b.earmark ? -1 : a.earmark > b.earmark ? 1 : 0));
}

function toFigures(row: Row, reserveRate: Decimal): FundStatusFigures {
  const receivedUsd = new Dec(row.received);
  const pscUsd = new Dec(row.psc);
  const obligatedUsd = new Dec(row.obligated);
  const releasedUsd = new Dec(row.released);
  // The operating reserve is a share of the cash received, rounded half-even to cents.
  const reserveUsd = roundUsd(receivedUsd.times(reserveRate));
  return {
    earmark: row.earmark,
    receivedUsd,
    fxGainLossUsd: new Dec(row.fx),
    pscUsd,
    obligatedUsd,
    releasedUsd,
    reserveUsd,
    availableUsd: receivedUsd.minus(pscUsd).minus(obligatedUsd).plus(releasedUsd).minus(reserveUsd),
  };
}
