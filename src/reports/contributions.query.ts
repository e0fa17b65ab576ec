import type { EntityManager } from 'typeorm';
import type { ReportPoint } from '#src/reports/report-point.js';

/** Per donor and currency, each figure as a numeric string straight from PostgreSQL. */
export interface ContributionRow {
  donor_id: string;
  donor_name: string;
  currency: string;
  announced: string;
  confirmed: string;
  paid: string;
  unpledged: string;
  written_off: string;
  confirmed_usd: string;
  received_usd: string;
}

const FIGURES = [
  'announced',
  'confirmed',
  'paid',
  'unpledged',
  'written_off',
  'confirmed_usd',
  'received_usd',
];

/**
 * The contributions report's figures (SPEC 11) from the maintained running totals, less the day
 * totals after `asOf` (none for a report of today) and the facts of entries written after
 * `asOfSeq`: a current report costs donors × currencies, whatever the length of the history.
 * A pledge counts as announced until confirmed or cancelled (one created confirmed, from its
 * pledge date to its confirmation date), confirmed whatever happened after, and a reversal
 * subtracts a payment from its own date. A donor and currency with no fact counted has no row.
 */
export async function contributionRows(
  manager: EntityManager,
  point: ReportPoint,
  donorId: string | null,
): Promise<ContributionRow[]> {
  return (await manager.query(
    `WITH parts AS (
       SELECT t.donor_id, t.currency, t.facts, ${FIGURES.map((f) => `t.${f}`).join(', ')}
         FROM contribution_totals t
        WHERE $3::uuid IS NULL OR t.donor_id = $3::uuid
       UNION ALL
       SELECT d.donor_id, d.currency, -d.facts, ${FIGURES.map((f) => `-d.${f}`).join(', ')}
         FROM contribution_day_totals d
        WHERE d.effective_on > $1::date AND ($3::uuid IS NULL OR d.donor_id = $3::uuid)
       UNION ALL
       SELECT f.donor_id, f.currency, -1, ${FIGURES.map((f) => `-f.${f}`).join(', ')}
         FROM contribution_facts f
        WHERE f.entry_seq > $2 AND f.effective_on <= $1::date AND ($3::uuid IS NULL OR f.donor_id = $3::uuid)
     )
     SELECT d.id AS donor_id, d.name AS donor_name, p.currency,
            ${FIGURES.map((f) => `sum(p.${f})::text AS ${f}`).join(', ')}
       FROM parts p JOIN donors d ON d.id = p.donor_id
      GROUP BY d.id, d.name, p.currency
     HAVING sum(p.facts) > 0`,
    [point.asOf, point.asOfSeq, donorId],
  )) as ContributionRow[];
}
