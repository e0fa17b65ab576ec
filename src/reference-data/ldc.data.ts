/**
 * Membership of the UN list of least developed countries (LDCs), as half-open intervals
 * `[includedOn, graduatedOn)`: a country is an LDC on day D when `includedOn <= D` and
 * (`graduatedOn` is null or `D < graduatedOn`). Dates are ISO `YYYY-MM-DD`.
 *
 * Coverage: the 49 LDCs of 1 December 2009, plus Botswana and Cabo Verde (graduated before then)
 * and South Sudan (added 2012). Countries that left the list through merger (Sikkim, Democratic
 * Yemen) have no current ISO 3166-1 code and are not recorded.
 *
 * Inclusion dates: the year of inclusion of every country follows the UN DESA / CDP "Timeline of
 * LDC membership changes"; the day is the date of the General Assembly (or, for Guinea-Bissau,
 * ECOSOC) decision for that year. Where the day could not be established from a primary text it is
 * marked `approx.` below; docs/reference-data.md lists the sources and every approximation.
 * Graduation dates are the effective dates of graduation set by the General Assembly.
 */

export interface LdcMembershipRecord {
  readonly alpha3: string;
  readonly includedOn: string;
  readonly graduatedOn: string | null;
}

/** GA res. 2768 (XXVI) of 18 November 1971: the original list. */
const Y1971 = '1971-11-18';
/** GA res. 3487 (XXX) of 12 December 1975. */
const Y1975 = '1975-12-12';
/** GA res. 32/92 and 32/99 of 13 December 1977. */
const Y1977 = '1977-12-13';
/** ECOSOC res. 1981/34 of 8 May 1981 (Guinea-Bissau). */
const Y1981 = '1981-05-08';
/** GA, 37th session, approving ECOSOC's recommendation of 27 July 1982; res. 37/133 of 17 December 1982 (approx.). */
const Y1982 = '1982-12-17';
/** GA, 40th session (approx.: day of the session's economic resolutions, 17 December 1985). */
const Y1985 = '1985-12-17';
/** GA, 41st session (approx.: 8 December 1986). */
const Y1986 = '1986-12-08';
/** GA, 42nd session (approx.: 11 December 1987). */
const Y1987 = '1987-12-11';
/** GA, 43rd session (approx.: 20 December 1988). */
const Y1988 = '1988-12-20';
/** GA, 45th session (approx.: 21 December 1990). */
const Y1990 = '1990-12-21';
/** GA res. 46/206 of 20 December 1991. */
const Y1991 = '1991-12-20';
/** GA res. 49/133 of 19 December 1994 (approx.: resolution number and day from secondary sources). */
const Y1994 = '1994-12-19';
/** GA decision of 12 April 2001 (press release GA/9863): Senegal. */
const Y2001 = '2001-04-12';
/** GA, 58th session (approx.: 23 December 2003): Timor-Leste. */
const Y2003 = '2003-12-23';
/** GA res. 67/136 of 18 December 2012: South Sudan. */
const Y2012 = '2012-12-18';

export const LDC_MEMBERSHIP: readonly LdcMembershipRecord[] = [
  // Original list, 1971 (24 countries with a current ISO code).
  { alpha3: 'AFG', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'BEN', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'BTN', includedOn: Y1971, graduatedOn: '2023-12-13' },
  { alpha3: 'BWA', includedOn: Y1971, graduatedOn: '1994-12-20' },
  { alpha3: 'BFA', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'BDI', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'TCD', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'ETH', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'GIN', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'HTI', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'LAO', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'LSO', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'MWI', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'MDV', includedOn: Y1971, graduatedOn: '2011-01-01' },
  { alpha3: 'MLI', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'NPL', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'NER', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'RWA', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'WSM', includedOn: Y1971, graduatedOn: '2014-01-01' },
  { alpha3: 'SOM', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'SDN', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'UGA', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'TZA', includedOn: Y1971, graduatedOn: null },
  { alpha3: 'YEM', includedOn: Y1971, graduatedOn: null },
  // 1975
  { alpha3: 'BGD', includedOn: Y1975, graduatedOn: null },
  { alpha3: 'CAF', includedOn: Y1975, graduatedOn: null },
  { alpha3: 'GMB', includedOn: Y1975, graduatedOn: null },
  // 1977
  { alpha3: 'CPV', includedOn: Y1977, graduatedOn: '2007-12-20' },
  { alpha3: 'COM', includedOn: Y1977, graduatedOn: null },
  // 1981
  { alpha3: 'GNB', includedOn: Y1981, graduatedOn: null },
  // 1982
  { alpha3: 'DJI', includedOn: Y1982, graduatedOn: null },
  { alpha3: 'GNQ', includedOn: Y1982, graduatedOn: '2017-06-04' },
  { alpha3: 'STP', includedOn: Y1982, graduatedOn: '2024-12-13' },
  { alpha3: 'SLE', includedOn: Y1982, graduatedOn: null },
  { alpha3: 'TGO', includedOn: Y1982, graduatedOn: null },
  // 1985
  { alpha3: 'VUT', includedOn: Y1985, graduatedOn: '2020-12-04' },
  // 1986
  { alpha3: 'KIR', includedOn: Y1986, graduatedOn: null },
  { alpha3: 'MRT', includedOn: Y1986, graduatedOn: null },
  { alpha3: 'TUV', includedOn: Y1986, graduatedOn: null },
  // 1987
  { alpha3: 'MMR', includedOn: Y1987, graduatedOn: null },
  // 1988
  { alpha3: 'MOZ', includedOn: Y1988, graduatedOn: null },
  // 1990
  { alpha3: 'LBR', includedOn: Y1990, graduatedOn: null },
  // 1991
  { alpha3: 'KHM', includedOn: Y1991, graduatedOn: null },
  { alpha3: 'COD', includedOn: Y1991, graduatedOn: null },
  { alpha3: 'MDG', includedOn: Y1991, graduatedOn: null },
  { alpha3: 'SLB', includedOn: Y1991, graduatedOn: null },
  { alpha3: 'ZMB', includedOn: Y1991, graduatedOn: null },
  // 1994
  { alpha3: 'AGO', includedOn: Y1994, graduatedOn: null },
  { alpha3: 'ERI', includedOn: Y1994, graduatedOn: null },
  // 2001 (recommended by the CDP in its 2000 review)
  { alpha3: 'SEN', includedOn: Y2001, graduatedOn: null },
  // 2003
  { alpha3: 'TLS', includedOn: Y2003, graduatedOn: null },
  // 2012
  { alpha3: 'SSD', includedOn: Y2012, graduatedOn: null },
];
