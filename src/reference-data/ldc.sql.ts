/**
 * The one SQL statement of the LDC rule (SPEC 10): `country` was on the list on `on`, or
 * graduated less than `graceYears` before it. Membership is an interval [includedOn, graduatedOn).
 * The arguments are SQL expressions of the embedding query.
 */
export function ldcOn(country: string, on: string, graceYears: string): string {
  return `EXISTS (SELECT 1 FROM ldc_memberships m
           WHERE m.alpha3 = ${country} AND m.included_on <= ${on}
             AND (m.graduated_on IS NULL OR ${on} < m.graduated_on + make_interval(years => ${graceYears})))`;
}
