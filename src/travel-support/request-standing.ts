import { ldcOn } from '#src/reference-data/ldc.sql.js';

/**
 * LDC status, lateness and tier of a travel request, computed from the conference as it is now.
 * A conference's start, deadline and LDC grace may change until its first commit (SPEC 10), so a
 * request is judged against the current parameters wherever it is read or allocated; the values
 * stored with the request record how it stood when nominated.
 *
 * `r` must alias travel_requests and `c` conferences in the query that embeds these columns.
 */
export const REQUEST_STANDING_COLUMNS = `
  ${ldcOn('r.country_code', 'c.starts_on', 'c.ldc_grace_years')} AS ldc,
  (c.nomination_deadline IS NOT NULL AND r.nominated_on > c.nomination_deadline) AS late`;
