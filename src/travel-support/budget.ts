import type { EntityManager } from 'typeorm';
import { Dec, type Decimal, roundUsd } from '#src/common/money/money.js';

/** What one earmark can still spend on a date, and how that figure is made (SPEC 10, 11). */
export interface EarmarkFunds {
  earmark: string;
  receivedUsd: Decimal;
  pscUsd: Decimal;
  /** Committed obligations, whatever their date. */
  obligatedUsd: Decimal;
  /** Releases effective on or before the date. */
  releasedUsd: Decimal;
  reserveUsd: Decimal;
  availableUsd: Decimal;
}

/**
 * Cash-basis availability of an earmark on `on`: cash received (net of reversals) − PSC charged
 * on it − obligations not released by then − the operating reserve. Pledges never count, and FX
 * differences are already inside the cash figure (it is what was actually received).
 */
export async function earmarkFunds(
  manager: EntityManager,
  earmark: string,
  on: string,
  reserveRate: Decimal,
): Promise<EarmarkFunds> {
  const [row] = (await manager.query(
    `SELECT
       COALESCE(sum(CASE WHEN l.account = '1100' AND e.effective_on <= $2 THEN (CASE l.side WHEN 'debit' THEN l.amount_usd ELSE -l.amount_usd END) END), 0)::text AS received,
       COALESCE(sum(CASE WHEN l.account = '5200' AND e.effective_on <= $2 THEN (CASE l.side WHEN 'debit' THEN l.amount_usd ELSE -l.amount_usd END) END), 0)::text AS psc,
       COALESCE(sum(CASE WHEN l.account = '5100' AND l.side = 'debit' THEN l.amount_usd END), 0)::text AS obligated,
       COALESCE(sum(CASE WHEN l.account = '5100' AND l.side = 'credit' AND e.effective_on <= $2 THEN l.amount_usd END), 0)::text AS released
     FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
     WHERE l.earmark = $1 AND l.account IN ('1100', '5200', '5100')`,
    [earmark, on],
  )) as { received: string; psc: string; obligated: string; released: string }[];
  const receivedUsd = new Dec(row.received);
  const pscUsd = new Dec(row.psc);
  const obligatedUsd = new Dec(row.obligated);
  const releasedUsd = new Dec(row.released);
  // The reserve is a share of cash, rounded half-even to cents like every USD figure.
  const reserveUsd = roundUsd(receivedUsd.times(reserveRate));
  return {
    earmark,
    receivedUsd,
    pscUsd,
    obligatedUsd,
    releasedUsd,
    reserveUsd,
    availableUsd: receivedUsd.minus(pscUsd).minus(obligatedUsd).plus(releasedUsd).minus(reserveUsd),
  };
}
