import type { EntityManager } from 'typeorm';
import { Dec, type Decimal, roundUsd } from '#src/common/money/money.js';

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
 * Fund status per earmark, from the journal: entries with a sequence up to `asOfSeq` (all when
 * null) count; cash, FX, PSC and releases count when effective on or before `asOf`; obligations
 * count whatever their date, as the travel budget requires (SPEC 10). The travel budget and the
 * fund-status report both come from here, so they cannot disagree.
 */
export async function fundStatusFigures(
  manager: EntityManager,
  point: { asOf: string; asOfSeq: number | null },
  reserveRate: Decimal,
  earmarks?: readonly string[],
): Promise<FundStatusFigures[]> {
  const signed = `CASE l.side WHEN 'debit' THEN l.amount_usd ELSE -l.amount_usd END`;
  const rows = (await manager.query(
    `SELECT l.earmark,
            COALESCE(sum(${signed}) FILTER (WHERE l.account = '1100' AND e.effective_on <= $1), 0)::text AS received,
            COALESCE(-sum(${signed}) FILTER (WHERE l.account = '4900' AND e.effective_on <= $1), 0)::text AS fx,
            COALESCE(sum(${signed}) FILTER (WHERE l.account = '5200' AND e.effective_on <= $1), 0)::text AS psc,
            COALESCE(sum(l.amount_usd) FILTER (WHERE l.account = '5100' AND l.side = 'debit'), 0)::text AS obligated,
            COALESCE(sum(l.amount_usd) FILTER (WHERE l.account = '5100' AND l.side = 'credit' AND e.effective_on <= $1), 0)::text AS released
       FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
      WHERE ($2::bigint IS NULL OR l.entry_seq <= $2::bigint)
        AND ($3::text[] IS NULL OR l.earmark = ANY ($3::text[]))
      GROUP BY l.earmark
      ORDER BY l.earmark`,
    [point.asOf, point.asOfSeq, earmarks ?? null],
  )) as Row[];
  const byEarmark = new Map(rows.map((row) => [row.earmark, toFigures(row, reserveRate)]));
  // An earmark asked for by name is reported even before any money has reached it.
  for (const earmark of earmarks ?? []) {
    if (!byEarmark.has(earmark))
      byEarmark.set(
        earmark,
        toFigures(
          { earmark, received: '0', fx: '0', psc: '0', obligated: '0', released: '0' },
          reserveRate,
        ),
      );
  }
  return [...byEarmark.values()].sort((a, b) =>
    a.earmark < b.earmark ? -1 : a.earmark > b.earmark ? 1 : 0,
  );
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
