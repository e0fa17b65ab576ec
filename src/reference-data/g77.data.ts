/**
 * Membership of the Group of 77 (G-77), as half-open intervals `[joinedOn, leftOn)`; dates are ISO
 * `YYYY-MM-DD`. China is NOT recorded: it does not consider itself a member (statements are made in
 * the name of "the Group of 77 and China"), and the default developing-country grouping adds China
 * separately. Tuvalu and Palau are not members in any period recorded here.
 *
 * How reliable the dates are (details and sources in docs/reference-data.md):
 * - founding members: 15 June 1964, the Joint Declaration of the Seventy-Seven Countries (exact);
 * - `proxy: UN admission`: states that became independent after June 1964; G-77 does not publish
 *   accession dates, so the date of admission to the United Nations stands in for it;
 * - `approx.`: the year (or month) of accession is known from secondary sources, the day is not;
 * - `attested`: accession date not established; the date is the earliest one from which a published
 *   member list vouches for membership (accession may be earlier);
 * - departures: the date of the event that ended membership (OECD or EU accession), approximate.
 * Membership on and after 1 December 2009 is the part the ledger relies on; it matches the published
 * member lists (129 members besides China in 2008-2010; 134 besides China today).
 */

export interface G77MembershipRecord {
  readonly alpha3: string;
  readonly joinedOn: string;
  readonly leftOn: string | null;
}

/** Joint Declaration of the Seventy-Seven Countries, UNCTAD I, Geneva. */
const FOUNDED = '1964-06-15';
/** Earliest date of the published member list used to attest membership ("as of March 2008"). */
const ATTESTED_2008 = '2008-03-01';
/** Members absent from the 2008-2010 lists (130 with China) and present in the list of November 2013. */
const ATTESTED_2013 = '2013-11-01';

