import type { EntityManager } from 'typeorm';
import type { ReportPoint } from '#src/reports/report-point.js';

/**
 * The contributions report's figures computed the slow, obvious way: straight from the journal
 * entries counted at the point and the rows they record. Tests compare the maintained figures
 * the API reads with this oracle.
 */
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

/**
 * The contributions report's figures (SPEC 11), from journal entries counted at the report point
 * and the pledges and payments they record:
 * - announced: pledges announced and neither confirmed nor cancelled by `asOf`; a pledge created
 *   already confirmed counts as announced from `pledgedOn` until `confirmedOn`;
 * - confirmed, confirmedUsd: pledges whose confirmation counts (whatever happened after);
 * - writtenOff: balances written off;
 * - paid / unpledged / receivedUsd: payments with / without a pledge, less reversals counted.
 */
export async function contributionRowsFromJournal(
  manager: EntityManager,
  point: ReportPoint,
  donorId: string | null,
): Promise<ContributionRow[]> {
  return (await manager.query(
    `WITH counted AS (
       SELECT e.kind, e.source_id, e.effective_on <= $1::date AS effective
         FROM journal_entries e
        WHERE e.seq <= $2 AND e.source_type IN ('pledge', 'payment')
     ),
     pledge_state AS (
       SELECT p.id, p.donor_id, p.currency, p.amount, p.carrying_usd, p.written_off_amount, p.pledged_on <= $1::date AS pledged,
              bool_or(c.kind = 'pledge_announced') AS announcement_known,
              bool_or(c.kind = 'pledge_announced' AND c.effective) AS announced,
              bool_or(c.kind = 'pledge_confirmed') AS confirmation_known,
              bool_or(c.kind = 'pledge_confirmed' AND c.effective) AS confirmed,
              bool_or(c.kind = 'pledge_cancelled' AND c.effective) AS cancelled,
              bool_or(c.kind = 'pledge_written_off' AND c.effective) AS written_off
         FROM counted c JOIN pledges p ON p.id = c.source_id
        WHERE c.kind LIKE 'pledge\\_%'
        GROUP BY p.id
       -- A pledge shows once one of its events is effective, or, created confirmed, once pledged.
       HAVING bool_or(c.effective)
           OR (bool_or(p.pledged_on <= $1::date) AND NOT bool_or(c.kind = 'pledge_announced'))
     ),
     pledge_figures AS (
       SELECT donor_id, currency,
              sum(amount) FILTER (WHERE NOT confirmed AND NOT cancelled
                                    AND (announced OR (NOT announcement_known AND confirmation_known AND pledged))) AS announced,
              sum(amount) FILTER (WHERE confirmed) AS confirmed,
              sum(carrying_usd) FILTER (WHERE confirmed) AS confirmed_usd,
              sum(written_off_amount) FILTER (WHERE written_off) AS written_off
         FROM pledge_state GROUP BY donor_id, currency
     ),
     payment_figures AS (
       SELECT p.donor_id, p.currency,
              sum(CASE c.kind WHEN 'payment_received' THEN p.amount ELSE -p.amount END) FILTER (WHERE p.pledge_id IS NOT NULL) AS paid,
              sum(CASE c.kind WHEN 'payment_received' THEN p.amount ELSE -p.amount END) FILTER (WHERE p.pledge_id IS NULL) AS unpledged,
              sum(CASE c.kind WHEN 'payment_received' THEN p.amount_usd ELSE -p.amount_usd END) AS received_usd
         FROM counted c JOIN payments p ON p.id = c.source_id
        WHERE c.kind IN ('payment_received', 'payment_reversed') AND c.effective
        GROUP BY p.donor_id, p.currency
     )
     SELECT d.id AS donor_id, d.name AS donor_name, f.currency,
            COALESCE(f.announced, 0)::text AS announced, COALESCE(f.confirmed, 0)::text AS confirmed,
            COALESCE(f.paid, 0)::text AS paid, COALESCE(f.unpledged, 0)::text AS unpledged,
            COALESCE(f.written_off, 0)::text AS written_off, COALESCE(f.confirmed_usd, 0)::text AS confirmed_usd,
            COALESCE(f.received_usd, 0)::text AS received_usd
       FROM (SELECT COALESCE(pf.donor_id, pay.donor_id) AS donor_id, COALESCE(pf.currency, pay.currency) AS currency,
                    pf.announced, pf.confirmed, pf.confirmed_usd, pf.written_off, pay.paid, pay.unpledged, pay.received_usd
               FROM pledge_figures pf FULL JOIN payment_figures pay ON pay.donor_id = pf.donor_id AND pay.currency = pf.currency) f
       JOIN donors d ON d.id = f.donor_id
      WHERE $3::uuid IS NULL OR d.id = $3::uuid`,
    [point.asOf, point.asOfSeq, donorId],
  )) as ContributionRow[];
}

/** Rows keyed by donor and currency with every figure normalised, for comparing two sources. */
export function normaliseContributions(
  rows: ContributionRow[],
): Record<string, Record<string, string>> {
  const normal = (value: string) =>
    value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
  return Object.fromEntries(
    rows.map((row) => [
      `${row.donor_id}/${row.currency}`,
      {
        announced: normal(row.announced),
        confirmed: normal(row.confirmed),
        paid: normal(row.paid),
        unpledged: normal(row.unpledged),
        written_off: normal(row.written_off),
        confirmed_usd: normal(row.confirmed_usd),
        received_usd: normal(row.received_usd),
      },
    ]),
  );
}
