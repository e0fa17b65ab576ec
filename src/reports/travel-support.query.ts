import type { EntityManager } from 'typeorm';
import type { ReportPoint } from '#src/reports/report-point.js';
import { REQUEST_STANDING_COLUMNS } from '#src/travel-support/request-standing.js';

export interface TravelSupportRow {
  country_code: string;
  country_name: string;
  ldc: boolean;
  late: boolean;
  delegates_requested: number;
  delegates_funded: number;
  obligated_usd: string;
}

/**
 * A row per travel request known at the report point, with the allocations committed and not
 * released by then (SPEC 11, travel-support). Requests, commits and releases are all journal
 * entries, so the report point applies to each of them.
 */
export async function travelSupportRows(
  manager: EntityManager,
  conference: string,
  point: ReportPoint,
): Promise<TravelSupportRow[]> {
  return (await manager.query(
    `WITH known_requests AS (
       SELECT r.id, r.country_code, ${REQUEST_STANDING_COLUMNS}
         FROM travel_requests r
         JOIN conferences c ON c.code = r.conference_code
         JOIN journal_entries e ON e.source_type = 'travel_request' AND e.source_id = r.id
        WHERE r.conference_code = $1 AND e.seq <= $3 AND e.effective_on <= $2::date
     ),
     standing AS (
       SELECT a.request_id, a.delegates_funded, a.amount_usd
         FROM allocations a
         JOIN allocation_runs run ON run.id = a.run_id
         JOIN journal_entries committed ON committed.seq = run.journal_entry_seq
        WHERE a.conference_code = $1 AND committed.seq <= $3 AND committed.effective_on <= $2::date
          AND NOT EXISTS (SELECT 1 FROM allocation_releases x JOIN journal_entries released ON released.seq = x.journal_entry_seq
                           WHERE x.allocation_id = a.id AND released.seq <= $3 AND released.effective_on <= $2::date)
     )
     SELECT k.country_code, c.name AS country_name, k.ldc, k.late,
            (SELECT count(*) FROM travel_delegates d WHERE d.request_id = k.id)::int AS delegates_requested,
            COALESCE(sum(s.delegates_funded), 0)::int AS delegates_funded,
            COALESCE(sum(s.amount_usd), 0)::text AS obligated_usd
       FROM known_requests k JOIN countries c ON c.alpha3 = k.country_code
       LEFT JOIN standing s ON s.request_id = k.id
      GROUP BY k.id, k.country_code, c.name, k.ldc, k.late
      ORDER BY k.country_code`,
    [conference, point.asOf, point.asOfSeq],
  )) as TravelSupportRow[];
}