export const G77_MEMBERSHIP: readonly G77MembershipRecord[] = [
  // Founding members (15 June 1964) that are still members.
  { alpha3: 'AFG', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'DZA', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'ARG', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'BEN', joinedOn: FOUNDED, leftOn: null }, // as Dahomey
  { alpha3: 'BOL', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'BRA', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'BFA', joinedOn: FOUNDED, leftOn: null }, // as Upper Volta
  { alpha3: 'BDI', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'KHM', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'CMR', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'CAF', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'TCD', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'CHL', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'COL', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'COG', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'COD', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'CRI', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'DOM', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'ECU', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'EGY', joinedOn: FOUNDED, leftOn: null }, // as United Arab Republic
  { alpha3: 'SLV', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'ETH', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'GAB', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'GHA', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'GTM', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'GIN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'HTI', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'HND', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'IND', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'IDN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'IRN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'IRQ', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'JAM', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'JOR', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'KEN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'KWT', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'LAO', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'LBN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'LBR', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'LBY', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'MDG', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'MYS', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'MLI', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'MRT', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'MAR', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'MMR', joinedOn: FOUNDED, leftOn: null }, // as Burma
  { alpha3: 'NPL', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'NIC', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'NER', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'NGA', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'PAK', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'PAN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'PRY', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'PER', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'PHL', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'RWA', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'SAU', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'SEN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'SLE', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'SOM', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'LKA', joinedOn: FOUNDED, leftOn: null }, // as Ceylon
  { alpha3: 'SDN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'SYR', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'TZA', joinedOn: FOUNDED, leftOn: null }, // as Tanganyika and Zanzibar
  { alpha3: 'THA', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'TGO', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'TTO', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'TUN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'UGA', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'URY', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'VEN', joinedOn: FOUNDED, leftOn: null },
  { alpha3: 'VNM', joinedOn: FOUNDED, leftOn: null }, // as Republic of Viet-Nam; unified Viet Nam from 1976
  { alpha3: 'YEM', joinedOn: FOUNDED, leftOn: null }, // as Yemen Arab Republic

  // Founding members that left.
  { alpha3: 'MEX', joinedOn: FOUNDED, leftOn: '1994-05-18' }, // approx.: OECD accession
  { alpha3: 'KOR', joinedOn: FOUNDED, leftOn: '1996-12-12' }, // approx.: OECD accession
  { alpha3: 'CYP', joinedOn: FOUNDED, leftOn: '2004-05-01' }, // approx.: EU accession

  // Later members, proxy: UN admission.
  { alpha3: 'MWI', joinedOn: '1964-12-01', leftOn: null },
  { alpha3: 'ZMB', joinedOn: '1964-12-01', leftOn: null },
  { alpha3: 'GMB', joinedOn: '1965-09-21', leftOn: null },
  { alpha3: 'MDV', joinedOn: '1965-09-21', leftOn: null },
  { alpha3: 'SGP', joinedOn: '1965-09-21', leftOn: null },
  { alpha3: 'GUY', joinedOn: '1966-09-20', leftOn: null },
  { alpha3: 'BWA', joinedOn: '1966-10-17', leftOn: null },
  { alpha3: 'LSO', joinedOn: '1966-10-17', leftOn: null },
  { alpha3: 'BRB', joinedOn: '1966-12-09', leftOn: null },
  { alpha3: 'MUS', joinedOn: '1968-04-24', leftOn: null },
  { alpha3: 'SWZ', joinedOn: '1968-09-24', leftOn: null },
  { alpha3: 'GNQ', joinedOn: '1968-11-12', leftOn: null },
  { alpha3: 'FJI', joinedOn: '1970-10-13', leftOn: null },
  { alpha3: 'BHR', joinedOn: '1971-09-21', leftOn: null },
  { alpha3: 'BTN', joinedOn: '1971-09-21', leftOn: null },
  { alpha3: 'QAT', joinedOn: '1971-09-21', leftOn: null },
  { alpha3: 'OMN', joinedOn: '1971-10-07', leftOn: null },
  { alpha3: 'ARE', joinedOn: '1971-12-09', leftOn: null },
  { alpha3: 'BHS', joinedOn: '1973-09-18', leftOn: null },
  { alpha3: 'BGD', joinedOn: '1974-09-17', leftOn: null },
  { alpha3: 'GRD', joinedOn: '1974-09-17', leftOn: null },
  { alpha3: 'GNB', joinedOn: '1974-09-17', leftOn: null },
  { alpha3: 'CPV', joinedOn: '1975-09-16', leftOn: null },
  { alpha3: 'MOZ', joinedOn: '1975-09-16', leftOn: null },
  { alpha3: 'STP', joinedOn: '1975-09-16', leftOn: null },
  { alpha3: 'PNG', joinedOn: '1975-10-10', leftOn: null },
  { alpha3: 'COM', joinedOn: '1975-11-12', leftOn: null },
  { alpha3: 'SUR', joinedOn: '1975-12-04', leftOn: null },
  { alpha3: 'SYC', joinedOn: '1976-09-21', leftOn: null },
  { alpha3: 'AGO', joinedOn: '1976-12-01', leftOn: null },
  { alpha3: 'WSM', joinedOn: '1976-12-15', leftOn: null },
  { alpha3: 'DJI', joinedOn: '1977-09-20', leftOn: null },
  { alpha3: 'SLB', joinedOn: '1978-09-19', leftOn: null },
  { alpha3: 'DMA', joinedOn: '1978-12-18', leftOn: null },
  { alpha3: 'LCA', joinedOn: '1979-09-18', leftOn: null },
  { alpha3: 'ZWE', joinedOn: '1980-08-25', leftOn: null },
  { alpha3: 'VCT', joinedOn: '1980-09-16', leftOn: null },
  { alpha3: 'VUT', joinedOn: '1981-09-15', leftOn: null },
  { alpha3: 'BLZ', joinedOn: '1981-09-25', leftOn: null },
  { alpha3: 'ATG', joinedOn: '1981-11-11', leftOn: null },
  { alpha3: 'KNA', joinedOn: '1983-09-23', leftOn: null },
  { alpha3: 'BRN', joinedOn: '1984-09-21', leftOn: null },
  { alpha3: 'NAM', joinedOn: '1990-04-23', leftOn: null },
  { alpha3: 'PRK', joinedOn: '1991-09-17', leftOn: null },
  { alpha3: 'MHL', joinedOn: '1991-09-17', leftOn: null },
  { alpha3: 'FSM', joinedOn: '1991-09-17', leftOn: null },
  { alpha3: 'TKM', joinedOn: '1992-03-02', leftOn: null },
  { alpha3: 'BIH', joinedOn: '1992-05-22', leftOn: null },
  { alpha3: 'ERI', joinedOn: '1993-05-28', leftOn: null },
  { alpha3: 'TON', joinedOn: '1999-09-14', leftOn: null },
  { alpha3: 'TLS', joinedOn: '2002-09-27', leftOn: null },

  // Later members, approx.
  { alpha3: 'CUB', joinedOn: '1971-11-07', leftOn: null }, // 1971, Second Ministerial Meeting (Lima)
  { alpha3: 'PSE', joinedOn: '1976-02-07', leftOn: null }, // 1976, as the PLO; Third Ministerial Meeting (Manila)
  { alpha3: 'MLT', joinedOn: '1976-02-07', leftOn: '2004-05-01' }, // 1976; left on EU accession
  { alpha3: 'ZAF', joinedOn: '1994-06-23', leftOn: null }, // 1994, after the end of apartheid
  { alpha3: 'SSD', joinedOn: '2014-09-26', leftOn: null }, // 2014, Annual Ministerial Meeting
  { alpha3: 'AZE', joinedOn: '2019-09-27', leftOn: null }, // 43rd Annual Ministerial Meeting ("135th member")

  // Later members, attested.
  { alpha3: 'CIV', joinedOn: ATTESTED_2008, leftOn: null },
  { alpha3: 'MNG', joinedOn: ATTESTED_2008, leftOn: null },
  { alpha3: 'KIR', joinedOn: ATTESTED_2013, leftOn: null },
  { alpha3: 'NRU', joinedOn: ATTESTED_2013, leftOn: null },
  { alpha3: 'TJK', joinedOn: ATTESTED_2013, leftOn: null },
];
