import type { EntityManager } from 'typeorm';
import type { Decimal } from '#src/common/money/money.js';
import { fundStatusFigures, type FundStatusFigures } from '#src/reports/fund-status.query.js';

/**
 * What one earmark can still spend on `on`: the fund-status figure for that earmark with every
 * entry written so far (SPEC 10: a conference's budget equals the fund-status availability of
 * its earmark, plus unearmarked when used). Pledges never count.
 */
export async function earmarkFunds(
  manager: EntityManager,
  earmark: string,
  on: string,
  reserveRate: Decimal,
): Promise<FundStatusFigures> {
  const [figures] = await fundStatusFigures(manager, { asOf: on, asOfSeq: null }, reserveRate, [
    earmark,
  ]);
  return figures;
}
