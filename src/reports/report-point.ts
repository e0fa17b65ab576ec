import type { EntityManager } from 'typeorm';
import { todayUtc } from '#src/common/dates.js';
import { DomainError } from '#src/common/errors/domain-error.js';

/**
 * The point a report is taken at: an effective date and the journal sequence as then known. An
 * event counts when its date is on or before `asOf` and its sequence on or before `asOfSeq`, so
 * a report pinned to both gives the same bytes however much is posted later, backdated or not.
 */
export interface ReportPoint {
  asOf: string;
  asOfSeq: number;
}

/** Defaults: today (UTC) and the current head. Raises VALIDATION_FAILED for a sequence past the head. */
export async function resolveReportPoint(
  manager: EntityManager,
  asOf?: string,
  asOfSeq?: number,
): Promise<ReportPoint> {
  const [head] = (await manager.query('SELECT seq::text AS seq FROM ledger_head WHERE id = 1')) as {
    seq: string;
  }[];
  const headSeq = Number(head.seq);
  if (asOfSeq !== undefined && asOfSeq > headSeq) {
    throw DomainError.validation([
      {
        field: 'asOfSeq',
        message: `may not be after the journal head (${headSeq}): a report must not depend on entries not yet written`,
      },
    ]);
  }
  return { asOf: asOf ?? todayUtc(), asOfSeq: asOfSeq ?? headSeq };
}
